//===- FbankOracle.cpp - The C++ reference front end ----------------------===//
//
// The test oracle of the compiled front end: numerics follow torchaudio step
// by step in float32 (frame mean, replicate pre-emphasis, the float32 Hann
// window of torch.hann_window, the float32 mel bank of get_mel_banks, the
// float32 matmul and log); only the FFT is evaluated in double, which is
// closer to exact than torch's float32 FFT. Linked by amae-fbank, the unit
// tests and the audio fuzzer, not by the runtime.
//
//===----------------------------------------------------------------------===//

#include "runtime/FbankOracle.h"
#include "dialects/Amae/ModelMath.h"

#include <cmath>
#include <complex>
#include <limits>

namespace amae {

std::vector<float> officialMono(const Waveform &wave) {
  // torch computes the mean of a float32 tensor with a float accumulator
  // in a cascade; double accumulation is at least as close to exact.
  double sum = 0;
  for (float s : wave.samples)
    sum += s;
  float mean = static_cast<float>(sum / static_cast<double>(wave.samples.size()));
  std::vector<float> mono(wave.frames());
  for (int64_t i = 0; i < wave.frames(); ++i)
    mono[i] = wave.samples[i * wave.channels] - mean;
  return mono;
}

/// In-place radix-2 FFT of a power-of-two length.
static void fft(std::vector<std::complex<double>> &a) {
  size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j ^= bit;
    if (i < j)
      std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double angle = -2 * M_PI / static_cast<double>(len);
    std::complex<double> wlen(std::cos(angle), std::sin(angle));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1);
      for (size_t j = 0; j < len / 2; ++j) {
        std::complex<double> u = a[i + j], v = a[i + j + len / 2] * w;
        a[i + j] = u + v;
        a[i + j + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

std::vector<float> kaldiFbank(const std::vector<float> &wave,
                              const FbankOptions &o, int64_t &frames) {
  mlir::amae::math::FbankFraming framing = mlir::amae::math::fbankFraming(
      o.sampleRate, o.frameLengthMs, o.frameShiftMs, o.roundToPowerOfTwo);
  int64_t win = framing.windowSize, padded = framing.paddedWindowSize;
  frames = framing.frames(static_cast<int64_t>(wave.size()));
  int64_t bins = o.numMelBins, spectrum = padded / 2 + 1;

  std::vector<float> window = mlir::amae::math::fbankWindow("hanning", win);
  std::vector<float> bank = mlir::amae::math::melBank(o.sampleRate, padded, bins,
                                                      o.lowFreq, o.highFreq);
  const float eps = std::numeric_limits<float>::epsilon();

  std::vector<float> out(frames * bins);
  std::vector<float> frame(win), power(spectrum);
  std::vector<std::complex<double>> buffer(padded);
  for (int64_t f = 0; f < frames; ++f) {
    const float *src = wave.data() + f * framing.hop;
    std::copy(src, src + win, frame.begin());
    if (o.removeDcOffset) {
      // torch's mean sums in a cascade, accurate to a few ulps; a double
      // accumulator matches that where a naive float sum would not.
      double sum = 0;
      for (float v : frame)
        sum += v;
      float mean = static_cast<float>(sum / static_cast<double>(win));
      for (float &v : frame)
        v -= mean;
    }
    // Pre-emphasis with replicate padding on the left, from the back.
    for (int64_t j = win - 1; j >= 0; --j)
      frame[j] -= o.preemphasis * frame[j > 0 ? j - 1 : 0];
    for (int64_t j = 0; j < padded; ++j)
      buffer[j] = j < win ? static_cast<double>(frame[j] * window[j]) : 0.0;
    fft(buffer);
    for (int64_t k = 0; k < spectrum; ++k) {
      float re = static_cast<float>(buffer[k].real());
      float im = static_cast<float>(buffer[k].imag());
      float magnitude = std::hypot(re, im);
      power[k] = magnitude * magnitude;
    }
    for (int64_t b = 0; b < bins; ++b) {
      float energy = 0;
      const float *row = &bank[b * spectrum];
      for (int64_t k = 0; k < spectrum; ++k)
        energy += power[k] * row[k];
      out[f * bins + b] = std::log(std::max(energy, eps));
    }
  }
  return out;
}

std::vector<float> audioMaeImage(const std::vector<float> &fbank, int64_t frames,
                                 int64_t bins, int64_t targetFrames, float mean,
                                 float std) {
  std::vector<float> image(targetFrames * bins, 0.0f);
  int64_t copied = std::min(frames, targetFrames);
  std::copy(fbank.begin(), fbank.begin() + copied * bins, image.begin());
  float twoStd = std * 2.0f;
  for (float &v : image)
    v = (v - mean) / twoStd;
  return image;
}

} // namespace amae
