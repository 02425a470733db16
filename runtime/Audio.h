//===- Audio.h - Audio files to AudioMAE input features ---------*- C++ -*-===//
//
// The official front end (dataset.py `_wav2fbank`): load, subtract the mean
// over all channels and samples, take channel 0, Kaldi fbank as
// torchaudio.compliance.kaldi.fbank computes it, pad/crop to a frame count,
// normalise (x - mean) / (2 std). Files whose rate differs from the model's
// are resampled first (libsoxr, high quality); the official code instead
// runs fbank at the file's own rate.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_AUDIO_H
#define AMAE_RUNTIME_AUDIO_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace amae {

struct Waveform {
  int64_t sampleRate = 0;
  int channels = 0;
  std::vector<float> samples; // interleaved, in [-1, 1]
  int64_t frames() const { return channels ? samples.size() / channels : 0; }
};

/// The most samples (all channels) one recording may hold: 1 GiB of floats,
/// 46 minutes of 48 kHz stereo. Headers cannot make us allocate more.
constexpr int64_t kMaxAudioSamples = int64_t(1) << 28;
constexpr int kMaxAudioChannels = 256;

/// What to do with samples a float file can hold but a model cannot use.
struct AudioPolicy {
  bool zeroNonFinite = false; // zero NaN/inf samples instead of rejecting the file
};

/// Decodes a wav, flac or ogg file (or a stream: /dev/stdin) with
/// libsndfile, incrementally and bounded by kMaxAudioSamples. The header's
/// rate must pass ModelMath's sampleRateError; NaN or infinite samples are
/// an error naming the file unless `policy` says to zero them.
llvm::Expected<Waveform> readAudio(llvm::StringRef path, const AudioPolicy &policy = {});

/// readAudio over bytes in memory (libsndfile virtual I/O); `name` is used
/// in messages. The fuzzer's entry to the decoder.
llvm::Expected<Waveform> readAudioMemory(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef name,
                                         const AudioPolicy &policy = {});

/// Checks what the header of `path` says (decodable, rate, channels, a
/// length within bounds) without reading integer samples, and decodes
/// float-encoded files to find NaN or infinity unless `policy` zeroes
/// them: how a data set is validated when it is opened.
llvm::Error probeAudio(llvm::StringRef path, const AudioPolicy &policy = {});

/// Subtracts the mean of all channels and samples, then keeps channel 0.
std::vector<float> officialMono(const Waveform &wave);

/// Resamples with libsoxr (high quality); a no-op at equal rates.
llvm::Expected<std::vector<float>> resample(const std::vector<float> &samples,
                                            double fromRate, double toRate);

struct FbankOptions {
  double sampleRate = 16000;
  int64_t numMelBins = 128;
  double frameLengthMs = 25, frameShiftMs = 10;
  float preemphasis = 0.97f;
  double lowFreq = 20, highFreq = 0;
  bool removeDcOffset = true;
  bool roundToPowerOfTwo = true;
};

/// torchaudio.compliance.kaldi.fbank with AudioMAE's settings (Hann window,
/// no dither, no energy, log of the mel power). Returns frames x bins,
/// row-major; `frames` receives the frame count (0 for a signal shorter
/// than one window).
std::vector<float> kaldiFbank(const std::vector<float> &wave,
                              const FbankOptions &options, int64_t &frames);

/// Zero-pads or crops `fbank` (frames x bins) to `targetFrames`, then applies
/// (x - mean) / (2 std): one AudioMAE input image, time x frequency.
std::vector<float> audioMaeImage(const std::vector<float> &fbank, int64_t frames,
                                 int64_t bins, int64_t targetFrames, float mean,
                                 float std);

} // namespace amae

#endif // AMAE_RUNTIME_AUDIO_H
