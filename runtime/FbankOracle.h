//===- FbankOracle.h - The C++ reference front end --------------*- C++ -*-===//
//
// The official front end (dataset.py `_wav2fbank`) in C++: subtract the
// mean over all channels and samples, take channel 0, Kaldi fbank as
// torchaudio.compliance.kaldi.fbank computes it, pad/crop to a frame count,
// normalise (x - mean) / (2 std). The oracle that amae-fbank exposes and the
// compiled `frontend` graph is checked against (test/Audio); the runtime
// does not use it.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_FBANKORACLE_H
#define AMAE_RUNTIME_FBANKORACLE_H

#include "runtime/Audio.h"

#include <cstdint>
#include <vector>

namespace amae {

/// Subtracts the mean of all channels and samples, then keeps channel 0.
std::vector<float> officialMono(const Waveform &wave);

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

#endif // AMAE_RUNTIME_FBANKORACLE_H
