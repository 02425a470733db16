//===- LowerOptimizerOps.cpp - the AdamW update ---------------------------===//
//
// One elementwise loop nest per parameter, identity maps only: each element
// of the parameter and moments is read just before the same element of the
// results is written, which is what lets the manifest mark the results
// in_place_of their inputs (frontends/spec/EmitGraphs.cpp).
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::amae {
namespace {

struct LowerAdamwUpdate : OpConversionPattern<AdamwUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AdamwUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getParam());
    unsigned rank = s.size();
    float eps = static_cast<float>(op.getEps().convertToDouble());
    // The scalar factors are computed once, outside the loop nest: inside it
    // LLVM cannot hoist the pow() of the bias corrections (the 0-d inputs
    // might alias the outputs), which cost two pow calls per element.
    auto scalar = [&](Value t) { return tensor::ExtractOp::create(b, loc, t, ValueRange{}); };
    auto f64 = [&](Value x) { return arith::ExtFOp::create(b, loc, b.getF64Type(), x); };
    auto f32 = [&](Value x) { return arith::TruncFOp::create(b, loc, b.getF32Type(), x); };
    auto oneMinus = [&](Value x) {
      return arith::SubFOp::create(b, loc,
                                   arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1.0)), x);
    };
    Value beta1 = f64(scalar(adaptor.getBeta1())), beta2 = f64(scalar(adaptor.getBeta2()));
    Value wd = f64(scalar(adaptor.getWeightDecay())), lr64 = f64(scalar(adaptor.getLr()));
    // Bias corrections in float64, as torch computes its Python scalars.
    Value t = arith::SIToFPOp::create(b, loc, b.getF64Type(), scalar(adaptor.getStep()));
    auto corr = [&](Value beta) { return oneMinus(math::PowFOp::create(b, loc, beta, t)); };
    Value stepSize = f32(arith::DivFOp::create(b, loc, lr64, corr(beta1)));
    Value c2 = f32(math::SqrtOp::create(b, loc, corr(beta2)));
    Value decay = f32(oneMinus(arith::MulFOp::create(b, loc, lr64, wd)));
    Value b1 = f32(beta1), b1c = f32(oneMinus(beta1)), b2 = f32(beta2), b2c = f32(oneMinus(beta2));
    Value epsilon = f32Const(b, loc, eps);

    AffineMap all = identity(ctx, rank);
    SmallVector<Type> types(3, op.getParam().getType());
    SmallVector<Value> inits = {emptyTensor(b, loc, s), emptyTensor(b, loc, s),
                                emptyTensor(b, loc, s)};
    auto generic = linalg::GenericOp::create(
        b, loc, types,
        ValueRange{adaptor.getParam(), adaptor.getGrad(), adaptor.getM(), adaptor.getV()},
        inits, SmallVector<AffineMap>(7, all), iterators(rank),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value p = a[0], g = a[1], m = a[2], v = a[3];
          Value p1 = mul(nb, l, p, decay);
          Value m1 = add(nb, l, mul(nb, l, m, b1), mul(nb, l, g, b1c));
          Value v1 = add(nb, l, mul(nb, l, v, b2), mul(nb, l, mul(nb, l, g, g), b2c));
          Value denom = add(nb, l, div(nb, l, math::SqrtOp::create(nb, l, v1), c2), epsilon);
          Value p2 = sub(nb, l, p1, mul(nb, l, stepSize, div(nb, l, m1, denom)));
          linalg::YieldOp::create(nb, l, ValueRange{p2, m1, v1});
        });
    b.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateLowerOptimizerOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAdamwUpdate>(patterns.getContext());
}

} // namespace mlir::amae
