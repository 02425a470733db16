//===- AttentionEmitter.h - Loop-nest builders of the attention kernels -*- C++ -*-===//
//
// amae-cuda-lower-attention writes each attention kernel as scf loops with
// scalar loads and stores: scf.parallel over the rows a thread owns, scf.for
// over what one thread walks. These are the builders the global attention
// (LowerAttention.cpp) and the shifted-window attention
// (WindowAttentionKernels.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CODEGEN_CUDA_TRANSFORMS_ATTENTIONEMITTER_H
#define AMAE_CODEGEN_CUDA_TRANSFORMS_ATTENTIONEMITTER_H

#include "dialects/Amae/AmaeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

namespace mlir::amae::cuda {

/// Builds the loops of one attention op at a builder's insertion point.
struct Emitter {
  OpBuilder &b;
  Location loc;
  Value zero, one, fzero, scale;

  Emitter(OpBuilder &b, Location loc, float s) : b(b), loc(loc) {
    zero = arith::ConstantIndexOp::create(b, loc, 0);
    one = arith::ConstantIndexOp::create(b, loc, 1);
    fzero = f32(0.0f);
    scale = f32(s);
  }

  Value f32(float x) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(x));
  }
  Value index(int64_t x) { return arith::ConstantIndexOp::create(b, loc, x); }
  Value dim(Value buffer, int64_t d) { return memref::DimOp::create(b, loc, buffer, d); }
  Value load(Value buffer, ValueRange at) { return memref::LoadOp::create(b, loc, buffer, at); }
  void store(Value v, Value buffer, ValueRange at) {
    memref::StoreOp::create(b, loc, v, buffer, at);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  /// x if `pred(lhs, rhs)` else `otherwise`.
  Value selectIf(arith::CmpFPredicate pred, Value lhs, Value rhs, Value x, Value otherwise) {
    Value c = arith::CmpFOp::create(b, loc, pred, lhs, rhs);
    return arith::SelectOp::create(b, loc, c, x, otherwise);
  }

  /// for i in [0, n): body(i), a loop carrying `init` when given.
  ValueRange loop(Value n, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto f = scf::ForOp::create(b, loc, zero, n, one, init,
                                [&](OpBuilder &nested, Location, Value i, ValueRange carried) {
                                  OpBuilder::InsertionGuard guard(b);
                                  b.setInsertionPointToStart(nested.getInsertionBlock());
                                  scf::YieldOp::create(b, loc, body(i, carried));
                                });
    return f.getResults();
  }

  /// sum over d < `width` of body(d), in order.
  Value sum(Value width, function_ref<Value(Value)> term) {
    return loop(width, fzero, [&](Value d, ValueRange acc) -> SmallVector<Value> {
      return {add(acc[0], term(d))};
    })[0];
  }

  /// sum over d of x[n, h, r, d] * y[n, h, c, d].
  Value dot(Value x, Value y, Value n, Value h, Value r, Value c) {
    return sum(dim(x, 3), [&](Value d) { return mul(load(x, {n, h, r, d}), load(y, {n, h, c, d})); });
  }

  /// row[n, h, r, :] = 0.
  void zeroRow(Value row, Value n, Value h, Value r) {
    loop(dim(row, 3), {}, [&](Value e, ValueRange) -> SmallVector<Value> {
      store(fzero, row, {n, h, r, e});
      return {};
    });
  }

  /// row[n, h, r, :] = f(row[n, h, r, :], d) elementwise.
  void updateRow(Value row, Value n, Value h, Value r, function_ref<Value(Value, Value)> f) {
    loop(dim(row, 3), {}, [&](Value d, ValueRange) -> SmallVector<Value> {
      store(f(load(row, {n, h, r, d}), d), row, {n, h, r, d});
      return {};
    });
  }

  /// The running max and sum of exp(score(j) - max) over j < `count`;
  /// `each(j, rescale, p)` sees the factor the earlier terms are rescaled by
  /// and key j's own term.
  std::pair<Value, Value> onlineSoftmax(Value count, function_ref<Value(Value)> score,
                                        function_ref<void(Value, Value, Value)> each) {
    // The lowest float, not -inf: exp(lowest - s) is 0 where exp(-inf - s)
    // would go through the polynomial as NaN.
    Value lowest = f32(std::numeric_limits<float>::lowest());
    ValueRange ml = loop(count, {lowest, fzero}, [&](Value j, ValueRange c) {
      Value s = score(j);
      Value m = max(c[0], s);
      Value rescale = exp(sub(c[0], m)), p = exp(sub(s, m));
      if (each)
        each(j, rescale, p);
      return SmallVector<Value>{m, add(mul(c[1], rescale), p)};
    });
    return {ml[0], ml[1]};
  }

  /// scf.parallel over [0, bounds): body(ivs), one iteration per thread.
  void parallel(ValueRange bounds, function_ref<void(ValueRange)> body) {
    SmallVector<Value> zeros(bounds.size(), zero), ones(bounds.size(), one);
    scf::ParallelOp::create(b, loc, zeros, bounds, ones,
                            [&](OpBuilder &nested, Location, ValueRange ivs) {
                              OpBuilder::InsertionGuard guard(b);
                              b.setInsertionPointToStart(nested.getInsertionBlock());
                              body(ivs);
                            });
  }

  /// scf.parallel over [N, H, rows) of `buffer`'s first three dimensions.
  void parallel(Value buffer, function_ref<void(Value, Value, Value)> body) {
    parallel(ValueRange{dim(buffer, 0), dim(buffer, 1), dim(buffer, 2)},
             [&](ValueRange ivs) { body(ivs[0], ivs[1], ivs[2]); });
  }
};

/// The kernels of amae.fused_window_attention and its backward
/// (WindowAttentionKernels.cpp), emitted at `e`'s insertion point; `scratch`
/// are the buffers `windowScratchTypes` lists, allocated by the caller.
SmallVector<MemRefType> windowScratchTypes(Operation *op);
void emitWindowForward(Emitter &e, FusedWindowAttentionOp op, ValueRange scratch);
void emitWindowBackward(Emitter &e, FusedWindowAttentionGradOp op, ValueRange scratch);

} // namespace mlir::amae::cuda

#endif // AMAE_CODEGEN_CUDA_TRANSFORMS_ATTENTIONEMITTER_H
