//===- Audio.cpp - Decode and resample audio files ------------------------===//
//
// All the runtime does to audio: libsndfile decoding bounded against hostile
// headers, and libsoxr resampling. The features come from the model's
// compiled front end (CompiledFrontEnd.h).
//
//===----------------------------------------------------------------------===//

#include "runtime/Audio.h"
#include "dialects/Amae/ModelMath.h"

#include "llvm/Support/FormatVariadic.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
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
  // One pass: the non-finite samples, and the first finite one too large.
  int64_t bad = 0, first = -1, huge = -1;
  for (size_t i = 0; i < wave.samples.size(); ++i) {
    if (std::isfinite(wave.samples[i])) {
      if (huge < 0 && std::fabs(wave.samples[i]) > kMaxSampleMagnitude)
        huge = static_cast<int64_t>(i);
      continue;
    }
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
  if (huge >= 0)
    return llvm::createStringError(llvm::formatv(
        "{0}: sample {1:e} at {2:F3} s (channel {3}) is beyond +-{4:e}: not audio (decoded "
        "samples lie within +-1) and the fbank would overflow",
        file, wave.samples[huge], double(huge / wave.channels) / wave.sampleRate,
        huge % wave.channels, kMaxSampleMagnitude).str());
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

} // namespace amae
