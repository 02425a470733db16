//===- Audio.h - Decode and resample audio files ----------------*- C++ -*-===//
//
// Audio files to samples: libsndfile decoding (wav, flac, ogg), bounded
// against hostile headers, and libsoxr resampling (high quality) to the
// model's rate; the official code instead runs the fbank at the file's own
// rate. The features are the compiled `frontend` graph's
// (CompiledFrontEnd.h); FbankOracle.h is the C++ reference it is tested
// against.
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

/// The largest sample magnitude accepted. Decoded audio lies within +-1; a
/// float file's samples are taken as stored, and past about 7e14 the fbank's
/// float power spectrum overflows (400 samples, pre-emphasis, 257 bins), which
/// gives NaN features from finite samples. The bound leaves a wide margin.
constexpr float kMaxSampleMagnitude = 1e12f;
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

/// Resamples with libsoxr (high quality); a no-op at equal rates.
llvm::Expected<std::vector<float>> resample(const std::vector<float> &samples,
                                            double fromRate, double toRate);

} // namespace amae

#endif // AMAE_RUNTIME_AUDIO_H
