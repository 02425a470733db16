//===- LowerAttentionOps.cpp - attention and shifted-window attention -----===//
//
// Attention is lowered to two contractions around a softmax. Window
// attention is lowered fused: q, k and v are gathered straight into window
// order with the cyclic shift folded into the index arithmetic, and the
// result is gathered back the same way; no rolled copy of the grid exists.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "passes/lowering/LoweringUtils.h"
#include "passes/lowering/WindowGeometry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::amae {
namespace {

struct LowerSplitQkv : OpConversionPattern<SplitQkvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SplitQkvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> in = shapeOf(op.getInput());
    int64_t heads = op.getHeads(), width = in[2] / (3 * heads);
    Value x = expand(b, loc, adaptor.getInput(), {in[0], in[1], 3, heads, width},
                     {{0}, {1}, {2, 3, 4}});
    SmallVector<Value> parts;
    for (int64_t part = 0; part < 3; ++part) {
      Value s = slice(b, loc, x, {0, 0, part, 0, 0}, {in[0], in[1], 1, heads, width});
      s = collapse(b, loc, s, {{0}, {1}, {2, 3}, {4}});
      parts.push_back(transpose(b, loc, s, {0, 2, 1, 3}));
    }
    b.replaceOp(op, parts);
    return success();
  }
};

struct LowerMergeHeads : OpConversionPattern<MergeHeadsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MergeHeadsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value t = transpose(b, loc, adaptor.getInput(), {0, 2, 1, 3});
    b.replaceOp(op, collapse(b, loc, t, {{0}, {1}, {2, 3}}));
    return success();
  }
};

struct LowerAttention : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value scores = dotProducts(b, loc, adaptor.getQ(), adaptor.getK());
    // timm: (q @ k^T) * scale, then softmax.
    Value scale = f32Const(b, loc, op.getScale().convertToFloat());
    unsigned rank = shapeOf(scores).size();
    Value scaled = generic(b, loc, scores, emptyTensor(b, loc, shapeOf(scores)),
                           {identity(ctx, rank), identity(ctx, rank)}, iterators(rank),
                           [&](OpBuilder &nb, Location l, ValueRange a) {
                             linalg::YieldOp::create(
                                 nb, l, arith::MulFOp::create(nb, l, a[0], scale).getResult());
                           });
    Value probs = softmaxLastDim(b, loc, scaled);
    b.replaceOp(op, weightedSum(b, loc, probs, adaptor.getV()));
    return success();
  }
};

struct LowerWindowAttention : OpConversionPattern<WindowAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WindowAttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> qs = shapeOf(op.getQ());
    int64_t n = qs[0], h = qs[1];
    Windows win = windowsOf(op);
    int64_t nw = win.count(), p = win.size();

    // q, k, v in window order: (N, H, nW, P, E).
    Value qw = toWindowOrder(b, loc, adaptor.getQ(), win),
          kw = toWindowOrder(b, loc, adaptor.getK(), win),
          vw = toWindowOrder(b, loc, adaptor.getV(), win);

    // |q_i| and |k_j| over the head dimension.
    auto norms = [&](Value x) {
      Value sq = generic(b, loc, x, filledTensor(b, loc, {n, h, nw, p}, 0.0f),
                         {identity(ctx, 5), pick(ctx, 5, {0, 1, 2, 3})}, iterators(4, 1),
                         [](OpBuilder &nb, Location l, ValueRange a) {
                           Value s = arith::MulFOp::create(nb, l, a[0], a[0]);
                           linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, a[1], s).getResult());
                         });
      return generic(b, loc, sq, emptyTensor(b, loc, {n, h, nw, p}),
                     {identity(ctx, 4), identity(ctx, 4)}, iterators(4),
                     [](OpBuilder &nb, Location l, ValueRange a) {
                       linalg::YieldOp::create(nb, l, mlir::math::SqrtOp::create(nb, l, a[0]).getResult());
                     });
    };
    Value nq = norms(qw), nk = norms(kw);
    Value dots = dotProducts(b, loc, qw, kw); // (N, H, nW, P, P)

    // Position bias (P*P, H) viewed as (P, P, H); shift mask (nW, P, P).
    Value bias = expand(b, loc, adaptor.getPosBias(), {p, p, h}, {{0, 1}, {2}});
    std::vector<float> maskValues = math::shiftMask(
        {win.gridT, win.gridF}, {win.wt, win.wf}, {win.st, win.sf});
    auto maskType = RankedTensorType::get({nw, p, p}, b.getF32Type());
    Value mask = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(maskType, ArrayRef<float>(maskValues)));

    // logit = dot / max(|q||k|, 1e-6) / max(tau, 0.01) + bias + mask.
    Value eps = f32Const(b, loc, 1e-6f), tauMin = f32Const(b, loc, 0.01f);
    Value logits = generic(
        b, loc, {dots, nq, nk, adaptor.getTau(), bias, mask},
        emptyTensor(b, loc, {n, h, nw, p, p}),
        {identity(ctx, 5), pick(ctx, 5, {0, 1, 2, 3}), pick(ctx, 5, {0, 1, 2, 4}),
         pick(ctx, 5, {1}), pick(ctx, 5, {3, 4, 1}), pick(ctx, 5, {2, 3, 4}),
         identity(ctx, 5)},
        iterators(5), [&](OpBuilder &nb, Location l, ValueRange a) {
          Value denom = arith::MaximumFOp::create(nb, l, arith::MulFOp::create(nb, l, a[1], a[2]), eps);
          Value cosine = arith::DivFOp::create(nb, l, a[0], denom);
          Value tau = arith::MaximumFOp::create(nb, l, a[3], tauMin);
          Value scaled = arith::DivFOp::create(nb, l, cosine, tau);
          Value biased = arith::AddFOp::create(nb, l, scaled, a[4]);
          linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, biased, a[5]).getResult());
        });
    Value outWindows = weightedSum(b, loc, softmaxLastDim(b, loc, logits), vw);

    // Back to token order: (N, H, L, E).
    Value out = toTokenOrder(b, loc, outWindows, win);
    b.replaceOp(op, out);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Decomposed pieces
//===----------------------------------------------------------------------===//

/// Ops with a folder that produces their whole value: lower to the constant.
template <typename OpTy>
struct LowerToConstant : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &b) const override {
    auto value = dyn_cast_or_null<DenseElementsAttr>(
        op.fold(typename OpTy::FoldAdaptor({}, op)).template dyn_cast<Attribute>());
    if (!value) // amae-lower-to-linalg refuses these up front, by name
      return b.notifyMatchFailure(op, "the table is too large to fold");
    b.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void populateLowerAttentionOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSplitQkv, LowerMergeHeads, LowerAttention, LowerWindowAttention,
               LowerToConstant<ShiftMaskOp>, LowerToConstant<LogRelativeCoordsOp>,
               LowerToConstant<SincosPosEmbedOp>>(patterns.getContext());
}

} // namespace mlir::amae
