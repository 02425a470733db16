//===- DialectBuildersTest.cpp - Result types inferred by the builders ----===//
//
// The frontend builds amae IR through the C++ builders, which infer result
// types; these tests build each shape-changing op from operands alone and
// check the inferred type and that the op verifies.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeDialect.h"
#include "dialects/Amae/AmaeOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::amae;

namespace {
class DialectBuilders : public ::testing::Test {
protected:
  DialectBuilders() : builder(&context) {
    context.loadDialect<AmaeDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function argument of the given f32 (or i64) shape to feed the ops.
  Value arg(ArrayRef<int64_t> shape, bool isI64 = false) {
    Type element = isI64 ? Type(builder.getI64Type()) : builder.getF32Type();
    if (!func) {
      func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                  builder.getFunctionType({}, {}));
      builder.setInsertionPointToEnd(func.addEntryBlock());
    }
    Block &entry = func.getBody().front();
    return entry.addArgument(RankedTensorType::get(shape, element),
                             builder.getUnknownLoc());
  }

  /// The shape of `value`'s ranked tensor type.
  static std::vector<int64_t> shape(Value value) {
    auto s = cast<RankedTensorType>(value.getType()).getShape();
    return {s.begin(), s.end()};
  }

  void expectVerifies() {
    func::ReturnOp::create(builder, builder.getUnknownLoc());
    func.setFunctionType(builder.getFunctionType(
        func.getBody().front().getArgumentTypes(), {}));
    EXPECT_TRUE(succeeded(verify(*module)));
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
  Location loc() { return builder.getUnknownLoc(); }
};
} // namespace

TEST_F(DialectBuilders, FrontEnd) {
  Value wave = arg({160000});
  auto fbank = FbankOp::create(builder, loc(), wave, Value(), 16000, 128);
  EXPECT_EQ(shape(fbank), (std::vector<int64_t>{998, 128}));
  auto padded = PadFramesOp::create(builder, loc(), fbank, 1024);
  EXPECT_EQ(shape(padded), (std::vector<int64_t>{1024, 128}));
  expectVerifies();
}

TEST_F(DialectBuilders, BatchedFrontEnd) {
  Value wave = arg({4, 160000});
  Value length = arg({4}, /*isI64=*/true);
  auto centred = RemoveMeanOp::create(builder, loc(), wave.getType(), wave, length);
  auto fbank = FbankOp::create(builder, loc(), centred, length, 16000, 128);
  EXPECT_EQ(shape(fbank), (std::vector<int64_t>{4, 998, 128}));
  auto padded = PadFramesOp::create(builder, loc(), fbank, 1024);
  EXPECT_EQ(shape(padded), (std::vector<int64_t>{4, 1024, 128}));
  expectVerifies();
}

TEST_F(DialectBuilders, DynamicWaveformGivesDynamicFrames) {
  auto fbank = FbankOp::create(builder, loc(), arg({ShapedType::kDynamic}), Value(), 16000, 128);
  EXPECT_TRUE(ShapedType::isDynamic(shape(fbank)[0]));
  expectVerifies();
}

TEST_F(DialectBuilders, PatchesAndMasking) {
  Value imgs = arg({2, 1, 128, 64});
  auto patches = PatchifyOp::create(builder, loc(), imgs, 16);
  EXPECT_EQ(shape(patches), (std::vector<int64_t>{2, 32, 256}));
  auto embed = PatchEmbedOp::create(builder, loc(), imgs, arg({64, 1, 16, 16}),
                                    arg({64}));
  EXPECT_EQ(shape(embed), (std::vector<int64_t>{2, 32, 64}));
  auto pos = SincosPosEmbedOp::create(builder, loc(), ArrayRef<int64_t>{8, 4}, 64);
  EXPECT_EQ(shape(pos), (std::vector<int64_t>{1, 33, 64}));

  auto masking = RandomMaskingOp::create(builder, loc(), embed, arg({2, 32}), 0.8);
  EXPECT_EQ(shape(masking.getKept()), (std::vector<int64_t>{2, 6, 64}));
  EXPECT_EQ(shape(masking.getIdsKeep()), (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(shape(masking.getIdsRestore()), (std::vector<int64_t>{2, 32}));

  auto tf = TimeFreqMaskingOp::create(builder, loc(), embed, arg({2, 8}),
                                      arg({2, 4}), 0.2, 0.2);
  EXPECT_EQ(shape(tf.getKept()), (std::vector<int64_t>{2, 18, 64}));

  auto cls = PrependTokenOp::create(builder, loc(), masking.getKept(),
                                    arg({1, 1, 64}));
  EXPECT_EQ(shape(cls), (std::vector<int64_t>{2, 7, 64}));
  auto unshuffled = UnshuffleOp::create(builder, loc(), arg({2, 6, 32}),
                                        arg({1, 1, 32}), masking.getIdsRestore());
  EXPECT_EQ(shape(unshuffled), (std::vector<int64_t>{2, 32, 32}));
  expectVerifies();
}

TEST_F(DialectBuilders, AttentionAndLayers) {
  Value x = arg({2, 7, 64});
  auto qkv = LinearOp::create(builder, loc(), x, arg({192, 64}), arg({192}));
  EXPECT_EQ(shape(qkv), (std::vector<int64_t>{2, 7, 192}));
  auto split = SplitQkvOp::create(builder, loc(), qkv, 4);
  EXPECT_EQ(shape(split.getQ()), (std::vector<int64_t>{2, 4, 7, 16}));
  auto attn = AttentionOp::create(builder, loc(), split.getQ(), split.getK(),
                                  split.getV(), 0.25f);
  auto merged = MergeHeadsOp::create(builder, loc(), attn);
  EXPECT_EQ(shape(merged), (std::vector<int64_t>{2, 7, 64}));
  auto norm = LayerNormOp::create(builder, loc(), merged, arg({64}), arg({64}), 1e-6);
  auto pooled = MeanPoolOp::create(builder, loc(), norm, 1);
  EXPECT_EQ(shape(pooled), (std::vector<int64_t>{2, 64}));
  auto noBias = LinearOp::create(builder, loc(), pooled, arg({10, 64}), Value());
  EXPECT_EQ(shape(noBias), (std::vector<int64_t>{2, 10}));
  expectVerifies();
}
