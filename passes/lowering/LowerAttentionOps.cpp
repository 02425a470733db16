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
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> in = shapeOf(op.getInput());
    int64_t heads = op.getHeads(), width = in[2] / (3 * heads);
    // Each part is one copy that reads the qkv buffer in place: a generic
    // rather than slices and a transpose, so that elementwise fusion folds
    // the qkv bias (added after the matmul, --bias-epilogue) into the three
    // copies and the biased qkv buffer is never written (base inference: the
    // bias pass and the k and v copies 1.48% of the time, the three fused
    // copies 0.87%; bit-identical).
    SmallVector<Value> parts;
    AffineExpr n = getAffineDimExpr(0, ctx), h = getAffineDimExpr(1, ctx),
               l = getAffineDimExpr(2, ctx), e = getAffineDimExpr(3, ctx);
    for (int64_t part = 0; part < 3; ++part) {
      AffineMap read = AffineMap::get(4, 0, {n, l, (part * heads + h) * width + e}, ctx);
      Value init = emptyTensor(b, loc, {in[0], heads, in[1], width});
      parts.push_back(generic(b, loc, adaptor.getInput(), init, {read, identity(ctx, 4)},
                              iterators(4), [](OpBuilder &nb, Location l, ValueRange a) {
                                yield(nb, l, a[0]);
                              }));
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
  LowerAttention(MLIRContext *ctx, bool fused) : OpConversionPattern(ctx), fused(fused) {}
  LogicalResult matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    if (fused) {
      // One kernel for the target to implement (the CPU's keeps each block of
      // query rows' scores in cache); the linalg form below writes them all.
      Value init = emptyTensor(b, loc, shapeOf(op.getResult()));
      b.replaceOp(op, FusedAttentionOp::create(b, loc, init.getType(), adaptor.getQ(),
                                               adaptor.getK(), adaptor.getV(), init,
                                               op.getScaleAttr()));
      return success();
    }
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
  bool fused;
};

struct LowerWindowAttention : OpConversionPattern<WindowAttentionOp> {
  LowerWindowAttention(MLIRContext *ctx, bool fused) : OpConversionPattern(ctx), fused(fused) {}
  bool fused;
  LogicalResult matchAndRewrite(WindowAttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    if (fused) {
      // One kernel (the CUDA target's keeps each query row's logits in
      // registers); the form below writes [N, H, nW, P, P] several times.
      Value init = emptyTensor(b, loc, shapeOf(op.getResult()));
      b.replaceOp(op, FusedWindowAttentionOp::create(
                          b, loc, init.getType(), adaptor.getQ(), adaptor.getK(), adaptor.getV(),
                          adaptor.getTau(), adaptor.getPosBias(), init, op.getGridAttr(),
                          op.getWindowAttr(), op.getShiftAttr()));
      return success();
    }
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


/// The backward of amae.attention (the VJP emits the op; this is its math):
/// p recomputed, then dv = p^T dout, ds = p (dout v^T - rowsum) scale,
/// dq = ds k, dk = ds^T q.
struct LowerAttentionGrad : OpConversionPattern<AttentionGradOp> {
  LowerAttentionGrad(MLIRContext *ctx, bool fused) : OpConversionPattern(ctx), fused(fused) {}
  bool fused;
  LogicalResult matchAndRewrite(AttentionGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Value out[3];
    Location loc = op.getLoc();
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV(), dout = adaptor.getDout();
    if (fused) {
      // As the forward: one kernel, whose blocks keep p and ds in cache.
      SmallVector<Value> inits;
      for (Value x : {q, k, v})
        inits.push_back(emptyTensor(b, loc, shapeOf(x)));
      b.replaceOp(op, FusedAttentionGradOp::create(b, loc, ValueRange(inits).getTypes(),
                                                   ValueRange{q, k, v, dout, inits[0],
                                                              inits[1], inits[2]},
                                                   op->getAttrs())
                          .getResults());
      return success();
    }
    Value scale = f32Const(b, loc, op.getScale().convertToFloat());
    // Recompute p = softmax(q k^T scale).
    Value scores = elementwise(b, loc, {dotProducts(b, loc, q, k)},
                           [&](OpBuilder &nb, Location l, ValueRange a) { return mul(nb, l, a[0], scale); });
    Value p = softmaxLastDim(b, loc, scores);
    ArrayRef<int64_t> ps = shapeOf(p), vs = shapeOf(v);
    SmallVector<int64_t> kvShape(vs);
    // dv = p^T dout; dp = dout v^T; ds = p (dp - rowsum(dp p)) scale.
    out[2] = batchedContraction(b, loc, p, dout, kvShape, {2, 0}, {2, 1});
    Value dp = dotProducts(b, loc, dout, v);
    MLIRContext *ctx = b.getContext();
    unsigned rank = ps.size();
    SmallVector<unsigned> rowDims;
    for (unsigned d = 0; d + 1 < rank; ++d)
      rowDims.push_back(d);
    AffineMap all = identity(ctx, rank), row = pick(ctx, rank, rowDims);
    Value dot = generic(b, loc, {dp, p}, filledTensor(b, loc, ps.drop_back(), 0.0f), {all, all, row},
                        iterators(rank - 1, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                          yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1])));
                        });
    Value ds = generic(b, loc, {dp, p, dot}, emptyTensor(b, loc, ps), {all, all, row, all},
                       iterators(rank), [&](OpBuilder &nb, Location l, ValueRange a) {
                         yield(nb, l, mul(nb, l, mul(nb, l, a[1], sub(nb, l, a[0], a[2])), scale));
                       });
    // dq = ds k; dk = ds^T q.
    out[0] = weightedSum(b, loc, ds, k);
    SmallVector<int64_t> kShape(shapeOf(k));
    out[1] = batchedContraction(b, loc, ds, q, kShape, {2, 0}, {2, 1});
    b.replaceOp(op, ValueRange{out[0], out[1], out[2]});
    return success();
  }
};

/// The backward of amae.window_attention, in window order as the forward.
struct LowerWindowAttentionGrad : OpConversionPattern<WindowAttentionGradOp> {
  LowerWindowAttentionGrad(MLIRContext *ctx, bool fused)
      : OpConversionPattern(ctx), fused(fused) {}
  bool fused;
  LogicalResult matchAndRewrite(WindowAttentionGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Value out[5];
    Location loc = op.getLoc();
    if (fused) {
      SmallVector<Value> operands(adaptor.getOperands());
      for (Value x : adaptor.getOperands().take_front(5))
        operands.push_back(emptyTensor(b, loc, shapeOf(x)));
      b.replaceOp(op, FusedWindowAttentionGradOp::create(
                          b, loc, ValueRange(operands).take_back(5).getTypes(), operands,
                          op->getAttrs())
                          .getResults());
      return success();
    }
    MLIRContext *ctx = b.getContext();
    Windows win = windowsOf(op);
    ArrayRef<int64_t> qs = shapeOf(adaptor.getQ());
    int64_t n = qs[0], h = qs[1], nw = win.count(), p = win.size(), e = qs[3];
    SmallVector<int64_t> wShape = {n, h, nw, p, e}, rowShape = {n, h, nw, p},
                         pairShape = {n, h, nw, p, p};
    Value qw = toWindowOrder(b, loc, adaptor.getQ(), win), kw = toWindowOrder(b, loc, adaptor.getK(), win),
          vw = toWindowOrder(b, loc, adaptor.getV(), win);
    AffineMap all5 = identity(ctx, 5), iRow = pick(ctx, 5, {0, 1, 2, 3}), jRow = pick(ctx, 5, {0, 1, 2, 4}),
              head = pick(ctx, 5, {1}), biasMap = pick(ctx, 5, {3, 4, 1}), maskMap = pick(ctx, 5, {2, 3, 4});
    // Recompute the forward: norms, cosine, logits, probabilities.
    auto norms = [&](Value x) {
      Value sq = generic(b, loc, x, filledTensor(b, loc, rowShape, 0.0f), {all5, iRow}, iterators(4, 1),
                         [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[1], mul(nb, l, a[0], a[0]))); });
      return elementwise(b, loc, {sq}, [](OpBuilder &nb, Location l, ValueRange a) { return mlir::math::SqrtOp::create(nb, l, a[0]).getResult(); });
    };
    Value nq = norms(qw), nk = norms(kw);
    Value dots = dotProducts(b, loc, qw, kw);
    Value eps = f32Const(b, loc, 1e-6f), tauMin = f32Const(b, loc, 0.01f);
    Value bias = expand(b, loc, adaptor.getPosBias(), {p, p, h}, {{0, 1}, {2}});
    std::vector<float> maskValues = math::shiftMask({win.gridT, win.gridF}, {win.wt, win.wf}, {win.st, win.sf});
    Value mask = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({nw, p, p}, b.getF32Type()), ArrayRef<float>(maskValues)));
    Value logits = generic(b, loc, {dots, nq, nk, adaptor.getTau(), bias, mask}, emptyTensor(b, loc, pairShape),
                           {all5, iRow, jRow, head, biasMap, maskMap, all5}, iterators(5),
                           [&](OpBuilder &nb, Location l, ValueRange a) {
                             Value denom = arith::MaximumFOp::create(nb, l, mul(nb, l, a[1], a[2]), eps);
                             Value t = arith::MaximumFOp::create(nb, l, a[3], tauMin);
                             Value v = add(nb, l, div(nb, l, div(nb, l, a[0], denom), t), a[4]);
                             yield(nb, l, add(nb, l, v, a[5]));
                           });
    Value prob = softmaxLastDim(b, loc, logits);

    // Softmax backward.
    Value dow = toWindowOrder(b, loc, adaptor.getDout(), win);
    Value dvw = batchedContraction(b, loc, prob, dow, wShape, {2, 0}, {2, 1});
    Value dp = dotProducts(b, loc, dow, vw);
    Value rowDot = generic(b, loc, {dp, prob}, filledTensor(b, loc, rowShape, 0.0f), {all5, all5, iRow},
                           iterators(4, 1), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1]))); });
    Value dlogit = generic(b, loc, {dp, prob, rowDot}, emptyTensor(b, loc, pairShape), {all5, all5, iRow, all5},
                           iterators(5), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, mul(nb, l, a[1], sub(nb, l, a[0], a[2]))); });

    // Position bias: sum over batch and windows, laid out (P * P, H).
    Value dbias = generic(b, loc, dlogit, filledTensor(b, loc, {p, p, h}, 0.0f),
                          {pick(ctx, 5, {3, 2, 4, 0, 1}), pick(ctx, 5, {0, 1, 2})}, iterators(3, 2),
                          [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[0], a[1])); });
    out[4] = collapse(b, loc, dbias, {{0, 1}, {2}});
    // tau: d(c / t)/dt = -c / t^2 where tau > 0.01 (the clamp passes nothing).
    Value dtauTerms = generic(b, loc, {dlogit, dots, nq, nk, adaptor.getTau()}, emptyTensor(b, loc, pairShape),
                              {all5, all5, iRow, jRow, head, all5}, iterators(5), [&](OpBuilder &nb, Location l, ValueRange a) {
                                Value cosine = div(nb, l, a[1], arith::MaximumFOp::create(nb, l, mul(nb, l, a[2], a[3]), eps));
                                Value t = arith::MaximumFOp::create(nb, l, a[4], tauMin);
                                Value d = arith::NegFOp::create(nb, l, div(nb, l, mul(nb, l, a[0], cosine), mul(nb, l, t, t)));
                                Value live = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[4], tauMin);
                                yield(nb, l, arith::SelectOp::create(nb, l, live, d, f32Const(nb, l, 0.0f)));
                              });
    out[3] = generic(b, loc, dtauTerms, filledTensor(b, loc, {h}, 0.0f),
                     {pick(ctx, 5, {1, 0, 2, 3, 4}), pick(ctx, 5, {0})}, iterators(1, 4),
                     [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[0], a[1])); });
    // Cosine: c / m with m = max(|q||k|, eps): dc = dcos / m, dm = -dcos c / m^2 (0 when clamped).
    Value dc = generic(b, loc, {dlogit, nq, nk, adaptor.getTau()}, emptyTensor(b, loc, pairShape),
                       {all5, iRow, jRow, head, all5}, iterators(5), [&](OpBuilder &nb, Location l, ValueRange a) {
                         Value t = arith::MaximumFOp::create(nb, l, a[3], tauMin);
                         Value m = arith::MaximumFOp::create(nb, l, mul(nb, l, a[1], a[2]), eps);
                         yield(nb, l, div(nb, l, div(nb, l, a[0], t), m));
                       });
    Value dm = generic(b, loc, {dc, dots, nq, nk}, emptyTensor(b, loc, pairShape),
                       {all5, all5, iRow, jRow, all5}, iterators(5), [&](OpBuilder &nb, Location l, ValueRange a) {
                         Value prod = mul(nb, l, a[2], a[3]);
                         Value live = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, prod, eps);
                         Value v = arith::NegFOp::create(nb, l, div(nb, l, mul(nb, l, a[0], a[1]), prod));
                         yield(nb, l, arith::SelectOp::create(nb, l, live, v, f32Const(nb, l, 0.0f)));
                       });
    // d|q_i| = sum_j dm nk_j; d|k_j| = sum_i dm nq_i.
    Value dnq = generic(b, loc, {dm, nk}, filledTensor(b, loc, rowShape, 0.0f), {all5, jRow, iRow},
                        iterators(4, 1), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1]))); });
    Value dnk = generic(b, loc, {dm, nq}, filledTensor(b, loc, rowShape, 0.0f),
                        {pick(ctx, 5, {0, 1, 2, 4, 3}), pick(ctx, 5, {0, 1, 2, 4}), iRow},
                        iterators(4, 1), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1]))); });
    auto withNorm = [&](Value dot, Value x, Value norm, Value dnorm) {
      // dot-product part + dnorm * x / |x| (|x| = 0 contributes nothing).
      return generic(b, loc, {dot, x, norm, dnorm}, emptyTensor(b, loc, wShape), {all5, all5, iRow, iRow, all5},
                     iterators(5), [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value live = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[2], f32Const(nb, l, 0.0f));
                       Value term = div(nb, l, mul(nb, l, a[3], a[1]), a[2]);
                       yield(nb, l, add(nb, l, a[0], arith::SelectOp::create(nb, l, live, term, f32Const(nb, l, 0.0f))));
                     });
    };
    Value dqw = withNorm(weightedSum(b, loc, dc, kw), qw, nq, dnq);
    Value dkw = withNorm(batchedContraction(b, loc, dc, qw, wShape, {2, 0}, {2, 1}), kw, nk, dnk);
    out[0] = toTokenOrder(b, loc, dqw, win);
    out[1] = toTokenOrder(b, loc, dkw, win);
    out[2] = toTokenOrder(b, loc, dvw, win);
    b.replaceOp(op, ValueRange{out[0], out[1], out[2], out[3], out[4]});
    return success();
  }
};

} // namespace

void populateLowerAttentionOpsPatterns(RewritePatternSet &patterns, bool fusedAttention,
                                       bool fusedWindowAttention) {
  patterns.add<LowerAttention, LowerAttentionGrad>(patterns.getContext(), fusedAttention);
  patterns.add<LowerWindowAttention, LowerWindowAttentionGrad>(patterns.getContext(),
                                                               fusedWindowAttention);
  patterns.add<LowerSplitQkv, LowerMergeHeads,
               LowerToConstant<ShiftMaskOp>, LowerToConstant<LogRelativeCoordsOp>,
               LowerToConstant<SincosPosEmbedOp>>(patterns.getContext());
}

} // namespace mlir::amae
