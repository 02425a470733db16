//===- AudioFuzzer.cpp - Fuzz the audio front end -------------------------===//
//
// The whole path an audio file takes: libsndfile decoding from memory (any
// format it recognises), the non-finite check, mean removal, resampling to
// 16 kHz and the Kaldi fbank.
//
//===----------------------------------------------------------------------===//

#include "runtime/Audio.h"
#include "runtime/FbankOracle.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto wave = amae::readAudioMemory(llvm::ArrayRef<uint8_t>(data, size), "fuzz.wav");
  if (!wave) {
    llvm::consumeError(wave.takeError());
    return 0;
  }
  if (wave->samples.empty() || wave->channels <= 0)
    __builtin_trap(); // readAudio promised a non-empty waveform
  std::vector<float> mono = amae::officialMono(*wave);
  auto resampled = amae::resample(mono, wave->sampleRate, 16000);
  if (!resampled) {
    llvm::consumeError(resampled.takeError());
    return 0;
  }
  amae::FbankOptions options;
  int64_t frames = 0;
  std::vector<float> fbank = amae::kaldiFbank(*resampled, options, frames);
  if (static_cast<int64_t>(fbank.size()) != frames * options.numMelBins)
    __builtin_trap();
  for (float v : fbank)
    if (std::isnan(v))
      __builtin_trap(); // finite samples must give finite (or -inf-free) features
  return 0;
}
