//===- LoweringUtils.h - Building blocks of the amae lowerings --*- C++ -*-===//

#ifndef AMAE_PASSES_LOWERING_LOWERINGUTILS_H
#define AMAE_PASSES_LOWERING_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::amae {

using BodyBuilder = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// `tensor.empty` of f32 (or `element`).
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element = {});
/// A tensor of `shape` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   float value);
/// A zero tensor of `shape` and any element type (accumulators of f64 sums,
/// i64 counts).
Value zeroTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element);
/// An f32 constant.
Value f32Const(OpBuilder &b, Location loc, float value);
Value indexConst(OpBuilder &b, Location loc, int64_t value);
/// An integer (an i64 token id or length) as an index.
Value asIndex(OpBuilder &b, Location loc, Value integer);

/// Scalar float arithmetic for generic bodies.
inline Value add(OpBuilder &b, Location l, Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
inline Value sub(OpBuilder &b, Location l, Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
inline Value mul(OpBuilder &b, Location l, Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
inline Value div(OpBuilder &b, Location l, Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }
inline void yield(OpBuilder &b, Location l, Value v) { linalg::YieldOp::create(b, l, v); }

/// `fn` applied element by element to same-shaped f32 tensors.
Value elementwise(OpBuilder &b, Location loc, ValueRange xs,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> fn);

/// One `linalg.generic` with one result written into `init`.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators,
              BodyBuilder body);

/// Maps over `rank` loops picking `dims` (in order).
AffineMap pick(MLIRContext *ctx, unsigned rank, ArrayRef<unsigned> dims);
/// The identity map of `rank` loops.
AffineMap identity(MLIRContext *ctx, unsigned rank);
SmallVector<utils::IteratorType> iterators(unsigned parallel, unsigned reduction = 0);

/// Collapses a (..., K) tensor to (R, K) and back.
Value collapseLeading(OpBuilder &b, Location loc, Value x);
Value expandLeading(OpBuilder &b, Location loc, Value x2d, ArrayRef<int64_t> shape);
/// `tensor.collapse_shape` / `expand_shape` with explicit groups.
Value collapse(OpBuilder &b, Location loc, Value x,
               ArrayRef<ReassociationIndices> groups);
Value expand(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> shape,
             ArrayRef<ReassociationIndices> groups);
/// `linalg.transpose`.
Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm);
/// `source` written into `dest` at `offsets` (tensor.insert_slice, unit strides).
Value insert(OpBuilder &b, Location loc, Value source, Value dest, ArrayRef<int64_t> offsets);
/// A static slice [offsets, offsets + sizes) with unit strides, rank-reduced
/// to `resultShape` when that has fewer dimensions.
Value slice(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> offsets,
            ArrayRef<int64_t> sizes);

/// The stride-p patches of images (N, C, H, W) as rows (N * H/p * W/p,
/// C * p * p), in the order of a (D, C, p, p) convolution kernel's columns.
Value patchColumns(OpBuilder &b, Location loc, Value images, int64_t p);

/// out[r, m] = sum_k x[r, k] w[m, k] (+ bias[m]): the torch.nn.Linear layout.
/// x2d weight^T, starting from the broadcast bias; with `biasAfter`, from
/// zero and without the bias, which the caller adds (addBiasLastDim) after
/// its reshapes, where fusion can fold it into the next elementwise op.
Value linearRows(OpBuilder &b, Location loc, Value x2d, Value weight, Value bias,
                 bool biasAfter = false);
/// y + bias, the bias broadcast along all but the last dimension.
Value addBiasLastDim(OpBuilder &b, Location loc, Value y, Value bias);

/// out[b..., x, y] = sum_r lhs[b..., lhsTail] * rhs[b..., rhsTail] over loops
/// (b..., x, y, r); the tails name two of x = 0, y = 1, r = 2 for the last two
/// dims of each operand.
Value batchedContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         ArrayRef<int64_t> outShape, std::array<unsigned, 2> lhsTail,
                         std::array<unsigned, 2> rhsTail);
/// probs v: (..., i, j) x (..., j, e) -> (..., i, e).
Value weightedSum(OpBuilder &b, Location loc, Value probs, Value v);
/// q k^T over the last dims: (..., i, e) x (..., j, e) -> (..., i, j).
Value dotProducts(OpBuilder &b, Location loc, Value q, Value k);

/// Softmax over the last dimension, as torch: exp(x - max) / sum.
Value softmaxLastDim(OpBuilder &b, Location loc, Value x);

/// Inverted dropout of `x`: element kept when uniform(seed, stream, index)
/// >= rate and scaled by 1 / (1 - rate), where the index counts over the
/// first `indexRank` dims (the rank for dropout, 1 for per-sample
/// drop-path), the leading one offset by `firstSample` when non-null. A
/// pure function of its inputs, so the backward applies the same mask to
/// the gradient.
Value dropElements(OpBuilder &b, Location loc, Value x, Value seed, Value firstSample,
                   double rate, int64_t stream, unsigned indexRank);

/// The norm_pix target of the MAE loss: each patch (last dim) normalised by
/// its mean and sqrt(unbiased var + 1e-6).
Value normPixTarget(OpBuilder &b, Location loc, Value target);

/// Static shape of a ranked tensor value.
ArrayRef<int64_t> shapeOf(Value v);

//===----------------------------------------------------------------------===//
// Pattern families
//===----------------------------------------------------------------------===//

/// With `biasEpilogue`, a linear's bias is added after its matmul (which
/// then starts from zero) instead of being the matmul's initial value.
void populateLowerLayerOpsPatterns(RewritePatternSet &patterns, bool biasEpilogue);
/// With `fusedAttention`, amae.attention becomes amae.fused_attention (a
/// target's kernel) instead of contractions around a softmax.
void populateLowerAttentionOpsPatterns(RewritePatternSet &patterns, bool fusedAttention,
                                       bool fusedWindowAttention);
void populateLowerPatchOpsPatterns(RewritePatternSet &patterns, bool biasEpilogue);
void populateLowerMaskingOpsPatterns(RewritePatternSet &patterns);
void populateLowerLossOpsPatterns(RewritePatternSet &patterns);
void populateLowerOptimizerOpsPatterns(RewritePatternSet &patterns);
void populateLowerAudioOpsPatterns(RewritePatternSet &patterns);

} // namespace mlir::amae

#endif // AMAE_PASSES_LOWERING_LOWERINGUTILS_H
