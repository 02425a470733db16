//===- Audio.cpp - Audio files to AudioMAE input features -----------------===//
//
// Numerics follow torchaudio step by step in float32 (frame mean, replicate
// pre-emphasis, the float32 Hann window of torch.hann_window, the float32
// mel bank of get_mel_banks, the float32 matmul and log); only the FFT is
// evaluated in double, which is closer to exact than torch's float32 FFT.
//
//===----------------------------------------------------------------------===//

#include "runtime/Audio.h"
#include "dialects/Amae/ModelMath.h"

#include "llvm/Support/FormatVariadic.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <mutex>

namespace amae {

/// sf_open, serialised: a failed open leaves its reason in libsndfile's one
/// global error, which loaders on other threads would overwrite.
static llvm::Error openAudio(const std::string &file, SF_INFO &info, SNDFILE *&sf) {
  static std::mutex lock;
  std::lock_guard<std::mutex> guard(lock);
  sf = sf_open(file.c_str(), SFM_READ, &info);
  if (!sf)
    return llvm::createStringError(file + ": cannot decode audio: " + sf_strerror(nullptr));
  return llvm::Error::success();
}

/// What a header must say before anything is allocated for it: a rate by
/// ModelMath's rule and a sane channel count.
static llvm::Error checkHeader(const SF_INFO &info, const std::string &file) {
  std::string rate = mlir::amae::math::sampleRateError(info.samplerate, "sample rate");
  if (!rate.empty())
    return llvm::createStringError(file + ": the header's " + rate);
  if (info.channels <= 0 || info.channels > kMaxAudioChannels)
    return llvm::createStringError(file + ": the header's channel count " +
                                   llvm::Twine(info.channels) + " is not in [1, " +
                                   llvm::Twine(kMaxAudioChannels) + "]");
  return llvm::Error::success();
}

/// Decodes an open file (closing it): the checks and the bounded,
/// incremental read shared by files, streams and memory.
static llvm::Expected<Waveform> decode(SNDFILE *sf, const SF_INFO &info, const std::string &file,
                                       const AudioPolicy &policy) {
  auto fail = [&](const llvm::Twine &message) {
    sf_close(sf);
    return llvm::createStringError((file + ": " + message).str());
  };
  if (llvm::Error err = checkHeader(info, file)) {
    sf_close(sf);
    return std::move(err);
  }
  Waveform wave;
  wave.sampleRate = info.samplerate;
  wave.channels = info.channels;
  // The header's frame count is a claim, not a fact (a pipe cannot be
  // checked against the file size): read in chunks up to a bound, and
  // reserve up front only what a seekable file has shown to hold.
  if (info.seekable && info.frames > 0 && info.frames <= kMaxAudioSamples / info.channels)
    wave.samples.reserve(info.frames * info.channels);
  constexpr sf_count_t kChunk = 1 << 16;
  std::vector<float> chunk(kChunk * info.channels);
  for (;;) {
    sf_count_t read = sf_readf_float(sf, chunk.data(), kChunk);
    if (read <= 0)
      break;
    if (static_cast<int64_t>(wave.samples.size()) + read * info.channels > kMaxAudioSamples)
      return fail("more than " + llvm::Twine(kMaxAudioSamples) +
                  " samples, the limit for one recording (" +
                  llvm::Twine(kMaxAudioSamples / (48000 * 2 * 60)) +
                  " minutes of 48 kHz stereo)");
    wave.samples.insert(wave.samples.end(), chunk.begin(), chunk.begin() + read * info.channels);
  }
  int error = sf_error(sf);
  sf_close(sf);
  if (error)
    return llvm::createStringError(file + ": truncated or corrupt audio data");
  if (wave.samples.empty())
    return llvm::createStringError(file + ": no audio frames");
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < wave.samples.size(); ++i) {
    if (std::isfinite(wave.samples[i]))
      continue;
    if (bad++ == 0)
      first = static_cast<int64_t>(i);
    if (policy.zeroNonFinite)
      wave.samples[i] = 0.0f;
  }
  if (bad && !policy.zeroNonFinite)
    return llvm::createStringError(llvm::formatv(
        "{0}: {1} samples are NaN or infinite, the first at {2:F3} s (channel {3}); "
        "--zero-nonfinite-samples zeroes them",
        file, bad, double(first / wave.channels) / wave.sampleRate, first % wave.channels).str());
  return std::move(wave);
}

llvm::Expected<Waveform> readAudio(llvm::StringRef path, const AudioPolicy &policy) {
  SF_INFO info{};
  std::string file = path.str();
  SNDFILE *sf = nullptr;
  if (llvm::Error err = openAudio(file, info, sf))
    return std::move(err);
  return decode(sf, info, file, policy);
}

namespace {
/// libsndfile's virtual I/O over a byte array.
struct MemoryFile {
  llvm::ArrayRef<uint8_t> bytes;
  sf_count_t at = 0;
  static sf_count_t length(void *self) { return static_cast<MemoryFile *>(self)->bytes.size(); }
  static sf_count_t seek(sf_count_t offset, int whence, void *self) {
    auto *m = static_cast<MemoryFile *>(self);
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->at : length(self);
    sf_count_t to = base + offset;
    if (to < 0 || to > length(self))
      return -1;
    return m->at = to;
  }
  static sf_count_t read(void *out, sf_count_t count, void *self) {
    auto *m = static_cast<MemoryFile *>(self);
    sf_count_t n = std::max<sf_count_t>(0, std::min(count, length(self) - m->at));
    std::memcpy(out, m->bytes.data() + m->at, n);
    m->at += n;
    return n;
  }
  static sf_count_t write(const void *, sf_count_t, void *) { return 0; }
  static sf_count_t tell(void *self) { return static_cast<MemoryFile *>(self)->at; }
};
} // namespace

llvm::Expected<Waveform> readAudioMemory(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef name,
                                         const AudioPolicy &policy) {
  MemoryFile memory{bytes};
  SF_VIRTUAL_IO io{MemoryFile::length, MemoryFile::seek, MemoryFile::read, MemoryFile::write,
                   MemoryFile::tell};
  SF_INFO info{};
  SNDFILE *sf = sf_open_virtual(&io, SFM_READ, &info, &memory);
  if (!sf)
    return llvm::createStringError(name + ": cannot decode audio: " + sf_strerror(nullptr));
  return decode(sf, info, name.str(), policy);
}

llvm::Error probeAudio(llvm::StringRef path, const AudioPolicy &policy) {
  SF_INFO info{};
  std::string file = path.str();
  SNDFILE *sf = nullptr;
  if (llvm::Error err = openAudio(file, info, sf))
    return err;
  llvm::Error err = checkHeader(info, file);
  if (!err && info.frames <= 0)
    err = llvm::createStringError(file + ": no audio frames");
  if (!err && info.frames > kMaxAudioSamples / info.channels)
    err = llvm::createStringError(file + ": more than " + llvm::Twine(kMaxAudioSamples) +
                                  " samples, the limit for one recording");
  // Only float encodings can hold NaN or infinity; those are decoded from the
  // file already open (decode closes it).
  int subtype = info.format & SF_FORMAT_SUBMASK;
  if (!err && (subtype == SF_FORMAT_FLOAT || subtype == SF_FORMAT_DOUBLE) &&
      !policy.zeroNonFinite)
    return decode(sf, info, file, policy).takeError();
  sf_close(sf);
  return err;
}

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

llvm::Expected<std::vector<float>> resample(const std::vector<float> &samples,
                                            double fromRate, double toRate) {
  if (fromRate == toRate)
    return samples;
  for (double rate : {fromRate, toRate}) {
    std::string error = mlir::amae::math::sampleRateError(rate, "the rate");
    if (!error.empty())
      return llvm::createStringError("cannot resample: " + error);
  }
  // Both rates are bounded, so is the ratio; the output must still fit.
  double outLength = std::ceil(static_cast<double>(samples.size()) * toRate / fromRate);
  if (outLength > static_cast<double>(kMaxAudioSamples))
    return llvm::createStringError(llvm::formatv(
        "resampling {0} samples from {1} to {2} Hz gives {3}, more than the limit of {4}",
        samples.size(), fromRate, toRate, outLength, kMaxAudioSamples).str());
  std::vector<float> out(static_cast<size_t>(outLength));
  size_t done = 0;
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = soxr_oneshot(fromRate, toRate, 1, samples.data(), samples.size(),
                                  nullptr, out.data(), out.size(), &done, nullptr,
                                  &quality, nullptr);
  if (err)
    return llvm::createStringError(std::string("resampling failed: ") + err);
  out.resize(done);
  return out;
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
