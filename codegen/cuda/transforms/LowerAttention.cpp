//===- LowerAttention.cpp - Fused attention as one thread per row ---------===//
//
// amae.fused_attention and amae.fused_attention_grad (buffer form) as loop
// nests the CUDA pipeline maps like every other kernel, with the score
// matrix never written to memory:
// - forward: a parallel loop over (batch, head, query row); each row walks
//   the keys once with an online softmax (running max m and sum l, the
//   output row rescaled by exp(m_old - m_new) as the max grows) and divides
//   by l at the end;
// - backward: the same walk per query row gives log-sum-exp, then
//   D = sum_j p dp, then dq; a second parallel loop over key rows adds up
//   dk and dv with p and ds recomputed from the stored log-sum-exp and D,
//   so no thread writes what another does.
// Each becomes a function of its own (<graph>_attention<N>, _attention_grad
// <N>), so its launch and PTX entry are named after it.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"
#include "dialects/Amae/AmaeOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

#define DEBUG_TYPE "amae-cuda-lower-attention"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDALOWERATTENTION
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

/// Builds the loops of one attention op at a builder's insertion point.
struct Emitter {
  OpBuilder &b;
  Location loc;
  Value zero, one, fzero, scale;

  Emitter(OpBuilder &b, Location loc, float s) : b(b), loc(loc) {
    zero = arith::ConstantIndexOp::create(b, loc, 0);
    one = arith::ConstantIndexOp::create(b, loc, 1);
    fzero = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    scale = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(s));
  }

  Value dim(Value buffer, int64_t d) { return memref::DimOp::create(b, loc, buffer, d); }
  Value load(Value buffer, ValueRange at) { return memref::LoadOp::create(b, loc, buffer, at); }
  void store(Value v, Value buffer, ValueRange at) {
    memref::StoreOp::create(b, loc, v, buffer, at);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }

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

  /// sum over d of x[n, h, r, d] * y[n, h, c, d].
  Value dot(Value x, Value y, Value n, Value h, Value r, Value c) {
    return loop(dim(x, 3), fzero, [&](Value d, ValueRange acc) -> SmallVector<Value> {
      return {add(acc[0], mul(load(x, {n, h, r, d}), load(y, {n, h, c, d})))};
    })[0];
  }

  /// row[n, h, r, :] = 0.
  void zeroRow(Value row, Value n, Value h, Value r) {
    loop(dim(row, 3), {}, [&](Value e, ValueRange) -> SmallVector<Value> {
      store(fzero, row, {n, h, r, e});
      return {};
    });
  }

  /// The running max and sum of exp(scale q_i . k_j - max) over the keys;
  /// `each(j, s, c, p)` sees a key's scaled score, the factor the earlier
  /// terms are rescaled by, and its own term.
  std::pair<Value, Value> onlineSoftmax(Value q, Value k, Value n, Value h, Value i,
                                        function_ref<void(Value, Value, Value)> each) {
    // The lowest float, not -inf: exp(lowest - s) is 0 where exp(-inf - s)
    // would go through the polynomial as NaN.
    Value lowest = arith::ConstantFloatOp::create(
        b, loc, b.getF32Type(), APFloat(std::numeric_limits<float>::lowest()));
    ValueRange ml = loop(dim(k, 2), {lowest, fzero}, [&](Value j, ValueRange c) {
      Value s = mul(dot(q, k, n, h, i, j), scale);
      Value m = arith::MaximumFOp::create(b, loc, c[0], s);
      Value rescale = exp(sub(c[0], m)), p = exp(sub(s, m));
      if (each)
        each(j, rescale, p);
      return SmallVector<Value>{m, add(mul(c[1], rescale), p)};
    });
    return {ml[0], ml[1]};
  }

  /// scf.parallel over [N, H, rows) of `buffer`'s first three dimensions.
  void parallel(Value buffer, function_ref<void(Value, Value, Value)> body) {
    auto p = scf::ParallelOp::create(
        b, loc, ValueRange{zero, zero, zero},
        ValueRange{dim(buffer, 0), dim(buffer, 1), dim(buffer, 2)}, ValueRange{one, one, one},
        [&](OpBuilder &nested, Location, ValueRange ivs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(nested.getInsertionBlock());
          body(ivs[0], ivs[1], ivs[2]);
        });
    (void)p;
  }
};

void emitForward(Emitter &e, FusedAttentionOp op) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), out = op.getInit();
  e.parallel(out, [&](Value n, Value h, Value i) {
    e.zeroRow(out, n, h, i);
    Value l = e.onlineSoftmax(q, k, n, h, i, [&](Value j, Value rescale, Value p) {
      e.loop(e.dim(out, 3), {}, [&](Value x, ValueRange) -> SmallVector<Value> {
        Value acc = e.mul(e.load(out, {n, h, i, x}), rescale);
        e.store(e.add(acc, e.mul(p, e.load(v, {n, h, j, x}))), out, {n, h, i, x});
        return {};
      });
    }).second;
    e.loop(e.dim(out, 3), {}, [&](Value x, ValueRange) -> SmallVector<Value> {
      e.store(arith::DivFOp::create(e.b, e.loc, e.load(out, {n, h, i, x}), l), out,
              {n, h, i, x});
      return {};
    });
  });
}

void emitBackward(Emitter &e, FusedAttentionGradOp op, Value lse, Value rowDot) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), dout = op.getDout();
  Value dq = op.getDqInit(), dk = op.getDkInit(), dv = op.getDvInit();
  // p and ds of (query row i, key row j) from the stored row statistics.
  auto terms = [&](Value n, Value h, Value i, Value j, Value rowLse, Value rowD) {
    Value p = e.exp(e.sub(e.mul(e.dot(q, k, n, h, i, j), e.scale), rowLse));
    Value dp = e.dot(dout, v, n, h, i, j);
    return std::make_pair(p, e.mul(e.mul(p, e.sub(dp, rowD)), e.scale));
  };
  e.parallel(dq, [&](Value n, Value h, Value i) {
    auto [m, l] = e.onlineSoftmax(q, k, n, h, i, nullptr);
    Value rowLse = e.add(m, math::LogOp::create(e.b, e.loc, l));
    Value rowD = e.loop(e.dim(k, 2), e.fzero, [&](Value j, ValueRange acc) {
      Value p = e.exp(e.sub(e.mul(e.dot(q, k, n, h, i, j), e.scale), rowLse));
      return SmallVector<Value>{e.add(acc[0], e.mul(p, e.dot(dout, v, n, h, i, j)))};
    })[0];
    e.store(rowLse, lse, {n, h, i});
    e.store(rowD, rowDot, {n, h, i});
    e.zeroRow(dq, n, h, i);
    e.loop(e.dim(k, 2), {}, [&](Value j, ValueRange) -> SmallVector<Value> {
      Value ds = terms(n, h, i, j, rowLse, rowD).second;
      e.loop(e.dim(dq, 3), {}, [&](Value d, ValueRange) -> SmallVector<Value> {
        Value acc = e.load(dq, {n, h, i, d});
        e.store(e.add(acc, e.mul(ds, e.load(k, {n, h, j, d}))), dq, {n, h, i, d});
        return {};
      });
      return {};
    });
  });
  e.parallel(dk, [&](Value n, Value h, Value j) {
    e.zeroRow(dk, n, h, j);
    e.zeroRow(dv, n, h, j);
    e.loop(e.dim(q, 2), {}, [&](Value i, ValueRange) -> SmallVector<Value> {
      std::pair<Value, Value> pds =
          terms(n, h, i, j, e.load(lse, {n, h, i}), e.load(rowDot, {n, h, i}));
      Value p = pds.first, ds = pds.second;
      e.loop(e.dim(dv, 3), {}, [&](Value x, ValueRange) -> SmallVector<Value> {
        Value acc = e.load(dv, {n, h, j, x});
        e.store(e.add(acc, e.mul(p, e.load(dout, {n, h, i, x}))), dv, {n, h, j, x});
        return {};
      });
      e.loop(e.dim(dk, 3), {}, [&](Value d, ValueRange) -> SmallVector<Value> {
        Value acc = e.load(dk, {n, h, j, d});
        e.store(e.add(acc, e.mul(ds, e.load(q, {n, h, i, d}))), dk, {n, h, j, d});
        return {};
      });
      return {};
    });
  });
}

struct AmaeCudaLowerAttentionPass
    : impl::AmaeCudaLowerAttentionBase<AmaeCudaLowerAttentionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    for (func::FuncOp graph : llvm::to_vector(module.getOps<func::FuncOp>())) {
      SmallVector<Operation *> ops;
      graph.walk([&](Operation *op) {
        if (isa<FusedAttentionOp, FusedAttentionGradOp>(op))
          ops.push_back(op);
      });
      for (auto [index, op] : llvm::enumerate(ops)) {
        if (!cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics()) {
          op->emitOpError("must be bufferized before amae-cuda-lower-attention");
          return signalPassFailure();
        }
        Location loc = op->getLoc();
        rewriter.setInsertionPoint(op);
        // The backward's per-row statistics, made here so the kernel's two
        // launches share them.
        Value lse, rowDot;
        auto grad = dyn_cast<FusedAttentionGradOp>(op);
        if (grad) {
          auto q = cast<MemRefType>(grad.getQ().getType());
          auto rows = MemRefType::get(q.getShape().take_front(3), rewriter.getF32Type());
          lse = memref::AllocOp::create(rewriter, loc, rows);
          rowDot = memref::AllocOp::create(rewriter, loc, rows);
        }
        auto wrapper = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
        Block *block = rewriter.createBlock(&wrapper.getRegion());
        rewriter.setInsertionPointToEnd(block);
        auto fwd = dyn_cast<FusedAttentionOp>(op);
        Emitter e(rewriter, loc, fwd ? fwd.getScale().convertToFloat()
                                     : grad.getScale().convertToFloat());
        if (fwd)
          emitForward(e, fwd);
        else
          emitBackward(e, grad, lse, rowDot);
        scf::YieldOp::create(rewriter, loc);
        std::string name = (graph.getSymName() + (fwd ? "_attention" : "_attention_grad") +
                            Twine(index))
                               .str();
        // A kernel to the passes after (amae-cuda-map-loops maps its loops).
        if (failed(outlineAsKernel(rewriter, wrapper, name)))
          return signalPassFailure();
        rewriter.eraseOp(op);
        fwd ? ++forward : ++backward;
      }
    }
  }
};
} // namespace
} // namespace mlir::amae::cuda
