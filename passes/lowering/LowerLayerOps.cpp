//===- LowerLayerOps.cpp - layer_norm, linear, activations, dropout -------===//

#include "dialects/Amae/AmaeOps.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::amae {
namespace {

/// Elementwise map of one f32 tensor.
Value mapElements(OpBuilder &b, Location loc, Value x,
                  function_ref<Value(OpBuilder &, Location, Value)> fn) {
  return elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange a) {
    return fn(nb, l, a[0]);
  });
}

struct LowerLayerNorm : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = collapseLeading(b, loc, adaptor.getInput());
    int64_t rows = shapeOf(x)[0], width = shapeOf(x)[1];
    AffineMap all = identity(ctx, 2), row = pick(ctx, 2, {0}), col = pick(ctx, 2, {1});
    auto sumRows = [&](Value v) {
      return generic(b, loc, v, filledTensor(b, loc, {rows}, 0.0f), {all, row},
                     iterators(1, 1), [](OpBuilder &nb, Location nloc, ValueRange a) {
                       linalg::YieldOp::create(
                           nb, nloc, arith::AddFOp::create(nb, nloc, a[0], a[1]).getResult());
                     });
    };
    Value invWidth = f32Const(b, loc, 1.0f / static_cast<float>(width));
    // Two passes: mean, then the biased variance of the centred values.
    Value sum = sumRows(x);
    Value centred = generic(
        b, loc, {x, sum}, emptyTensor(b, loc, {rows, width}), {all, row, all},
        iterators(2), [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value mean = arith::MulFOp::create(nb, nloc, a[1], invWidth);
          linalg::YieldOp::create(nb, nloc,
                                  arith::SubFOp::create(nb, nloc, a[0], mean).getResult());
        });
    Value squares = generic(b, loc, centred, emptyTensor(b, loc, {rows, width}),
                            {all, all}, iterators(2),
                            [](OpBuilder &nb, Location nloc, ValueRange a) {
                              linalg::YieldOp::create(
                                  nb, nloc, arith::MulFOp::create(nb, nloc, a[0], a[0]).getResult());
                            });
    Value var = sumRows(squares);
    Value eps = f32Const(b, loc, static_cast<float>(op.getEps().convertToDouble()));
    Value y = generic(
        b, loc, {centred, var, adaptor.getWeight(), adaptor.getBias()},
        emptyTensor(b, loc, {rows, width}), {all, row, col, col, all}, iterators(2),
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value v = arith::MulFOp::create(nb, nloc, a[1], invWidth);
          Value rstd = math::RsqrtOp::create(nb, nloc, arith::AddFOp::create(nb, nloc, v, eps));
          Value n = arith::MulFOp::create(nb, nloc, a[0], rstd);
          Value scaled = arith::MulFOp::create(nb, nloc, n, a[2]);
          linalg::YieldOp::create(nb, nloc,
                                  arith::AddFOp::create(nb, nloc, scaled, a[3]).getResult());
        });
    b.replaceOp(op, expandLeading(b, loc, y, shapeOf(op.getInput())));
    return success();
  }
};

struct LowerLinear : OpConversionPattern<LinearOp> {
  LowerLinear(MLIRContext *ctx, bool biasAfter) : OpConversionPattern(ctx), biasAfter(biasAfter) {}
  bool biasAfter;
  LogicalResult matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = collapseLeading(b, loc, adaptor.getInput());
    Value y = linearRows(b, loc, x, adaptor.getWeight(), adaptor.getBias(), biasAfter);
    y = expandLeading(b, loc, y, shapeOf(op.getResult()));
    if (biasAfter && adaptor.getBias())
      y = addBiasLastDim(b, loc, y, adaptor.getBias());
    b.replaceOp(op, y);
    return success();
  }
};

struct LowerGelu : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    // torch: x * 0.5 * (1 + erf(x * M_SQRT1_2)).
    b.replaceOp(op, mapElements(b, op.getLoc(), adaptor.getInput(),
                                [](OpBuilder &nb, Location l, Value x) -> Value {
                                  Value s = arith::MulFOp::create(nb, l, x, f32Const(nb, l, 0.70710678118654752f));
                                  Value e = math::ErfOp::create(nb, l, s);
                                  Value one = arith::AddFOp::create(nb, l, e, f32Const(nb, l, 1.0f));
                                  Value half = arith::MulFOp::create(nb, l, x, f32Const(nb, l, 0.5f));
                                  return arith::MulFOp::create(nb, l, half, one);
                                }));
    return success();
  }
};

struct LowerRelu : OpConversionPattern<ReluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    b.replaceOp(op, mapElements(b, op.getLoc(), adaptor.getInput(),
                                [](OpBuilder &nb, Location l, Value x) -> Value {
                                  return arith::MaximumFOp::create(nb, l, x, f32Const(nb, l, 0.0f));
                                }));
    return success();
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Dropout and drop-path: a counter-based generator, splitmix64 of
// (seed, stream, index), so any element's decision is computable alone.
//===----------------------------------------------------------------------===//

static Value splitmix64(OpBuilder &b, Location loc, Value z) {
  auto c = [&](uint64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(static_cast<int64_t>(v)));
  };
  auto xorShift = [&](Value v, int64_t s) {
    return arith::XOrIOp::create(b, loc, v, arith::ShRUIOp::create(b, loc, v, c(s)));
  };
  z = arith::AddIOp::create(b, loc, z, c(0x9e3779b97f4a7c15ull));
  z = arith::MulIOp::create(b, loc, xorShift(z, 30), c(0xbf58476d1ce4e5b9ull));
  z = arith::MulIOp::create(b, loc, xorShift(z, 27), c(0x94d049bb133111ebull));
  return xorShift(z, 31);
}

/// Uniform [0, 1) from the top 24 bits of the hash of (seed, stream, index).
static Value uniform(OpBuilder &b, Location loc, Value seed, int64_t stream, Value index) {
  Value key = arith::AddIOp::create(
      b, loc, seed,
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(stream * 0x632be59bd9b4e019ll)));
  Value h = splitmix64(b, loc, arith::AddIOp::create(b, loc, splitmix64(b, loc, key), index));
  Value top = arith::ShRUIOp::create(b, loc, h, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(40)));
  Value f = arith::UIToFPOp::create(b, loc, b.getF32Type(), top);
  return arith::MulFOp::create(b, loc, f, f32Const(b, loc, 1.0f / 16777216.0f));
}

/// Keeps element `x` when u >= rate, scaled by 1 / (1 - rate); the index
/// counts over the first `indexRank` loops only (1 for drop-path: per sample),
/// and row n of the leading loop is row `firstSample` + n when one is given.
Value dropElements(OpBuilder &b, Location loc, Value x, Value seed, Value firstSample,
                   double rate, int64_t stream, unsigned indexRank) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  float scale = static_cast<float>(1.0 / (1.0 - rate));
  AffineMap scalar = AffineMap::get(rank, 0, {}, ctx);
  SmallVector<Value> ins = {x, seed};
  SmallVector<AffineMap> maps = {identity(ctx, rank), scalar};
  if (firstSample) {
    ins.push_back(firstSample);
    maps.push_back(scalar);
  }
  maps.push_back(identity(ctx, rank));
  return generic(
      b, loc, ins, emptyTensor(b, loc, shape), maps, iterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value index = arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(0));
        for (unsigned d = 0; d < indexRank; ++d) {
          Value i = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                               linalg::IndexOp::create(nb, l, d));
          if (d == 0 && firstSample)
            i = arith::AddIOp::create(nb, l, i, a[2]);
          Value size = arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(shape[d]));
          index = arith::AddIOp::create(nb, l, arith::MulIOp::create(nb, l, index, size), i);
        }
        Value u = uniform(nb, l, a[1], stream, index);
        Value keep = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGE, u,
                                           f32Const(nb, l, static_cast<float>(rate)));
        Value scaled = arith::MulFOp::create(nb, l, a[0], f32Const(nb, l, scale));
        linalg::YieldOp::create(nb, l,
                                arith::SelectOp::create(nb, l, keep, scaled,
                                                        f32Const(nb, l, 0.0f)).getResult());
      });
}

namespace {

struct LowerDropout : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    unsigned rank = shapeOf(op.getInput()).size();
    b.replaceOp(op, dropElements(b, op.getLoc(), adaptor.getInput(), adaptor.getSeed(),
                                 adaptor.getFirstSample(), op.getRate().convertToDouble(),
                                 op.getStream(), rank));
    return success();
  }
};

struct LowerDropPath : OpConversionPattern<DropPathOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropPathOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    b.replaceOp(op, dropElements(b, op.getLoc(), adaptor.getInput(), adaptor.getSeed(),
                                 adaptor.getFirstSample(), op.getRate().convertToDouble(),
                                 op.getStream(), 1));
    return success();
  }
};

} // namespace

void populateLowerLayerOpsPatterns(RewritePatternSet &patterns, bool biasEpilogue) {
  patterns.add<LowerLinear>(patterns.getContext(), biasEpilogue);
  patterns.add<LowerLayerNorm, LowerGelu, LowerRelu, LowerDropout, LowerDropPath>(
      patterns.getContext());
}

} // namespace mlir::amae
