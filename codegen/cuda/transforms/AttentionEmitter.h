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

#include <algorithm>
#include <limits>

namespace mlir::amae::cuda {

/// The last dimension of a rank-4 buffer: the head width (static; the pass
/// checks).
inline int64_t width(Value buffer) { return cast<MemRefType>(buffer.getType()).getDimSize(3); }

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

  /// Row (n, h, r, :) of a rank-4 buffer with a static last dimension:
  /// held in registers (loaded once, for a row a thread reads at every step
  /// of its walk: on the GPU the loads would otherwise repeat per key) or
  /// read where used. Either way element d is read in the same order.
  struct Row {
    Emitter *e;
    Value buffer;
    SmallVector<Value, 3> at;
    SmallVector<Value> registers;
    int64_t width() const { return cuda::width(buffer); }
    Value operator[](int64_t d) const {
      if (!registers.empty())
        return registers[d];
      return e->load(buffer, {at[0], at[1], at[2], e->index(d)});
    }
  };
  Row row(Value buffer, ValueRange nhr, bool inRegisters) {
    Row r{this, buffer, SmallVector<Value, 3>(nhr), {}};
    // Loaded through r[d] while r.registers is still empty.
    SmallVector<Value> loaded;
    if (inRegisters)
      for (int64_t d = 0, w = r.width(); d < w; ++d)
        loaded.push_back(r[d]);
    r.registers = std::move(loaded);
    return r;
  }
  /// sum over d of x[d] * y[d], in order, unrolled.
  Value dot(const Row &x, const Row &y) {
    Value acc = fzero;
    for (int64_t d = 0, w = x.width(); d < w; ++d)
      acc = add(acc, mul(x[d], y[d]));
    return acc;
  }

  /// The chunks [c0, c0 + w) of `columns` that a walk accumulates in
  /// registers at once, `chunk` wide: a thread's accumulators stay in
  /// registers for the whole walk instead of a load and a store per step.
  static SmallVector<std::pair<int64_t, int64_t>> chunks(int64_t columns, int64_t chunk) {
    SmallVector<std::pair<int64_t, int64_t>> out;
    for (int64_t c0 = 0; c0 < columns; c0 += chunk)
      out.push_back({c0, std::min(chunk, columns - c0)});
    return out;
  }

  /// out(c, sum over r < count of a(r) * source(r, c)) for each column
  /// c < columns, summed in order of r, `chunk` columns per walk over r;
  /// `term(r)` = {a(r), t(r)}. With `extra`, each walk also sums t(r),
  /// handed to `out` as its third argument (else t is ignored and null).
  void accumulate(Value count, int64_t columns, int64_t chunk,
                  function_ref<std::pair<Value, Value>(Value)> term,
                  function_ref<Value(Value, int64_t)> source,
                  function_ref<void(int64_t, Value, Value)> out, bool extra) {
    for (auto [chunkStart, chunkWidth] : chunks(columns, chunk)) {
      int64_t c0 = chunkStart, w = chunkWidth, first = extra ? 1 : 0;
      ValueRange acc =
          loop(count, SmallVector<Value>(w + first, fzero), [&](Value r, ValueRange c) {
            auto [a, t] = term(r);
            SmallVector<Value> next;
            if (extra)
              next.push_back(add(c[0], t));
            for (int64_t x = 0; x < w; ++x)
              next.push_back(add(c[first + x], mul(a, source(r, c0 + x))));
            return next;
          });
      for (int64_t x = 0; x < w; ++x)
        out(c0 + x, acc[first + x], extra ? acc[0] : Value());
    }
  }
  void accumulate(Value count, int64_t columns, int64_t chunk,
                  function_ref<Value(Value)> coefficient,
                  function_ref<Value(Value, int64_t)> source,
                  function_ref<void(int64_t, Value)> out) {
    accumulate(
        count, columns, chunk,
        [&](Value r) { return std::make_pair(coefficient(r), Value()); }, source,
        [&](int64_t c, Value x, Value) { out(c, x); }, /*extra=*/false);
  }

  /// One walk over j < count with an online softmax: {m, l, acc...}, the
  /// running max m of logit(j), the sum l of exp(logit(j) - m), and for
  /// each column c in [c0, c0 + w) the sum of exp(logit(j) - m) value(j, c),
  /// the sums rescaled by exp(m_old - m_new) as the max grows.
  ValueRange softmaxWalk(Value count, function_ref<Value(Value)> logit, int64_t c0,
                         int64_t w, function_ref<Value(Value, int64_t)> value) {
    // The lowest float, not -inf: exp(lowest - s) is 0 where exp(-inf - s)
    // would go through the polynomial as NaN.
    SmallVector<Value> init = {f32(std::numeric_limits<float>::lowest()), fzero};
    init.append(w, fzero);
    return loop(count, init, [&](Value j, ValueRange c) {
      Value s = logit(j);
      Value m = max(c[0], s);
      Value rescale = exp(sub(c[0], m)), p = exp(sub(s, m));
      SmallVector<Value> next = {m, add(mul(c[1], rescale), p)};
      for (int64_t x = 0; x < w; ++x)
        next.push_back(add(mul(c[2 + x], rescale), mul(p, value(j, c0 + x))));
      return next;
    });
  }

  /// The running max and sum of exp(score(j) - max) over j < `count`.
  std::pair<Value, Value> onlineSoftmax(Value count, function_ref<Value(Value)> score) {
    ValueRange ml = softmaxWalk(count, score, 0, 0, nullptr);
    return {ml[0], ml[1]};
  }

  /// out(c, sum over j of softmax(logit)_j value(j, c)) for each column
  /// c < columns: the accumulators divided by the sum at the end, `chunk`
  /// columns per walk over j < count (each walk recomputes the same max and
  /// sum).
  void softmaxRows(Value count, int64_t columns, int64_t chunk,
                   function_ref<Value(Value)> logit, function_ref<Value(Value, int64_t)> value,
                   function_ref<void(int64_t, Value)> out) {
    for (auto [chunkStart, chunkWidth] : chunks(columns, chunk)) {
      int64_t c0 = chunkStart, w = chunkWidth;
      ValueRange acc = softmaxWalk(count, logit, c0, w, value);
      for (int64_t x = 0; x < w; ++x)
        out(c0 + x, div(acc[2 + x], acc[1]));
    }
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
/// `registerWidth` as amae-cuda-lower-attention's register-width.
void emitWindowForward(Emitter &e, FusedWindowAttentionOp op, ValueRange scratch,
                       int64_t registerWidth);
void emitWindowBackward(Emitter &e, FusedWindowAttentionGradOp op, ValueRange scratch,
                        int64_t registerWidth);

} // namespace mlir::amae::cuda

#endif // AMAE_CODEGEN_CUDA_TRANSFORMS_ATTENTIONEMITTER_H
