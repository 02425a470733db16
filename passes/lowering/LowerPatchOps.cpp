//===- LowerPatchOps.cpp - patches and the patch embedding ----------------===//
//
// The patch embedding is im2col (a transpose) and one matmul, so BLAS runs
// it, forward and weight gradient.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::amae {
namespace {

struct LowerPatchify : OpConversionPattern<PatchifyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PatchifyOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    int64_t p = op.getPatch();
    // (N, C, Tp, p, Fp, p) -> (N, Tp, Fp, dt, df, C) -> (N, L, p*p*C).
    Value x = expand(b, loc, adaptor.getInput(), {s[0], s[1], s[2] / p, p, s[3] / p, p},
                     {{0}, {1}, {2, 3}, {4, 5}});
    x = transpose(b, loc, x, {0, 2, 4, 3, 5, 1});
    b.replaceOp(op, collapse(b, loc, x, {{0}, {1, 2}, {3, 4, 5}}));
    return success();
  }
};

struct LowerPatchEmbed : OpConversionPattern<PatchEmbedOp> {
  LowerPatchEmbed(MLIRContext *ctx, bool biasAfter) : OpConversionPattern(ctx), biasAfter(biasAfter) {}
  bool biasAfter;
  LogicalResult matchAndRewrite(PatchEmbedOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    // The stride-p convolution as one matmul, patches x kernel^T, which BLAS
    // runs: as a 7-loop contraction it was a naive loop nest, 6% of base
    // inference.
    Value cols = patchColumns(b, loc, adaptor.getInput(), shapeOf(op.getWeight())[2]);
    Value kernel = collapse(b, loc, adaptor.getWeight(), {{0}, {1, 2, 3}});
    Value y = linearRows(b, loc, cols, kernel, adaptor.getBias(), biasAfter);
    y = expand(b, loc, y, shapeOf(op.getResult()), {{0, 1}, {2}});
    if (biasAfter && adaptor.getBias())
      y = addBiasLastDim(b, loc, y, adaptor.getBias());
    b.replaceOp(op, y);
    return success();
  }
};


} // namespace

void populateLowerPatchOpsPatterns(RewritePatternSet &patterns, bool biasEpilogue) {
  patterns.add<LowerPatchify>(patterns.getContext());
  patterns.add<LowerPatchEmbed>(patterns.getContext(), biasEpilogue);
}

} // namespace mlir::amae
