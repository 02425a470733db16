//===- WindowAttentionKernels.cpp - Shifted-window attention as loops -----===//
//
// amae.fused_window_attention and its backward for amae-cuda-lower-attention:
// one thread per query (or key) row of a window, the logits of the row made
// in registers as the official model makes them,
//   cosine(q_i, k_j) / max(tau, 0.01) + bias[i P + j] + mask(w, i, j),
// with the window partition and cyclic shift as index arithmetic
// (WindowGeometry.h, as the linalg lowering) and the shift mask from the
// positions' regions instead of a table. Nothing of the [N, H, nW, P, P]
// logits is ever stored: the backward keeps per-row statistics (norms,
// log-sum-exp, D = sum_j p dp) and recomputes p where it needs it.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/AttentionEmitter.h"
#include "passes/lowering/WindowGeometry.h"

namespace mlir::amae::cuda {
namespace {

/// A position of a window: its token (in token order), the norm of that
/// token's q (or k), its region label, for the shift mask, and the q (or k)
/// row itself.
struct Position {
  Value index, token, norm, label;
  Emitter::Row x;
};

/// The terms of one logit that the backward's formulas reuse.
struct Logit {
  Value logit, dot, prod, denom, cosine;
};

/// Builds one window attention op's kernels.
struct WindowKernels {
  Emitter &e;
  Windows win;
  Value q, k, v, tau, bias;
  Value qNorm, kNorm; // [N, H, L] scratch
  Value eps, tauMin, masked;

  template <typename OpT>
  WindowKernels(Emitter &e, OpT op, ValueRange scratch)
      : e(e), win(windowsOf(op)), q(op.getQ()), k(op.getK()), v(op.getV()), tau(op.getTau()),
        bias(op.getPosBias()), qNorm(scratch[0]), kNorm(scratch[1]) {
    eps = e.f32(1e-6f);
    tauMin = e.f32(0.01f);
    masked = e.f32(-100.0f);
  }

  IndexMath math() { return IndexMath{e.b, e.loc}; }
  Value count() { return e.index(win.count()); }
  Value size() { return e.index(win.size()); }

  /// The region of grid coordinate `pos` along an axis of `extent`, as
  /// math::shiftMask labels it: 0 before the last window, then 1 and 2 on
  /// either side of the shift (all 0 without a shift).
  Value region(Value pos, int64_t extent, int64_t window, int64_t shift) {
    if (shift == 0)
      return e.index(0);
    auto below = [&](int64_t bound) {
      return arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::ult, pos, e.index(bound));
    };
    Value outer = arith::SelectOp::create(e.b, e.loc, below(extent - shift), e.index(1),
                                          e.index(2));
    return arith::SelectOp::create(e.b, e.loc, below(extent - window), e.index(0), outer);
  }

  /// Position `i` of window `w`, with `norms` the [N, H, L] norms of its
  /// side; its row in registers when asked (a row a walk reads at every
  /// step).
  Position at(Value norms, Value n, Value h, Value w, Value i, bool inRegisters = false) {
    IndexMath m = math();
    Value t = m.add(m.mul(m.div(w, win.perRow()), win.wt), m.div(i, win.wf));
    Value f = m.add(m.mul(m.rem(w, win.perRow()), win.wf), m.rem(i, win.wf));
    Value label = m.add(m.mul(region(t, win.gridT, win.wt, win.st), 3),
                        region(f, win.gridF, win.wf, win.sf));
    Value token = win.token(m, w, i);
    Value rows = norms == qNorm ? q : k;
    return {i, token, e.load(norms, {n, h, token}), label, e.row(rows, {n, h, token}, inRegisters)};
  }

  /// The token of position `i` of window `w`.
  Value tokenOf(Value w, Value i) {
    IndexMath m = math();
    return win.token(m, w, i);
  }

  /// dout[n, h, r] . v[n, h, c]: dp of the pair.
  Value dp(Value dout, Value n, Value h, const Position &r, const Position &c) {
    return e.dot(e.row(dout, {n, h, r.token}, false), e.row(v, {n, h, c.token}, false));
  }

  /// max(tau[h], 0.01).
  Value temperature(Value h) { return e.max(e.load(tau, {h}), tauMin); }

  /// The logit of query position `r` and key position `c`, in the official
  /// order of operations (the linalg lowering's).
  Logit logit(Value n, Value h, const Position &r, const Position &c, Value t) {
    Logit l;
    l.dot = e.dot(r.x, c.x);
    l.prod = e.mul(r.norm, c.norm);
    l.denom = e.max(l.prod, eps);
    l.cosine = e.div(l.dot, l.denom);
    IndexMath m = math();
    Value pair = m.add(m.mul(r.index, win.size()), c.index);
    Value biased = e.add(e.div(l.cosine, t), e.load(bias, {pair, h}));
    Value same =
        arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::eq, r.label, c.label);
    l.logit = e.add(biased, arith::SelectOp::create(e.b, e.loc, same, e.fzero, masked));
    return l;
  }

  /// norms[n, h, l] = |x[n, h, l, :]| for q and k, one launch.
  void norms() {
    e.parallel(qNorm, [&](Value n, Value h, Value l) {
      for (std::pair<Value, Value> side : {std::pair(q, qNorm), std::pair(k, kNorm)}) {
        Value x = side.first, norms = side.second;
        Value sq = e.sum(e.dim(x, 3), [&](Value d) {
          Value xd = e.load(x, {n, h, l, d});
          return e.mul(xd, xd);
        });
        e.store(math::SqrtOp::create(e.b, e.loc, sq), norms, {n, h, l});
      }
    });
  }

  /// One iteration per (batch, head, window, position).
  void perPosition(Value buffer, function_ref<void(Value, Value, Value, Value)> body) {
    e.parallel(ValueRange{e.dim(buffer, 0), e.dim(buffer, 1), count(), size()},
               [&](ValueRange ivs) { body(ivs[0], ivs[1], ivs[2], ivs[3]); });
  }

  /// dnorm x_d / |x| (0 where the norm is): the gradient through the norm
  /// of a cosine's operand x (p's row), added to column d.
  Value normTerm(const Position &p, int64_t d, Value dnorm) {
    Value term = e.div(e.mul(dnorm, p.x[d]), p.norm);
    return e.selectIf(arith::CmpFPredicate::OGT, p.norm, e.fzero, term, e.fzero);
  }
};

/// The backward's per-pair terms from a logit and the row statistics.
struct PairGrad {
  Value p, dlogit, dcos, dm;
};

PairGrad pairGrad(WindowKernels &w, const Logit &l, Value lse, Value rowDot, Value dp,
                  Value t) {
  Emitter &e = w.e;
  PairGrad g;
  g.p = e.exp(e.sub(l.logit, lse));
  g.dlogit = e.mul(g.p, e.sub(dp, rowDot));
  // cosine = dot / max(|q||k|, eps): through the division, and through the
  // norms where the clamp is not active.
  g.dcos = e.div(e.div(g.dlogit, t), l.denom);
  Value dm = arith::NegFOp::create(e.b, e.loc, e.div(e.mul(g.dcos, l.dot), l.prod));
  g.dm = e.selectIf(arith::CmpFPredicate::OGT, l.prod, w.eps, dm, e.fzero);
  return g;
}

} // namespace

SmallVector<MemRefType> windowScratchTypes(Operation *op) {
  auto q = cast<MemRefType>(op->getOperand(0).getType());
  auto f32 = Float32Type::get(op->getContext());
  auto rows = MemRefType::get(q.getShape().take_front(3), f32);
  if (isa<FusedWindowAttentionOp>(op))
    return {rows, rows};
  // Norms, log-sum-exp, D, and tau's partial sums per (head, i, j).
  auto grad = cast<FusedWindowAttentionGradOp>(op);
  int64_t p = grad.getWindow()[0] * grad.getWindow()[1];
  return {rows, rows, rows, rows, MemRefType::get({q.getShape()[1], p, p}, f32)};
}

void emitWindowForward(Emitter &e, FusedWindowAttentionOp op, ValueRange scratch,
                       int64_t registerWidth) {
  WindowKernels w(e, op, scratch);
  Value out = op.getInit();
  w.norms();
  w.perPosition(out, [&](Value n, Value h, Value win, Value i) {
    Position r = w.at(w.qNorm, n, h, win, i, width(w.q) <= registerWidth);
    Value t = w.temperature(h);
    e.softmaxRows(
        w.size(), width(out), registerWidth,
        [&](Value j) { return w.logit(n, h, r, w.at(w.kNorm, n, h, win, j), t).logit; },
        [&](Value j, int64_t x) {
          return e.load(w.v, {n, h, w.tokenOf(win, j), e.index(x)});
        },
        [&](int64_t x, Value y) { e.store(y, out, {n, h, r.token, e.index(x)}); });
  });
}

void emitWindowBackward(Emitter &e, FusedWindowAttentionGradOp op, ValueRange scratch,
                        int64_t registerWidth) {
  WindowKernels w(e, op, scratch);
  Value dout = op.getDout(), dq = op.getDqInit(), dk = op.getDkInit(), dv = op.getDvInit();
  Value lse = scratch[2], rowDot = scratch[3], tauParts = scratch[4];
  w.norms();

  // Query rows: log-sum-exp and D, then dq (and the norm's share of it).
  // As for global attention (LowerAttention.cpp): dq and dk accumulate
  // half the register width at a time, their walks holding two rows.
  int64_t halfWidth = std::max<int64_t>(1, registerWidth / 2);
  w.perPosition(dq, [&](Value n, Value h, Value win, Value i) {
    Position r = w.at(w.qNorm, n, h, win, i, width(w.q) <= registerWidth);
    Value t = w.temperature(h);
    auto key = [&](Value j) { return w.at(w.kNorm, n, h, win, j); };
    auto [m, l] =
        e.onlineSoftmax(w.size(), [&](Value j) { return w.logit(n, h, r, key(j), t).logit; });
    Value rowLse = e.add(m, math::LogOp::create(e.b, e.loc, l));
    Value rowD = e.sum(w.size(), [&](Value j) {
      Position c = key(j);
      Value p = e.exp(e.sub(w.logit(n, h, r, c, t).logit, rowLse));
      return e.mul(p, w.dp(dout, n, h, r, c));
    });
    e.store(rowLse, lse, {n, h, r.token});
    e.store(rowD, rowDot, {n, h, r.token});
    e.accumulate(
        w.size(), width(dq), halfWidth,
        [&](Value j) {
          Position c = key(j);
          Logit lg = w.logit(n, h, r, c, t);
          PairGrad g = pairGrad(w, lg, rowLse, rowD, w.dp(dout, n, h, r, c), t);
          return std::make_pair(g.dcos, e.mul(g.dm, c.norm));
        },
        [&](Value j, int64_t d) {
          return e.load(w.k, {n, h, w.tokenOf(win, j), e.index(d)});
        },
        [&](int64_t d, Value acc, Value dnorm) {
          e.store(e.add(acc, w.normTerm(r, d, dnorm)), dq, {n, h, r.token, e.index(d)});
        },
        /*extra=*/true);
  });

  // Key rows: dv, then dk (and the norm's share of it), over the window's
  // query rows, in walks of their own.
  w.perPosition(dk, [&](Value n, Value h, Value win, Value j) {
    Position c = w.at(w.kNorm, n, h, win, j);
    Value t = w.temperature(h);
    auto pair = [&](const Position &r) {
      Logit lg = w.logit(n, h, r, c, t);
      return pairGrad(w, lg, e.load(lse, {n, h, r.token}), e.load(rowDot, {n, h, r.token}),
                      w.dp(dout, n, h, r, c), t);
    };
    auto query = [&](Value i) { return w.at(w.qNorm, n, h, win, i); };
    e.accumulate(
        w.size(), width(dv), registerWidth, [&](Value i) { return pair(query(i)).p; },
        [&](Value i, int64_t x) {
          return e.load(dout, {n, h, w.tokenOf(win, i), e.index(x)});
        },
        [&](int64_t x, Value y) { e.store(y, dv, {n, h, c.token, e.index(x)}); });
    e.accumulate(
        w.size(), width(dk), halfWidth,
        [&](Value i) {
          Position r = query(i);
          PairGrad g = pair(r);
          return std::make_pair(g.dcos, e.mul(g.dm, r.norm));
        },
        [&](Value i, int64_t d) {
          return e.load(w.q, {n, h, w.tokenOf(win, i), e.index(d)});
        },
        [&](int64_t d, Value acc, Value dnorm) {
          e.store(e.add(acc, w.normTerm(c, d, dnorm)), dk, {n, h, c.token, e.index(d)});
        },
        /*extra=*/true);
  });

  // The position bias and tau: sums over batch and windows, one iteration
  // per (head, i, j); tau's partial sums are then added per head.
  Value batch = e.dim(dq, 0), heads = e.dim(dq, 1);
  e.parallel(ValueRange{heads, w.size(), w.size()}, [&](ValueRange ivs) {
    Value h = ivs[0], i = ivs[1], j = ivs[2];
    Value t = w.temperature(h);
    Value clampFree = arith::CmpFOp::create(e.b, e.loc, arith::CmpFPredicate::OGT,
                                            e.load(w.tau, {h}), w.tauMin);
    ValueRange sums = e.loop(batch, {e.fzero, e.fzero}, [&](Value n, ValueRange outer) {
      return SmallVector<Value>(e.loop(w.count(), outer, [&](Value win, ValueRange acc) {
        Position r = w.at(w.qNorm, n, h, win, i), c = w.at(w.kNorm, n, h, win, j);
        Logit lg = w.logit(n, h, r, c, t);
        PairGrad g = pairGrad(w, lg, e.load(lse, {n, h, r.token}),
                              e.load(rowDot, {n, h, r.token}),
                              w.dp(dout, n, h, r, c), t);
        // d(c / t)/dt = -c / t^2 where tau is not clamped.
        Value dt = arith::NegFOp::create(e.b, e.loc,
                                         e.div(e.mul(g.dlogit, lg.cosine), e.mul(t, t)));
        dt = arith::SelectOp::create(e.b, e.loc, clampFree, dt, e.fzero);
        return SmallVector<Value>{e.add(acc[0], g.dlogit), e.add(acc[1], dt)};
      }));
    });
    IndexMath m = w.math();
    e.store(sums[0], op.getDbiasInit(), {m.add(m.mul(i, w.win.size()), j), h});
    e.store(sums[1], tauParts, {h, i, j});
  });
  e.parallel(ValueRange{heads}, [&](ValueRange ivs) {
    Value h = ivs[0];
    Value total = e.sum(w.size(), [&](Value i) {
      return e.sum(w.size(), [&](Value j) { return e.load(tauParts, {h, i, j}); });
    });
    e.store(total, op.getDtauInit(), {h});
  });
}

} // namespace mlir::amae::cuda
