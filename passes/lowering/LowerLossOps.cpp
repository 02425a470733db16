//===- LowerLossOps.cpp - losses and pooling -------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::amae {
namespace {


/// Sum over the trailing dims not in `keep` (a reduction into `keepShape`).
Value sumTo(OpBuilder &b, Location loc, Value x, ArrayRef<unsigned> keep,
            ArrayRef<int64_t> keepShape) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = shapeOf(x).size();
  return generic(b, loc, x, filledTensor(b, loc, keepShape, 0.0f),
                 {identity(ctx, rank), pick(ctx, rank, keep)},
                 iterators(keep.size(), rank - keep.size()),
                 [](OpBuilder &nb, Location l, ValueRange a) {
                   linalg::YieldOp::create(nb, l, add(nb, l, a[0], a[1]));
                 });
}

/// x * factor, elementwise.
Value scale(OpBuilder &b, Location loc, Value x, float factor) {
  Value f = f32Const(b, loc, factor);
  return elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange a) {
    return mul(nb, l, a[0], f);
  });
}

} // namespace

Value normPixTarget(OpBuilder &b, Location loc, Value target) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> s = shapeOf(target);
  int64_t n = s[0], l = s[1], p = s[2];
  AffineMap all = identity(ctx, 3), row = pick(ctx, 3, {0, 1});
  // (t - mean) / sqrt(var + 1e-6), var unbiased.
  Value mean = scale(b, loc, sumTo(b, loc, target, {0, 1}, {n, l}), 1.0f / p);
  Value centred = generic(b, loc, {target, mean}, emptyTensor(b, loc, s), {all, row, all},
                          iterators(3), [](OpBuilder &nb, Location lc, ValueRange a) {
                            linalg::YieldOp::create(nb, lc, sub(nb, lc, a[0], a[1]));
                          });
  Value sq = generic(b, loc, centred, emptyTensor(b, loc, s), {all, all}, iterators(3),
                     [](OpBuilder &nb, Location lc, ValueRange a) {
                       linalg::YieldOp::create(nb, lc, mul(nb, lc, a[0], a[0]));
                     });
  Value var = scale(b, loc, sumTo(b, loc, sq, {0, 1}, {n, l}), 1.0f / (p - 1));
  Value eps = f32Const(b, loc, 1e-6f);
  return generic(b, loc, {centred, var}, emptyTensor(b, loc, s), {all, row, all}, iterators(3),
                 [&](OpBuilder &nb, Location lc, ValueRange a) {
                   Value sd = math::SqrtOp::create(nb, lc, add(nb, lc, a[1], eps));
                   linalg::YieldOp::create(nb, lc, div(nb, lc, a[0], sd));
                 });
}

namespace {

struct LowerMaskedMseLoss : OpConversionPattern<MaskedMseLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MaskedMseLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getPred());
    int64_t n = s[0], l = s[1], p = s[2];
    AffineMap all = identity(ctx, 3);
    Value target = adaptor.getTarget();
    if (op.getNormPix())
      target = normPixTarget(b, loc, target);
    Value err = generic(b, loc, {adaptor.getPred(), target}, emptyTensor(b, loc, s),
                        {all, all, all}, iterators(3), [](OpBuilder &nb, Location lc, ValueRange a) {
                          Value d = sub(nb, lc, a[0], a[1]);
                          linalg::YieldOp::create(nb, lc, mul(nb, lc, d, d));
                        });
    Value perPatch = scale(b, loc, sumTo(b, loc, err, {0, 1}, {n, l}), 1.0f / p);
    // sum(loss * mask) / sum(mask) over the whole batch.
    AffineMap all2 = identity(ctx, 2), scalar = AffineMap::get(2, 0, {}, ctx);
    Value zero = filledTensor(b, loc, {}, 0.0f);
    Value weighted = generic(b, loc, {perPatch, adaptor.getMask()}, zero, {all2, all2, scalar},
                             iterators(0, 2), [](OpBuilder &nb, Location lc, ValueRange a) {
                               linalg::YieldOp::create(nb, lc, add(nb, lc, a[2], mul(nb, lc, a[0], a[1])));
                             });
    Value count = generic(b, loc, adaptor.getMask(), zero, {all2, scalar}, iterators(0, 2),
                          [](OpBuilder &nb, Location lc, ValueRange a) {
                            linalg::YieldOp::create(nb, lc, add(nb, lc, a[0], a[1]));
                          });
    AffineMap none = AffineMap::get(0, 0, {}, ctx);
    b.replaceOp(op, generic(b, loc, {weighted, count}, emptyTensor(b, loc, {}),
                            {none, none, none}, {}, [](OpBuilder &nb, Location lc, ValueRange a) {
                              linalg::YieldOp::create(nb, lc, div(nb, lc, a[0], a[1]));
                            }));
    return success();
  }
};

struct LowerMeanPool : OpConversionPattern<MeanPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MeanPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    int64_t skip = op.getSkip(), count = s[1] - skip;
    Value tokens = slice(b, loc, adaptor.getInput(), {0, skip, 0}, {s[0], count, s[2]});
    // Loops (n, d, s): reduce the token axis.
    MLIRContext *ctx = b.getContext();
    Value sum = generic(b, loc, tokens, filledTensor(b, loc, {s[0], s[2]}, 0.0f),
                        {pick(ctx, 3, {0, 2, 1}), pick(ctx, 3, {0, 1})}, iterators(2, 1),
                        [](OpBuilder &nb, Location l, ValueRange a) {
                          linalg::YieldOp::create(nb, l, add(nb, l, a[0], a[1]));
                        });
    Value c = f32Const(b, loc, static_cast<float>(count));
    b.replaceOp(op, generic(b, loc, sum, emptyTensor(b, loc, {s[0], s[2]}),
                            {identity(ctx, 2), identity(ctx, 2)}, iterators(2),
                            [&](OpBuilder &nb, Location l, ValueRange a) {
                              linalg::YieldOp::create(nb, l, div(nb, l, a[0], c));
                            }));
    return success();
  }
};

struct LowerBceWithLogits : OpConversionPattern<BceWithLogitsLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BceWithLogitsLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getLogits());
    unsigned rank = s.size();
    int64_t count = ShapedType::getNumElements(s);
    // torch: (1 - y) x + m + log(exp(-m) + exp(-x - m)), m = max(-x, 0).
    Value zero = f32Const(b, loc, 0.0f), one = f32Const(b, loc, 1.0f);
    AffineMap all = identity(ctx, rank), scalar = AffineMap::get(rank, 0, {}, ctx);
    Value sum = generic(
        b, loc, {adaptor.getLogits(), adaptor.getLabels()}, filledTensor(b, loc, {}, 0.0f),
        {all, all, scalar}, iterators(0, rank), [&](OpBuilder &nb, Location l, ValueRange a) {
          Value x = a[0], y = a[1];
          Value negX = arith::NegFOp::create(nb, l, x);
          Value m = arith::MaximumFOp::create(nb, l, negX, zero);
          Value e1 = math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, m));
          Value e2 = math::ExpOp::create(nb, l, sub(nb, l, negX, m));
          Value lg = math::LogOp::create(nb, l, add(nb, l, e1, e2));
          Value loss = add(nb, l, add(nb, l, mul(nb, l, sub(nb, l, one, y), x), m), lg);
          linalg::YieldOp::create(nb, l, add(nb, l, a[2], loss));
        });
    AffineMap none = AffineMap::get(0, 0, {}, ctx);
    Value c = f32Const(b, loc, static_cast<float>(count));
    b.replaceOp(op, generic(b, loc, sum, emptyTensor(b, loc, {}), {none, none}, {},
                            [&](OpBuilder &nb, Location l, ValueRange a) {
                              linalg::YieldOp::create(nb, l, div(nb, l, a[0], c));
                            }));
    return success();
  }
};

} // namespace

void populateLowerLossOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMaskedMseLoss, LowerMeanPool, LowerBceWithLogits>(
      patterns.getContext());
}

} // namespace mlir::amae
