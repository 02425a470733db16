//===- CheckpointTest.cpp - safetensors and torch.save readers ------------===//
//
// The .pth inputs come from test/Checkpoint/Inputs/make-pth.py (PyTorch
// 2.x); their values are arange-based, so every element is checked exactly.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <gtest/gtest.h>

using namespace amae;

namespace {
std::string input(llvm::StringRef name) {
  return (llvm::Twine(AMAE_TEST_INPUTS) + "/" + name).str();
}

Checkpoint openOrFail(llvm::StringRef path) {
  auto c = Checkpoint::open(path);
  if (!c) {
    ADD_FAILURE() << llvm::toString(c.takeError());
    return Checkpoint();
  }
  return std::move(*c);
}

std::vector<float> values(const Checkpoint &c, llvm::StringRef name) {
  const TensorView *t = c.find(name);
  EXPECT_NE(t, nullptr) << name.str();
  return t ? t->toF32() : std::vector<float>{};
}

/// Parses `bytes` as a checkpoint and returns the error text ("" if none).
std::string errorOf(std::string bytes) {
  auto c = Checkpoint::fromBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(bytes, "mem.safetensors"));
  if (c)
    return "";
  return llvm::toString(c.takeError());
}

/// A safetensors file from a JSON header and a data section.
std::string safetensors(llvm::StringRef header, llvm::StringRef data) {
  std::string out(8, '\0');
  llvm::support::endian::write64le(out.data(), header.size());
  return out + header.str() + data.str();
}
} // namespace

TEST(TorchCheckpoint, PlainStateDict) {
  Checkpoint c = openOrFail(input("state_dict.pth"));
  std::vector<std::string> names(c.names().begin(), c.names().end());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                       "half", "bf16", "ids", "transposed", "row", "shared"}));
  std::vector<float> base(12);
  for (int i = 0; i < 12; ++i)
    base[i] = i;
  EXPECT_EQ(values(c, "blocks.0.attn.qkv.weight"), base);
  EXPECT_EQ(values(c, "shared"), base);
  EXPECT_EQ(c.find("shared")->shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(c, "blocks.0.attn.qkv.bias"), (std::vector<float>{0, 0.25f, 0.5f}));
  // The strided view is gathered row-major: transposed[i][j] = base[j][i].
  EXPECT_EQ(c.find("transposed")->shape, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(values(c, "transposed"),
            (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(values(c, "row"), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(c.find("half")->dtype, DType::F16);
  EXPECT_EQ(values(c, "half"), (std::vector<float>{1.5f, -2.0f, 65504.0f, 6.1035156e-05f}));
  EXPECT_EQ(c.find("bf16")->dtype, DType::BF16);
  std::vector<float> bf = values(c, "bf16");
  EXPECT_EQ(bf[0], 1.0f);
  EXPECT_EQ(bf[1], -0.5f);
  EXPECT_NEAR(bf[2], 3.0e38f, 0.01e38f);
  const TensorView *ids = c.find("ids");
  ASSERT_EQ(ids->dtype, DType::I64);
  int64_t idValues[4];
  std::memcpy(idValues, ids->bytes.data(), sizeof(idValues));
  EXPECT_EQ(idValues[0], 0);
  EXPECT_EQ(idValues[1], -1);
  EXPECT_EQ(idValues[2], int64_t(1) << 40);
  EXPECT_EQ(idValues[3], 7);
}

TEST(TorchCheckpoint, TrainingCheckpointTakesTheModel) {
  // {model, optimizer (with state tensors), epoch, scaler, args (Namespace)}.
  Checkpoint c = openOrFail(input("training.pth"));
  std::vector<std::string> names(c.names().begin(), c.names().end());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias"}));
  std::vector<float> w = values(c, "weight");
  ASSERT_EQ(w.size(), 12u);
  EXPECT_NEAR(w[1], 0.99899f, 1e-5f); // 1 - lr after one AdamW step
  EXPECT_NEAR(w[0], -0.001f, 1e-6f);
}

TEST(TorchCheckpoint, EveryTruncationIsAnError) {
  auto file = llvm::MemoryBuffer::getFile(input("state_dict.pth"));
  ASSERT_TRUE(bool(file));
  llvm::StringRef bytes = (*file)->getBuffer();
  for (size_t n = 0; n < bytes.size(); ++n) {
    // Cutting the archive always loses its end-of-directory record.
    std::string cut = bytes.substr(0, n).str();
    if (n >= 4) // keep the zip magic so the torch reader is exercised
      EXPECT_NE(errorOf(cut), "") << "prefix of " << n << " bytes";
  }
}

TEST(TorchCheckpoint, CorruptBytesNeverCrash) {
  auto file = llvm::MemoryBuffer::getFile(input("training.pth"));
  ASSERT_TRUE(bool(file));
  std::string bytes = (*file)->getBuffer().str();
  int errors = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] ^= 0xff;
    errors += !errorOf(corrupt).empty();
  }
  EXPECT_GT(errors, 0);
}

TEST(TorchCheckpoint, GarbageAfterTheZipMagicIsAnError) {
  std::string err = errorOf("PK\x03\x04" + std::string(40, 'x'));
  EXPECT_NE(err.find("malformed zip archive"), std::string::npos) << err;
}

TEST(Safetensors, RoundTripKeepsEverything) {
  Checkpoint in = openOrFail(input("state_dict.pth"));
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("amae", "safetensors", path));
  in.setMetadata("format", "pt");
  ASSERT_FALSE(bool(writeSafetensors(path, in)));
  Checkpoint out = openOrFail(path);
  llvm::sys::fs::remove(path);
  ASSERT_EQ(out.names().size(), in.names().size());
  for (size_t i = 0; i < in.names().size(); ++i) {
    const std::string &name = in.names()[i];
    EXPECT_EQ(out.names()[i], name);
    const TensorView *a = in.find(name), *b = out.find(name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->dtype, b->dtype) << name;
    EXPECT_EQ(a->shape, b->shape) << name;
    EXPECT_EQ(a->bytes, b->bytes) << name;
  }
  EXPECT_EQ(out.metadata().at("format"), "pt");
}

TEST(Safetensors, ReadsTheGoldenCheckpoint) {
  std::string path = std::string(AMAE_GOLDEN_DIR) + "/pretrain_weights.safetensors";
  if (!llvm::sys::fs::exists(path))
    GTEST_SKIP() << "no golden vectors at " << path;
  Checkpoint c = openOrFail(path);
  EXPECT_EQ(c.names().size(), 106u);
  const TensorView *pos = c.find("pos_embed");
  ASSERT_NE(pos, nullptr);
  EXPECT_EQ(pos->shape, (std::vector<int64_t>{1, 33, 64}));
  EXPECT_EQ(pos->toF32()[2 * 64], 0.8414709568023682f); // row 2, column 0
}

TEST(Safetensors, HostileFilesAreCleanErrors) {
  auto expectError = [](std::string bytes, llvm::StringRef needle) {
    std::string err = errorOf(std::move(bytes));
    EXPECT_NE(err.find(needle.str()), std::string::npos)
        << "expected '" << needle.str() << "' in '" << err << "'";
  };
  std::string f32x2 = std::string(8, '\0');
  expectError("abc", "shorter than the 8-byte header length");
  std::string huge(8, '\xff');
  expectError(huge + "{}", "runs past the end of the file");
  expectError(safetensors("{", ""), "malformed JSON header");
  expectError(safetensors("[1]", ""), "the header is not a JSON object");
  expectError(safetensors(R"({"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"),
              "tensor 'a': unsupported dtype 'F8'");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"),
              "tensor 'a': shape holds something other than a non-negative integer");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", f32x2),
              "tensor 'a': data_offsets are outside the data section of 8 bytes");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32x2),
              "tensor 'a': holds 8 bytes, but F32 [3] needs 12");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", f32x2),
              "data_offsets are outside");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                          f32x2),
              "tensors 'a' and 'b' overlap");
  expectError(safetensors(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}})", f32x2),
              "is too large");
  expectError(safetensors(R"({"__metadata__":{"k":1}})", ""),
              "__metadata__ value 'k' is not a string");
  // A valid one, for contrast.
  EXPECT_EQ(errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32x2)),
            "");
}
