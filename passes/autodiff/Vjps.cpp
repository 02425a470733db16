//===- Vjps.cpp - Vector-Jacobian products of the amae ops ----------------===//
//
// Each VJP is built on tensors with the same helpers as the lowering, so the
// backward graph is lowered, bufferized and BLAS-matched like the forward.
// Attention recomputes its probabilities from q and k instead of storing
// them.
//
//===----------------------------------------------------------------------===//

#include "passes/autodiff/Vjps.h"
#include "dialects/Amae/AmaeDialect.h"
#include "dialects/Amae/AmaeOps.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

namespace mlir::amae {
namespace {

using Grads = SmallVectorImpl<Value>;
using mlir::math::ExpOp;


/// Sum of a rank-2 tensor over rows (dim 0) or columns (dim 1).
Value sumRank2(OpBuilder &b, Location loc, Value x, unsigned keep) {
  MLIRContext *ctx = b.getContext();
  int64_t size = shapeOf(x)[keep];
  AffineMap in = keep == 1 ? pick(ctx, 2, {1, 0}) : identity(ctx, 2);
  return generic(b, loc, x, filledTensor(b, loc, {size}, 0.0f), {in, pick(ctx, 2, {0})},
                 iterators(1, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                   yield(nb, l, add(nb, l, a[0], a[1]));
                 });
}

template <typename OpTy, typename Impl>
struct Vjp : DifferentiableOpInterface::ExternalModel<Vjp<OpTy, Impl>, OpTy> {
  LogicalResult buildVjp(Operation *op, OpBuilder &b, ValueRange resultGrads,
                         Grads &operandGrads) const {
    operandGrads.assign(op->getNumOperands(), Value());
    return Impl::build(cast<OpTy>(op), b, resultGrads, operandGrads);
  }
  bool isDifferentiableResult(Operation *op, unsigned index) const;
};

/// Implementations may declare `static bool differentiableResult(unsigned)`.
template <typename Impl, typename = void>
struct HasDifferentiableResult : std::false_type {};
template <typename Impl>
struct HasDifferentiableResult<Impl, std::void_t<decltype(Impl::differentiableResult(0u))>>
    : std::true_type {};

template <typename OpTy, typename Impl>
bool Vjp<OpTy, Impl>::isDifferentiableResult(Operation *, unsigned index) const {
  if constexpr (HasDifferentiableResult<Impl>::value)
    return Impl::differentiableResult(index);
  return true;
}


//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

/// dW = dy^T x for rows x (R, K) and their output gradients dy (R, M): loops
/// (m, k, r), a transposed-A matmul that BLAS runs.
Value weightGradient(OpBuilder &b, Location loc, Value dy, Value x) {
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, {dy, x}, filledTensor(b, loc, {shapeOf(dy)[1], shapeOf(x)[1]}, 0.0f),
                 {pick(ctx, 3, {2, 0}), pick(ctx, 3, {2, 1}), pick(ctx, 3, {0, 1})},
                 iterators(2, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                   yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1])));
                 });
}

struct LinearVjp {
  static LogicalResult build(LinearOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = collapseLeading(b, loc, op.getInput());
    Value dy = collapseLeading(b, loc, g[0]);
    int64_t rows = shapeOf(x)[0], in = shapeOf(x)[1];
    // dx = dy W: loops (r, k, m).
    Value dx = generic(b, loc, {dy, op.getWeight()}, filledTensor(b, loc, {rows, in}, 0.0f),
                       {pick(ctx, 3, {0, 2}), pick(ctx, 3, {2, 1}), pick(ctx, 3, {0, 1})},
                       iterators(2, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                         yield(nb, l, add(nb, l, a[2], mul(nb, l, a[0], a[1])));
                       });
    out[0] = expandLeading(b, loc, dx, shapeOf(op.getInput()));
    out[1] = weightGradient(b, loc, dy, x);
    if (op.getBias())
      out[2] = sumRank2(b, loc, dy, 1);
    return success();
  }
};

struct GeluVjp {
  static LogicalResult build(GeluOp op, OpBuilder &b, ValueRange g, Grads &out) {
    // d/dx x Phi(x) = Phi(x) + x phi(x).
    out[0] = elementwise(b, op.getLoc(), {op.getInput(), g[0]}, [](OpBuilder &nb, Location l, ValueRange a) {
      Value x = a[0];
      Value erf = mlir::math::ErfOp::create(nb, l, mul(nb, l, x, f32Const(nb, l, 0.70710678118654752f)));
      Value cdf = mul(nb, l, add(nb, l, erf, f32Const(nb, l, 1.0f)), f32Const(nb, l, 0.5f));
      Value sq = mul(nb, l, mul(nb, l, x, x), f32Const(nb, l, -0.5f));
      Value pdf = mul(nb, l, ExpOp::create(nb, l, sq), f32Const(nb, l, 0.3989422804014327f));
      return mul(nb, l, a[1], add(nb, l, cdf, mul(nb, l, x, pdf)));
    });
    return success();
  }
};

struct ReluVjp {
  static LogicalResult build(ReluOp op, OpBuilder &b, ValueRange g, Grads &out) {
    out[0] = elementwise(b, op.getLoc(), {op.getInput(), g[0]}, [](OpBuilder &nb, Location l, ValueRange a) {
      Value positive = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[0], f32Const(nb, l, 0.0f));
      return arith::SelectOp::create(nb, l, positive, a[1], f32Const(nb, l, 0.0f)).getResult();
    });
    return success();
  }
};

struct LayerNormVjp {
  static LogicalResult build(LayerNormOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = collapseLeading(b, loc, op.getInput());
    Value dy = collapseLeading(b, loc, g[0]);
    int64_t rows = shapeOf(x)[0], width = shapeOf(x)[1];
    AffineMap all = identity(ctx, 2), row = pick(ctx, 2, {0}), col = pick(ctx, 2, {1});
    Value inv = f32Const(b, loc, 1.0f / static_cast<float>(width));
    auto rowMean = [&](Value v) {
      Value s = generic(b, loc, v, filledTensor(b, loc, {rows}, 0.0f), {all, row}, iterators(1, 1),
                        [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[0], a[1])); });
      return elementwise(b, loc, {s}, [&](OpBuilder &nb, Location l, ValueRange a) { return mul(nb, l, a[0], inv); });
    };
    // Recompute xhat = (x - mean) * rstd.
    Value mean = rowMean(x);
    Value centred = generic(b, loc, {x, mean}, emptyTensor(b, loc, {rows, width}), {all, row, all},
                            iterators(2), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, sub(nb, l, a[0], a[1])); });
    Value var = rowMean(elementwise(b, loc, {centred}, [](OpBuilder &nb, Location l, ValueRange a) { return mul(nb, l, a[0], a[0]); }));
    Value eps = f32Const(b, loc, static_cast<float>(op.getEps().convertToDouble()));
    Value rstd = elementwise(b, loc, {var}, [&](OpBuilder &nb, Location l, ValueRange a) {
      return mlir::math::RsqrtOp::create(nb, l, add(nb, l, a[0], eps)).getResult();
    });
    Value xhat = generic(b, loc, {centred, rstd}, emptyTensor(b, loc, {rows, width}), {all, row, all},
                         iterators(2), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, mul(nb, l, a[0], a[1])); });
    // dweight = sum_r dy xhat, dbias = sum_r dy.
    out[1] = sumRank2(b, loc, elementwise(b, loc, {dy, xhat}, [](OpBuilder &nb, Location l, ValueRange a) { return mul(nb, l, a[0], a[1]); }), 1);
    out[2] = sumRank2(b, loc, dy, 1);
    // dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy w.
    Value dxhat = generic(b, loc, {dy, op.getWeight()}, emptyTensor(b, loc, {rows, width}), {all, col, all},
                          iterators(2), [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, mul(nb, l, a[0], a[1])); });
    Value m1 = rowMean(dxhat);
    Value m2 = rowMean(elementwise(b, loc, {dxhat, xhat}, [](OpBuilder &nb, Location l, ValueRange a) { return mul(nb, l, a[0], a[1]); }));
    Value dx = generic(b, loc, {dxhat, xhat, m1, m2, rstd}, emptyTensor(b, loc, {rows, width}),
                       {all, all, row, row, row, all}, iterators(2), [](OpBuilder &nb, Location l, ValueRange a) {
                         Value t = sub(nb, l, sub(nb, l, a[0], a[2]), mul(nb, l, a[1], a[3]));
                         yield(nb, l, mul(nb, l, t, a[4]));
                       });
    out[0] = expandLeading(b, loc, dx, shapeOf(op.getInput()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Tokens and heads
//===----------------------------------------------------------------------===//

struct AddPositionVjp {
  static LogicalResult build(AddPositionOp op, OpBuilder &b, ValueRange g, Grads &out) {
    out[0] = g[0];
    // The table's gradient (zero where the model freezes it, as pos_embed
    // is): the cotangent summed over the batch, at rows offset..offset+L.
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getInput()), table = shapeOf(op.getTable());
    Value rows = generic(b, loc, g[0], filledTensor(b, loc, {s[1], s[2]}, 0.0f),
                         {pick(ctx, 3, {2, 0, 1}), pick(ctx, 3, {0, 1})}, iterators(2, 1),
                         [](OpBuilder &nb, Location l, ValueRange a) {
                           yield(nb, l, add(nb, l, a[0], a[1]));
                         });
    Value block = expand(b, loc, rows, {1, s[1], s[2]}, {{0, 1}, {2}});
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                         b.getIndexAttr(op.getOffset()), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(s[1]),
                                       b.getIndexAttr(s[2])};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    out[1] = tensor::InsertSliceOp::create(b, loc, block, filledTensor(b, loc, table, 0.0f),
                                           offsets, sizes, strides);
    return success();
  }
};

struct PrependTokenVjp {
  static LogicalResult build(PrependTokenOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    out[0] = slice(b, loc, g[0], {0, 1, 0}, {s[0], s[1], s[2]});
    Value first = collapse(b, loc, slice(b, loc, g[0], {0, 0, 0}, {s[0], 1, s[2]}), {{0, 1}, {2}});
    Value sum = generic(b, loc, first, filledTensor(b, loc, {s[2]}, 0.0f),
                        {pick(ctx, 2, {1, 0}), pick(ctx, 2, {0})}, iterators(1, 1),
                        [](OpBuilder &nb, Location l, ValueRange a) { yield(nb, l, add(nb, l, a[0], a[1])); });
    out[1] = expand(b, loc, sum, {1, 1, s[2]}, {{0, 1, 2}});
    return success();
  }
};

struct MergeHeadsVjp {
  static LogicalResult build(MergeHeadsOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = shapeOf(op.getInput()); // (N, H, S, E)
    Value e = expand(b, loc, g[0], {s[0], s[2], s[1], s[3]}, {{0}, {1}, {2, 3}});
    out[0] = transpose(b, loc, e, {0, 2, 1, 3});
    return success();
  }
};

struct SplitQkvVjp {
  static LogicalResult build(SplitQkvOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    ArrayRef<int64_t> qs = shapeOf(op.getQ()); // (N, H, S, E)
    int64_t n = qs[0], h = qs[1], s = qs[2], e = qs[3];
    Value whole = filledTensor(b, loc, {n, s, 3, h, e}, 0.0f);
    for (int64_t part = 0; part < 3; ++part) {
      if (!g[part])
        continue;
      Value t = expand(b, loc, transpose(b, loc, g[part], {0, 2, 1, 3}), {n, s, 1, h, e},
                       {{0}, {1}, {2, 3}, {4}});
      SmallVector<OpFoldResult> offs = {b.getIndexAttr(0), b.getIndexAttr(0), b.getIndexAttr(part),
                                        b.getIndexAttr(0), b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(s), b.getIndexAttr(1),
                                         b.getIndexAttr(h), b.getIndexAttr(e)};
      SmallVector<OpFoldResult> strides(5, b.getIndexAttr(1));
      whole = tensor::InsertSliceOp::create(b, loc, t, whole, offs, sizes, strides);
    }
    out[0] = collapse(b, loc, whole, {{0}, {1}, {2, 3, 4}});
    return success();
  }
};

struct AttentionVjp {
  static LogicalResult build(AttentionOp op, OpBuilder &b, ValueRange g, Grads &out) {
    auto grad = AttentionGradOp::create(b, op.getLoc(), op.getQ(), op.getK(), op.getV(), g[0],
                                        op.getScaleAttr());
    out[0] = grad.getDq();
    out[1] = grad.getDk();
    out[2] = grad.getDv();
    return success();
  }
};

struct MeanPoolVjp {
  static LogicalResult build(MeanPoolOp op, OpBuilder &b, ValueRange g, Grads &out) {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    int64_t skip = op.getSkip();
    Value count = f32Const(b, loc, static_cast<float>(s[1] - skip));
    out[0] = generic(b, loc, g[0], emptyTensor(b, loc, s), {pick(ctx, 3, {0, 2}), identity(ctx, 3)},
                     iterators(3), [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value t = linalg::IndexOp::create(nb, l, 1);
                       Value pooled = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge, t,
                                                            indexConst(nb, l, skip));
                       yield(nb, l, arith::SelectOp::create(nb, l, pooled, div(nb, l, a[0], count),
                                                            f32Const(nb, l, 0.0f)));
                     });
    return success();
  }
};

struct BceVjp {
  static LogicalResult build(BceWithLogitsLossOp op, OpBuilder &b, ValueRange g, Grads &out) {
    // d mean(...) / dx = (sigmoid(x) - y) / count.
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getLogits());
    unsigned rank = s.size();
    Value c = f32Const(b, loc, static_cast<float>(ShapedType::getNumElements(s)));
    AffineMap all = identity(ctx, rank), scalar = AffineMap::get(rank, 0, {}, ctx);
    out[0] = generic(b, loc, {op.getLogits(), op.getLabels(), g[0]}, emptyTensor(b, loc, s),
                     {all, all, scalar, all}, iterators(rank), [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value e = ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[0]));
                       Value sig = div(nb, l, f32Const(nb, l, 1.0f), add(nb, l, f32Const(nb, l, 1.0f), e));
                       yield(nb, l, mul(nb, l, div(nb, l, sub(nb, l, sig, a[1]), c), a[2]));
                     });
    return success();
  }
};

struct PatchEmbedVjp {
  static LogicalResult build(PatchEmbedOp op, OpBuilder &b, ValueRange g, Grads &out) {
    // The images are data: gradients for the kernel and the bias only.
    // With the patches as rows, as the forward's lowering has them, this is
    // a linear layer's weight gradient.
    Location loc = op.getLoc();
    ArrayRef<int64_t> w = shapeOf(op.getWeight());
    Value cols = patchColumns(b, loc, op.getInput(), w[2]);
    Value dy = collapseLeading(b, loc, g[0]);
    out[1] = expand(b, loc, weightGradient(b, loc, dy, cols), w, {{0}, {1, 2, 3}});
    out[2] = sumRank2(b, loc, dy, 1);
    return success();
  }
};

/// Gradient of a token gather: scatter-add the kept tokens' gradients back
/// into a zero (N, L, D) tensor. `tokenOf(n, k)` gives the source token of
/// output row k as an index; rows are distinct, so plain writes suffice:
/// dx[n, l] = sum_k [tokenOf(n, k) == l] dkept[n, k] as a reduction over k.
Value scatterTokens(OpBuilder &b, Location loc, Value dkept, ArrayRef<int64_t> full,
                    function_ref<Value(OpBuilder &, Location, Value, Value)> tokenOf) {
  MLIRContext *ctx = b.getContext();
  int64_t kept = shapeOf(dkept)[1];
  // Loops (n, l, d, k).
  return generic(b, loc, dkept, filledTensor(b, loc, full, 0.0f),
                 {pick(ctx, 4, {0, 3, 2}), pick(ctx, 4, {0, 1, 2})}, iterators(3, 1),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value n = linalg::IndexOp::create(nb, l, 0);
                   Value token = linalg::IndexOp::create(nb, l, 1);
                   Value k = linalg::IndexOp::create(nb, l, 3);
                   Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                                     tokenOf(nb, l, n, k), token);
                   Value v = arith::SelectOp::create(nb, l, hit, a[0], f32Const(nb, l, 0.0f));
                   yield(nb, l, add(nb, l, a[1], v));
                 });
  (void)kept;
}

struct TimeFreqMaskingVjp {
  static LogicalResult build(TimeFreqMaskingOp op, OpBuilder &b, ValueRange g, Grads &out) {
    if (!g[0])
      return success();
    int64_t gridF = shapeOf(op.getNoiseF())[1];
    int64_t keptF = shapeOf(op.getKeepF())[1];
    Value keepT = op.getKeepT(), keepF = op.getKeepF();
    out[0] = scatterTokens(b, op.getLoc(), g[0], shapeOf(op.getInput()),
                           [&](OpBuilder &nb, Location l, Value n, Value k) {
                             Value a = arith::DivUIOp::create(nb, l, k, indexConst(nb, l, keptF));
                             Value c = arith::RemUIOp::create(nb, l, k, indexConst(nb, l, keptF));
                             Value t = asIndex(nb, l, tensor::ExtractOp::create(nb, l, keepT, ValueRange{n, a}));
                             Value f = asIndex(nb, l, tensor::ExtractOp::create(nb, l, keepF, ValueRange{n, c}));
                             return arith::AddIOp::create(
                                        nb, l, arith::MulIOp::create(nb, l, t, indexConst(nb, l, gridF)), f)
                                 .getResult();
                           });
    return success();
  }
};

struct RandomMaskingVjp {
  // Only the kept tokens vary with the input; the mask follows the noise.
  static bool differentiableResult(unsigned index) { return index == 0; }
  static LogicalResult build(RandomMaskingOp op, OpBuilder &b, ValueRange g, Grads &out) {
    if (!g[0])
      return success();
    Value keep = op.getIdsKeep();
    out[0] = scatterTokens(b, op.getLoc(), g[0], shapeOf(op.getInput()),
                           [&](OpBuilder &nb, Location l, Value n, Value k) {
                             return asIndex(nb, l, tensor::ExtractOp::create(nb, l, keep, ValueRange{n, k}));
                           });
    return success();
  }
};

struct MaskedMseLossVjp {
  static LogicalResult build(MaskedMseLossOp op, OpBuilder &b, ValueRange g, Grads &out) {
    // d/dpred = g * mask[n, l] * 2 (pred - t) / (P sum(mask)); t (the
    // possibly normalised target) is data and gets no gradient.
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getPred());
    int64_t p = s[2];
    AffineMap all = identity(ctx, 3), row = pick(ctx, 3, {0, 1});
    Value target = op.getTarget();
    if (op.getNormPix())
      target = normPixTarget(b, loc, target);
    AffineMap all2 = identity(ctx, 2), none2 = AffineMap::get(2, 0, {}, ctx);
    Value count = generic(b, loc, op.getMask(), filledTensor(b, loc, {}, 0.0f), {all2, none2}, iterators(0, 2),
                          [](OpBuilder &nb, Location lc, ValueRange a) { yield(nb, lc, add(nb, lc, a[0], a[1])); });
    AffineMap scalar = AffineMap::get(3, 0, {}, ctx);
    Value twoOverP = f32Const(b, loc, 2.0f / p);
    out[0] = generic(b, loc, {op.getPred(), target, op.getMask(), count, g[0]}, emptyTensor(b, loc, s),
                     {all, all, row, scalar, scalar, all}, iterators(3), [&](OpBuilder &nb, Location lc, ValueRange a) {
                       Value d = mul(nb, lc, sub(nb, lc, a[0], a[1]), twoOverP);
                       Value w = div(nb, lc, mul(nb, lc, a[2], a[4]), a[3]);
                       yield(nb, lc, mul(nb, lc, d, w));
                     });
    return success();
  }
};

struct UnshuffleVjp {
  static LogicalResult build(UnshuffleOp op, OpBuilder &b, ValueRange g, Grads &out) {
    // dvisible[n, k] = dfull at the position restored from k; dmask_token =
    // the sum of dfull over the masked positions.
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> vis = shapeOf(op.getVisible());
    int64_t kept = vis[1], d = vis[2];
    Value restore = op.getIdsRestore();
    // Loops (n, k, d, l).
    out[0] = generic(b, loc, {g[0], restore}, filledTensor(b, loc, vis, 0.0f),
                     {pick(ctx, 4, {0, 3, 2}), pick(ctx, 4, {0, 3}), pick(ctx, 4, {0, 1, 2})},
                     iterators(3, 1), [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value k = arith::IndexCastOp::create(nb, l, nb.getI64Type(), linalg::IndexOp::create(nb, l, 1));
                       Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[1], k);
                       yield(nb, l, add(nb, l, a[2], arith::SelectOp::create(nb, l, hit, a[0], f32Const(nb, l, 0.0f))));
                     });
    // Loops (d, n, l).
    Value token = generic(b, loc, {g[0], restore}, filledTensor(b, loc, {d}, 0.0f),
                          {pick(ctx, 3, {1, 2, 0}), pick(ctx, 3, {1, 2}), pick(ctx, 3, {0})},
                          iterators(1, 2), [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value masked = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, a[1],
                                                                 arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(kept)));
                            yield(nb, l, add(nb, l, a[2], arith::SelectOp::create(nb, l, masked, a[0], f32Const(nb, l, 0.0f))));
                          });
    out[1] = expand(b, loc, token, {1, 1, d}, {{0, 1, 2}});
    return success();
  }
};

struct WindowAttentionVjp {
  static LogicalResult build(WindowAttentionOp op, OpBuilder &b, ValueRange g, Grads &out) {
    auto grad = WindowAttentionGradOp::create(
        b, op.getLoc(), op.getQ(), op.getK(), op.getV(), op.getTau(), op.getPosBias(), g[0],
        op.getGridAttr(), op.getWindowAttr(), op.getShiftAttr());
    out[0] = grad.getDq();
    out[1] = grad.getDk();
    out[2] = grad.getDv();
    out[3] = grad.getDtau();
    out[4] = grad.getDposBias();
    return success();
  }
};

struct DropoutVjp {
  static LogicalResult build(DropoutOp op, OpBuilder &b, ValueRange g, Grads &out) {
    out[0] = dropElements(b, op.getLoc(), g[0], op.getSeed(), op.getFirstSample(),
                          op.getRate().convertToDouble(), op.getStream(), shapeOf(g[0]).size());
    return success();
  }
};

struct DropPathVjp {
  static LogicalResult build(DropPathOp op, OpBuilder &b, ValueRange g, Grads &out) {
    out[0] = dropElements(b, op.getLoc(), g[0], op.getSeed(), op.getFirstSample(),
                          op.getRate().convertToDouble(), op.getStream(), 1);
    return success();
  }
};

} // namespace

void registerVjpExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, AmaeDialect *) {
    LinearOp::attachInterface<Vjp<LinearOp, LinearVjp>>(*ctx);
    GeluOp::attachInterface<Vjp<GeluOp, GeluVjp>>(*ctx);
    ReluOp::attachInterface<Vjp<ReluOp, ReluVjp>>(*ctx);
    LayerNormOp::attachInterface<Vjp<LayerNormOp, LayerNormVjp>>(*ctx);
    AddPositionOp::attachInterface<Vjp<AddPositionOp, AddPositionVjp>>(*ctx);
    PrependTokenOp::attachInterface<Vjp<PrependTokenOp, PrependTokenVjp>>(*ctx);
    MergeHeadsOp::attachInterface<Vjp<MergeHeadsOp, MergeHeadsVjp>>(*ctx);
    SplitQkvOp::attachInterface<Vjp<SplitQkvOp, SplitQkvVjp>>(*ctx);
    AttentionOp::attachInterface<Vjp<AttentionOp, AttentionVjp>>(*ctx);
    MeanPoolOp::attachInterface<Vjp<MeanPoolOp, MeanPoolVjp>>(*ctx);
    BceWithLogitsLossOp::attachInterface<Vjp<BceWithLogitsLossOp, BceVjp>>(*ctx);
    PatchEmbedOp::attachInterface<Vjp<PatchEmbedOp, PatchEmbedVjp>>(*ctx);
    TimeFreqMaskingOp::attachInterface<Vjp<TimeFreqMaskingOp, TimeFreqMaskingVjp>>(*ctx);
    RandomMaskingOp::attachInterface<Vjp<RandomMaskingOp, RandomMaskingVjp>>(*ctx);
    MaskedMseLossOp::attachInterface<Vjp<MaskedMseLossOp, MaskedMseLossVjp>>(*ctx);
    UnshuffleOp::attachInterface<Vjp<UnshuffleOp, UnshuffleVjp>>(*ctx);
    WindowAttentionOp::attachInterface<Vjp<WindowAttentionOp, WindowAttentionVjp>>(*ctx);
    DropoutOp::attachInterface<Vjp<DropoutOp, DropoutVjp>>(*ctx);
    DropPathOp::attachInterface<Vjp<DropPathOp, DropPathVjp>>(*ctx);
  });
}

} // namespace mlir::amae
