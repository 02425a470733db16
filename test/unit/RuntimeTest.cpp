//===- RuntimeTest.cpp - Runtime pieces: tensors and the audio front end --===//

#include "runtime/Audio.h"
#include "runtime/FbankOracle.h"
#include "runtime/Model.h"

#include <cmath>
#include <limits>
#include <cstring>
#include <gtest/gtest.h>

using namespace amae;

TEST(HostTensor, ConvertsAndAligns) {
  std::vector<uint16_t> half = {0x3c00, 0xc000}; // 1.0, -2.0
  TensorView view;
  view.dtype = DType::F16;
  view.shape = {2};
  view.bytes = llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(half.data()), 4);
  auto t = HostTensor::from(view, DType::F32);
  ASSERT_TRUE(bool(t));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data()) % 64, 0u);
  auto *f = static_cast<const float *>(t->data());
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_EQ(t->view().shape, std::vector<int64_t>{2});
  // Floats do not silently become indices.
  EXPECT_FALSE(bool(HostTensor::from(view, DType::I64)));
}

// A CUDA artifact's managed memory, as a counting allocator: every tensor
// made with it is released through it, once, moved or not.
namespace {
int liveInMemory = 0;
void *countingAllocate(size_t bytes) {
  ++liveInMemory;
  return std::aligned_alloc(64, bytes);
}
void countingRelease(void *p) {
  --liveInMemory;
  std::free(p);
}
} // namespace

TEST(HostTensor, LivesInTheMemoryItWasGiven) {
  TensorMemory memory{countingAllocate, countingRelease};
  {
    HostTensor t(DType::F32, {3, 5}, memory);
    EXPECT_EQ(liveInMemory, 1);
    EXPECT_EQ(static_cast<const float *>(t.data())[14], 0.0f);
    HostTensor moved = std::move(t);
    EXPECT_EQ(liveInMemory, 1);
    auto copy = HostTensor::from(moved.view(), DType::F32, memory);
    ASSERT_TRUE(bool(copy));
    EXPECT_EQ(liveInMemory, 2);
    HostTensor heap(DType::F32, {2});
    EXPECT_EQ(liveInMemory, 2);
  }
  EXPECT_EQ(liveInMemory, 0);
}

TEST(Model, MissingLibraryIsAnError) {
  auto model = Model::load("/nonexistent/model.so");
  ASSERT_FALSE(bool(model));
  EXPECT_NE(llvm::toString(model.takeError()).find("cannot load the model"),
            std::string::npos);
}

TEST(Audio, OfficialMonoRemovesTheGlobalMean) {
  Waveform w;
  w.sampleRate = 16000;
  w.channels = 2;
  w.samples = {1.0f, 3.0f, 1.0f, 3.0f}; // mean 2 over both channels
  std::vector<float> mono = officialMono(w);
  EXPECT_EQ(mono, (std::vector<float>{-1.0f, -1.0f}));
}

TEST(Audio, ResamplingKeepsDurationAndFrequency) {
  std::vector<float> tone(44100);
  for (size_t i = 0; i < tone.size(); ++i)
    tone[i] = std::sin(2 * M_PI * 1000.0 * i / 44100.0);
  auto out = resample(tone, 44100, 16000);
  ASSERT_TRUE(bool(out));
  EXPECT_NEAR(static_cast<double>(out->size()), 16000.0, 2.0);
  // Zero crossings of a 1 kHz tone over one second: about 2000.
  int crossings = 0;
  for (size_t i = 1000; i + 1000 < out->size(); ++i)
    crossings += ((*out)[i - 1] < 0) != ((*out)[i] < 0);
  EXPECT_NEAR(crossings, 2000 * 14000 / 16000.0, 10);
}

TEST(Audio, FbankFramesAndPeakBin) {
  // A 1 kHz tone at 16 kHz: 1 s gives 98 frames; the strongest mel bin is
  // the one whose centre is nearest 1 kHz.
  std::vector<float> tone(16000);
  for (size_t i = 0; i < tone.size(); ++i)
    tone[i] = 0.5f * std::sin(2 * M_PI * 1000.0 * i / 16000.0);
  FbankOptions options;
  int64_t frames = 0;
  std::vector<float> fbank = kaldiFbank(tone, options, frames);
  ASSERT_EQ(frames, 98);
  ASSERT_EQ(fbank.size(), 98u * 128u);
  int peak = 0;
  for (int b = 1; b < 128; ++b)
    if (fbank[50 * 128 + b] > fbank[50 * 128 + peak])
      peak = b;
  auto mel = [](double f) { return 1127.0 * std::log(1.0 + f / 700.0); };
  double delta = (mel(8000) - mel(20)) / 129.0;
  int expected = static_cast<int>(std::lround((mel(1000) - mel(20)) / delta)) - 1;
  EXPECT_NEAR(peak, expected, 1);
  // Silence hits the log floor ln(float epsilon).
  std::vector<float> silence(16000, 0.0f);
  std::vector<float> quiet = kaldiFbank(silence, options, frames);
  EXPECT_FLOAT_EQ(quiet[0], std::log(std::numeric_limits<float>::epsilon()));
}

TEST(Audio, ImagePadsThenNormalises) {
  std::vector<float> fbank = {1, 2, 3, 4}; // 2 frames x 2 bins
  std::vector<float> image = audioMaeImage(fbank, 2, 2, 3, -4.2677393f, 4.5689974f);
  ASSERT_EQ(image.size(), 6u);
  EXPECT_FLOAT_EQ(image[0], (1 + 4.2677393f) / (2 * 4.5689974f));
  // The padded row is zero before normalisation: 0.46703...
  EXPECT_NEAR(image[4], 0.46703236f, 1e-6f);
  // Cropping keeps the first frames.
  std::vector<float> cropped = audioMaeImage(fbank, 2, 2, 1, 0.0f, 0.5f);
  EXPECT_EQ(cropped, (std::vector<float>{1, 2}));
}

// Regression (hardening issue 4): a failed allocation exits with the size
// asked for instead of handing out a null buffer.
TEST(HostTensorDeathTest, AllocationFailureSaysHowMuch) {
  EXPECT_EXIT(amae::HostTensor(amae::DType::F32, {int64_t(1) << 50, 1024}),
              testing::ExitedWithCode(1), "out of memory allocating 4611686018427387904 bytes");
  EXPECT_EXIT(amae::HostTensor(amae::DType::F32, {int64_t(1) << 62, 1 << 20}),
              testing::ExitedWithCode(1), "has more bytes than int64 holds");
}

// Regression (hardening issue 8): NaN weights are named, not run.
TEST(Weights, NonFiniteValuesAreNamed) {
  amae::Checkpoint c;
  float values[3] = {1.0f, std::numeric_limits<float>::infinity(), NAN};
  std::vector<uint8_t> bytes(sizeof(values));
  std::memcpy(bytes.data(), values, sizeof(values));
  c.addOwned("w", amae::DType::F32, {3}, bytes);
  llvm::Error err = amae::checkFinite(*c.find("w"), "ckpt.safetensors", "w");
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "ckpt.safetensors: tensor 'w' holds NaN or infinity (2 of 3 values, the first at "
            "element 1)");
  c.addOwned("ids", amae::DType::I64, {1}, std::vector<uint8_t>(8, 0xff));
  EXPECT_FALSE(bool(amae::checkFinite(*c.find("ids"), "ckpt.safetensors", "ids")));
}

// Regression (hardening issues 2 and 3): resampling refuses rates outside
// the shared rule and outputs beyond the bound before allocating.
TEST(Audio, ResamplingChecksRatesAndLength) {
  std::vector<float> second(16000, 0.0f);
  auto fromOne = amae::resample(second, 1, 16000);
  ASSERT_FALSE(bool(fromOne));
  EXPECT_EQ(llvm::toString(fromOne.takeError()),
            "cannot resample: the rate must be between 1000 and 768000 Hz, got 1");
  std::vector<float> hour(size_t(1) << 22, 0.0f);
  auto tooLong = amae::resample(hour, 1000, 768000);
  ASSERT_FALSE(bool(tooLong));
  EXPECT_NE(llvm::toString(tooLong.takeError()).find("more than the limit of 268435456"),
            std::string::npos);
}

// Portable artifacts: the features a manifest needs that the host lacks.
TEST(Manifest, MissingCpuFeaturesInOrder) {
  llvm::StringMap<bool> host;
  host["avx2"] = true;
  host["avx512f"] = false;
  EXPECT_EQ(amae::missingCpuFeatures({"avx2", "avx512f", "amx-tile"}, host),
            (std::vector<std::string>{"avx512f", "amx-tile"}));
  EXPECT_TRUE(amae::missingCpuFeatures({}, host).empty());
}
