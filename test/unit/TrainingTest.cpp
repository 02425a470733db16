//===- TrainingTest.cpp - Data lists, augmentations, initialisation -------===//

#include "dialects/Amae/ModelMath.h"
#include "runtime/Dataset.h"
#include "runtime/ParamInit.h"
#include "runtime/Trainer.h"

#include "CompileSpec.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <optional>
#include <gtest/gtest.h>

using namespace amae;

namespace {
/// A scratch directory with empty files; the list readers only check that
/// files exist.
struct ScratchDir {
  llvm::SmallString<128> root;
  ScratchDir() { llvm::sys::fs::createUniqueDirectory("amae-train-test", root); }
  ~ScratchDir() { llvm::sys::fs::remove_directories(root); }
  std::string file(llvm::StringRef name, llvm::StringRef text = "") {
    std::string full = (root + "/" + name).str();
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(full));
    std::error_code ec;
    llvm::raw_fd_ostream os(full, ec);
    os << text;
    return full;
  }
};
/// A small model compiled once per test run, for its front end: audio to
/// 96 x 32 images, normalised with mean 0 and std 0.5 (the identity).
const CompiledFrontEnd &smallFrontEnd() {
  static std::unique_ptr<Model> model;
  static std::optional<CompiledFrontEnd> fe;
  if (fe)
    return *fe;
  model = test::compileSpec(
      "name: small\ninput: {frames: 96, mel_bins: 32, sample_rate: 16000, mean: 0, "
      "std: 0.5}\npatch: 16\nencoder: {dim: 16, depth: 1, heads: 1}\n"
      "decoder: {attention: global}\nfinetune: {classes: 2}\ngraphs: [infer]\n");
  auto bound = CompiledFrontEnd::bind(*model);
  EXPECT_TRUE(bool(bound)) << llvm::toString(bound.takeError());
  fe = std::move(*bound);
  return *fe;
}

/// One normalised image of `wave`, with SpecAugment drawn from `rng`, as
/// the trainer makes it (through loadBatch, from a file).
std::vector<float> imageOf(const std::vector<float> &wave, const Augmentations &augment,
                           std::mt19937_64 &rng, ScratchDir &dir);
} // namespace

TEST(DataSet, DirectoryLabelsAreFolderNames) {
  ScratchDir dir;
  dir.file("b/2.wav");
  dir.file("a/1.flac");
  dir.file("a/notes.txt");
  dir.file("loose.ogg");
  auto data = readDataSet(dir.root);
  ASSERT_TRUE(bool(data)) << llvm::toString(data.takeError());
  EXPECT_EQ(data->classes, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(data->clips.size(), 3u); // sorted by path; the .txt is skipped
  EXPECT_EQ(data->clips[0].labels, std::vector<int64_t>{0});
  EXPECT_EQ(data->clips[1].labels, std::vector<int64_t>{1});
  EXPECT_TRUE(data->clips[2].labels.empty());
}

TEST(DataSet, CsvHeaderMultiLabelsAndNumericClasses) {
  ScratchDir dir;
  dir.file("x.wav");
  dir.file("sub/y.wav");
  std::string csv = dir.file("list.csv", "file,labels\nx.wav,10;2\n\"sub/y.wav\",9\n");
  auto data = readDataSet(csv);
  ASSERT_TRUE(bool(data)) << llvm::toString(data.takeError());
  // All-integer names sort numerically, not as text.
  EXPECT_EQ(data->classes, (std::vector<std::string>{"2", "9", "10"}));
  EXPECT_EQ(data->clips[0].labels, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(data->clips[1].path, (dir.root + "/sub/y.wav").str());
  // A fixed class list maps labels through it and rejects strangers.
  auto fixed = readDataSet(csv, {"9", "10", "2"});
  ASSERT_TRUE(bool(fixed));
  EXPECT_EQ(fixed->clips[0].labels, (std::vector<int64_t>{1, 2}));
  auto unknown = readDataSet(csv, {"9"});
  ASSERT_FALSE(bool(unknown));
  EXPECT_NE(llvm::toString(unknown.takeError()).find("label '10' is not one of"),
            std::string::npos);
}

TEST(DataSet, ErrorsNameTheFileAndLine) {
  ScratchDir dir;
  std::string csv = dir.file("list.csv", "a.wav,x\n");
  auto missing = readDataSet(csv);
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("list.csv:1: no such file"),
            std::string::npos);
  auto empty = readDataSet(dir.file("empty/none.txt"));
  ASSERT_FALSE(bool(empty));
  llvm::consumeError(empty.takeError());
  ScratchDir nothing;
  auto noAudio = readDataSet(nothing.root);
  ASSERT_FALSE(bool(noAudio));
  EXPECT_NE(llvm::toString(noAudio.takeError()).find("no audio files"), std::string::npos);
}

TEST(Augmentations, SpecAugmentMasksOneBandEach) {
  const CompiledFrontEnd &fe = smallFrontEnd();
  ASSERT_EQ(fe.zeroLevel(), 0.0f); // normalisation is the identity
  ScratchDir dir;
  std::vector<float> tone(16000);
  for (size_t i = 0; i < tone.size(); ++i)
    tone[i] = 0.5f * std::sin(0.3f * i) + 0.01f * std::sin(2.1f * i);
  std::mt19937_64 rng(3);
  std::vector<float> plain = imageOf(tone, {}, rng, dir);
  Augmentations augment;
  augment.freqm = 8;
  augment.timem = 20;
  bool sawMask = false;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> masked = imageOf(tone, augment, rng, dir);
    // Zeroed frequency bins are whole columns, zeroed frames whole rows.
    int64_t zeroBins = 0, zeroFrames = 0;
    for (int64_t f = 0; f < fe.bins(); ++f) {
      bool all = true;
      for (int64_t t = 0; t < fe.frames(); ++t)
        all &= masked[t * fe.bins() + f] == 0.0f;
      zeroBins += all;
    }
    for (int64_t t = 0; t < fe.frames(); ++t) {
      bool all = true;
      for (int64_t f = 0; f < fe.bins(); ++f)
        all &= masked[t * fe.bins() + f] == 0.0f;
      zeroFrames += all;
    }
    EXPECT_LT(zeroBins, 8);
    EXPECT_LT(zeroFrames, 20);
    sawMask |= zeroBins > 0 && zeroFrames > 0;
    // Everything outside the masks is untouched.
    int64_t changed = 0;
    for (size_t i = 0; i < masked.size(); ++i)
      changed += masked[i] != plain[i] && masked[i] != 0.0f;
    EXPECT_EQ(changed, 0);
  }
  EXPECT_TRUE(sawMask);
}

TEST(Augmentations, SymmetricBetaHasTheRightMoments) {
  std::mt19937_64 rng(1);
  double sum = 0, squares = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    double x = symmetricBeta(10, rng);
    ASSERT_GT(x, 0);
    ASSERT_LT(x, 1);
    sum += x;
    squares += x * x;
  }
  double mean = sum / n, var = squares / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 0.005);
  EXPECT_NEAR(var, 0.25 / 21, 0.001); // a^2 / ((2a)^2 (2a + 1))
}

TEST(ParamInit, OfficialRules) {
  PatchGeometry g{8, 4, 256};
  std::mt19937_64 rng(0);
  auto table = initialParameter("pos_embed", {1, 33, 64}, g, rng);
  ASSERT_TRUE(bool(table));
  EXPECT_EQ(*table, mlir::amae::math::sincosPositionTable(8, 4, 64));
  auto qkv = initialParameter("blocks.0.attn.qkv.weight", {192, 64}, g, rng);
  ASSERT_TRUE(bool(qkv));
  double bound = std::sqrt(6.0 / 256), maxAbs = 0;
  for (float v : *qkv)
    maxAbs = std::max(maxAbs, std::abs(double(v)));
  EXPECT_LE(maxAbs, bound);
  EXPECT_GT(maxAbs, 0.9 * bound);
  auto conv = initialParameter("patch_embed.proj.weight", {64, 1, 16, 16}, g, rng);
  ASSERT_TRUE(bool(conv));
  for (float v : *conv)
    ASSERT_LE(std::abs(v), std::sqrt(6.0 / (256 + 64)));
  for (const char *name : {"norm.weight", "decoder_blocks.1.attn.tau"})
    EXPECT_EQ(*initialParameter(name, {4}, g, rng), std::vector<float>(4, 1.0f));
  EXPECT_EQ(*initialParameter("head.bias", {10}, g, rng), std::vector<float>(10, 0.0f));
  auto head = initialParameter("head.weight", {10, 64}, g, rng);
  for (float v : *head)
    ASSERT_LE(std::abs(v), 4e-5f); // trunc_normal(std=2e-5) within 2 std
  auto unknown = initialParameter("mystery", {3, 3, 3}, g, rng);
  ASSERT_FALSE(bool(unknown));
  EXPECT_NE(llvm::toString(unknown.takeError()).find("'mystery'"), std::string::npos);
}

TEST(TrainConfig, RoundTripsThroughJson) {
  TrainConfig c;
  c.mode = "finetune";
  c.lr = 1.25e-4;
  c.minLr = 1e-6;
  c.warmup = 4;
  c.epochs = 60;
  c.steps = 1234;
  c.beta1 = 0.9;
  c.beta2 = 0.999;
  c.weightDecay = 5e-4;
  c.seed = 0xfedcba9876543210ull; // beyond a double's 53 bits
  c.saveEvery = 100;
  c.augment.gain = true;
  c.augment.mixup = 0.5;
  c.augment.freqm = 48;
  c.augment.timem = 192;
  std::string text;
  llvm::raw_string_ostream(text) << c.toJSON();
  auto back = TrainConfig::fromJSON(text);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  std::string again;
  llvm::raw_string_ostream(again) << back->toJSON();
  EXPECT_EQ(text, again);
  EXPECT_EQ(back->seed, c.seed);
  EXPECT_FALSE(bool(TrainConfig::fromJSON("{\"mode\": \"pretrain\"}")));
}

namespace {
/// A mono 16-bit PCM WAV file of a tone.
void writeTone(const std::string &path, double hz, int samples = 16000) {
  std::vector<int16_t> pcm(samples);
  for (int i = 0; i < samples; ++i)
    pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * i / 16000.0));
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<char *>(&v), 4); };
  auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<char *>(&v), 2); };
  uint32_t bytes = samples * 2;
  std::string header = "RIFF" + u32(36 + bytes) + "WAVEfmt " + u32(16) + u16(1) + u16(1) +
                       u32(16000) + u32(32000) + u16(2) + u16(16) + "data" + u32(bytes);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  os << header;
  os.write(reinterpret_cast<const char *>(pcm.data()), bytes);
}

/// `wave` as a 32-bit float WAV at 16 kHz (exact samples).
void writeFloatWav(const std::string &path, const std::vector<float> &wave) {
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<char *>(&v), 4); };
  auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<char *>(&v), 2); };
  uint32_t bytes = wave.size() * 4;
  std::string header = "RIFF" + u32(36 + bytes) + "WAVEfmt " + u32(16) + u16(3) + u16(1) +
                       u32(16000) + u32(64000) + u16(4) + u16(32) + "data" + u32(bytes);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  os << header;
  os.write(reinterpret_cast<const char *>(wave.data()), bytes);
}

std::vector<float> imageOf(const std::vector<float> &wave, const Augmentations &augment,
                           std::mt19937_64 &rng, ScratchDir &dir) {
  std::string path = dir.file("clip.wav");
  writeFloatWav(path, wave);
  DataSet data;
  data.clips.push_back({path, {}});
  auto batch = loadBatch(data, {0}, smallFrontEnd(), {}, 0, augment, rng);
  EXPECT_TRUE(bool(batch)) << llvm::toString(batch.takeError());
  return batch->images;
}
} // namespace

TEST(Augmentations, MixupSplitsTheLabels) {
  ScratchDir dir;
  writeTone(dir.file("a/x.wav"), 440);
  writeTone(dir.file("b/y.wav"), 1300, 12000);
  auto data = readDataSet(dir.root);
  ASSERT_TRUE(bool(data)) << llvm::toString(data.takeError());
  const CompiledFrontEnd &fe = smallFrontEnd();
  Augmentations augment;
  augment.mixup = 1.0; // every row mixes in a partner
  augment.gain = true;
  std::mt19937_64 rng(5);
  bool sawMix = false;
  for (int trial = 0; trial < 8; ++trial) {
    auto batch = loadBatch(*data, {0, 1}, fe, {}, 2, augment, rng);
    ASSERT_TRUE(bool(batch)) << llvm::toString(batch.takeError());
    for (int row = 0; row < 2; ++row) {
      float own = batch->labels[row * 2 + row], other = batch->labels[row * 2 + 1 - row];
      EXPECT_NEAR(own + other, 1.0f, 1e-6f); // λ and 1 - λ, added
      EXPECT_GT(own, 0.0f);
      sawMix |= other > 0.05f;
    }
    for (float v : batch->images)
      ASSERT_TRUE(std::isfinite(v));
  }
  EXPECT_TRUE(sawMix);
  // Without augmentation the labels are one-hot and the images repeatable.
  auto plain = loadBatch(*data, {0, 1}, fe, {}, 2, {}, rng);
  auto again = loadBatch(*data, {0, 1}, fe, {}, 2, {}, rng);
  ASSERT_TRUE(plain && again);
  EXPECT_EQ(plain->labels, (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(plain->images, again->images);
  // A cache gives the same images, and the second batch decodes nothing.
  FeatureCache cache(int64_t(1) << 20);
  auto first = loadBatch(*data, {0, 1}, fe, {}, 2, {}, rng, &cache);
  auto cached = loadBatch(*data, {1, 0}, fe, {}, 2, {}, rng, &cache);
  ASSERT_TRUE(first && cached);
  EXPECT_EQ(first->images, plain->images);
  EXPECT_EQ(cache.misses(), 2);
  EXPECT_EQ(cache.hits(), 2);
  int64_t pixels = fe.frames() * fe.bins();
  EXPECT_TRUE(std::equal(cached->images.begin(), cached->images.begin() + pixels,
                         plain->images.begin() + pixels));
  // Waveform augmentation bypasses the cache.
  auto mixed = loadBatch(*data, {0, 1}, fe, {}, 2, augment, rng, &cache);
  ASSERT_TRUE(bool(mixed));
  EXPECT_EQ(cache.hits(), 2);
}

// Regression (hardening issue 1): masks wider than their axis (the official
// AudioSet widths on a small model) used to write before the image.
TEST(Augmentations, SpecAugmentWiderThanTheAxisStaysInside) {
  const CompiledFrontEnd &fe = smallFrontEnd();
  ScratchDir dir;
  std::vector<float> tone(16000);
  for (size_t i = 0; i < tone.size(); ++i)
    tone[i] = 0.5f * std::sin(0.3f * i);
  Augmentations augment;
  augment.freqm = 48;
  augment.timem = 192;
  std::mt19937_64 rng(5);
  int64_t frames = fe.frames(), bins = fe.bins();
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> masked = imageOf(tone, augment, rng, dir);
    ASSERT_EQ(masked.size(), size_t(frames * bins));
    // Masks are whole rows (frames) and whole columns (bins); the old code
    // zeroed the tails of neighbouring rows through negative indices.
    auto value = [&](int64_t t, int64_t f) { return masked[t * bins + f]; };
    float masking = fe.zeroLevel(); // a masked pixel after normalising
    for (int64_t t = 0; t < frames; ++t)
      for (int64_t f = 0; f < bins; ++f) {
        ASSERT_TRUE(std::isfinite(value(t, f)));
        if (value(t, f) != masking)
          continue;
        bool row = true, column = true;
        for (int64_t g = 0; g < bins; ++g)
          row &= value(t, g) == masking;
        for (int64_t u = 0; u < frames; ++u)
          column &= value(u, f) == masking;
        ASSERT_TRUE(row || column) << "pixel " << t << "," << f << " trial " << trial;
      }
  }
}
