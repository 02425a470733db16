//===- WindowGeometry.h - Index maps of shifted-window attention -*- C++ -*-===//
//
// Window attention is computed in window order (N, H, nW, P, E) gathered
// straight from token order (N, H, L, E), the cyclic shift folded into the
// index arithmetic. The forward lowering and the VJP share these maps.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_PASSES_LOWERING_WINDOWGEOMETRY_H
#define AMAE_PASSES_LOWERING_WINDOWGEOMETRY_H

#include "dialects/Amae/AmaeOps.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::amae {

using IndexFn = function_ref<SmallVector<Value>(OpBuilder &, Location, ArrayRef<Value>)>;

/// result[idx] = source[indexFn(idx)] for every index of `resultShape`.
inline Value gather(OpBuilder &b, Location loc, Value source, ArrayRef<int64_t> resultShape,
             IndexFn indexFn) {
  unsigned rank = resultShape.size();
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, ValueRange{}, emptyTensor(b, loc, resultShape),
                 {identity(ctx, rank)}, iterators(rank),
                 [&](OpBuilder &nb, Location l, ValueRange) {
                   SmallVector<Value> idx;
                   for (unsigned d = 0; d < rank; ++d)
                     idx.push_back(linalg::IndexOp::create(nb, l, d));
                   SmallVector<Value> src = indexFn(nb, l, idx);
                   linalg::YieldOp::create(
                       nb, l, tensor::ExtractOp::create(nb, l, source, src).getResult());
                 });
}

/// Index arithmetic helpers (operands are `index` values).
struct IndexMath {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return indexConst(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, c(y)); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, loc, x, c(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, loc, x, c(y)); }
  /// (x + k) mod m for a constant k that may be negative.
  Value addMod(Value x, int64_t k, int64_t m) {
    int64_t kk = ((k % m) + m) % m;
    return kk == 0 ? x : rem(add(x, c(kk)), m);
  }
};


/// The window geometry of a window attention op.
struct Windows {
  int64_t gridT, gridF, wt, wf, st, sf;
  int64_t perRow() const { return gridF / wf; }
  int64_t count() const { return (gridT / wt) * (gridF / wf); }
  int64_t size() const { return wt * wf; }

  /// Token (in original order) at position `i` of window `w`: the window is
  /// cut from the grid rolled by (-st, -sf).
  Value token(IndexMath &m, Value w, Value i) const {
    Value r = m.add(m.mul(m.div(w, perRow()), wt), m.div(i, wf));
    Value c = m.add(m.mul(m.rem(w, perRow()), wf), m.rem(i, wf));
    return m.add(m.mul(m.addMod(r, st, gridT), gridF), m.addMod(c, sf, gridF));
  }
  /// Window and position of original token `l` (the inverse roll).
  std::pair<Value, Value> window(IndexMath &m, Value l) const {
    Value r = m.addMod(m.div(l, gridF), -st, gridT);
    Value c = m.addMod(m.rem(l, gridF), -sf, gridF);
    Value w = m.add(m.mul(m.div(r, wt), perRow()), m.div(c, wf));
    Value i = m.add(m.mul(m.rem(r, wt), wf), m.rem(c, wf));
    return {w, i};
  }
};

/// Of a window attention op or its backward.
template <typename OpT> Windows windowsOf(OpT op) {
  return Windows{op.getGrid()[0],   op.getGrid()[1],  op.getWindow()[0],
                 op.getWindow()[1], op.getShift()[0], op.getShift()[1]};
}

/// (N, H, L, E) in token order -> (N, H, nW, P, E) in window order.
inline Value toWindowOrder(OpBuilder &b, Location loc, Value x, const Windows &win) {
  ArrayRef<int64_t> s = shapeOf(x);
  return gather(b, loc, x, {s[0], s[1], win.count(), win.size(), s[3]},
                [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) {
                  IndexMath m{nb, l};
                  return SmallVector<Value>{idx[0], idx[1], win.token(m, idx[2], idx[3]), idx[4]};
                });
}

/// (N, H, nW, P, E) in window order -> (N, H, L, E) in token order.
inline Value toTokenOrder(OpBuilder &b, Location loc, Value xw, const Windows &win) {
  ArrayRef<int64_t> s = shapeOf(xw);
  return gather(b, loc, xw, {s[0], s[1], win.gridT * win.gridF, s[4]},
                [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) {
                  IndexMath m{nb, l};
                  auto [w, i] = win.window(m, idx[2]);
                  return SmallVector<Value>{idx[0], idx[1], w, i, idx[3]};
                });
}

} // namespace mlir::amae

#endif // AMAE_PASSES_LOWERING_WINDOWGEOMETRY_H
