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
// Shifted-window attention's kernels are in WindowAttentionKernels.cpp.
// Each becomes a function of its own (<graph>_attention<N>,
// <graph>_window_attention_grad<N>, ...), so its launch and PTX entry are
// named after it.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/AttentionEmitter.h"
#include "codegen/cuda/transforms/CudaPasses.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "amae-cuda-lower-attention"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDALOWERATTENTION
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

/// scale q_i . k_j, the logit of (query row i, key row j).
Value score(Emitter &e, Value q, Value k, Value n, Value h, Value i, Value j) {
  return e.mul(e.dot(q, k, n, h, i, j), e.scale);
}

void emitForward(Emitter &e, FusedAttentionOp op) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), out = op.getInit();
  e.parallel(out, [&](Value n, Value h, Value i) {
    e.zeroRow(out, n, h, i);
    auto logit = [&](Value j) { return score(e, q, k, n, h, i, j); };
    Value l = e.onlineSoftmax(e.dim(k, 2), logit, [&](Value j, Value rescale, Value p) {
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
    Value p = e.exp(e.sub(score(e, q, k, n, h, i, j), rowLse));
    Value dp = e.dot(dout, v, n, h, i, j);
    return std::make_pair(p, e.mul(e.mul(p, e.sub(dp, rowD)), e.scale));
  };
  e.parallel(dq, [&](Value n, Value h, Value i) {
    auto logit = [&](Value j) { return score(e, q, k, n, h, i, j); };
    auto [m, l] = e.onlineSoftmax(e.dim(k, 2), logit, nullptr);
    Value rowLse = e.add(m, math::LogOp::create(e.b, e.loc, l));
    Value rowD = e.loop(e.dim(k, 2), e.fzero, [&](Value j, ValueRange acc) {
      Value p = e.exp(e.sub(score(e, q, k, n, h, i, j), rowLse));
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
        if (isa<FusedAttentionOp, FusedAttentionGradOp, FusedWindowAttentionOp,
                FusedWindowAttentionGradOp>(op))
          ops.push_back(op);
      });
      for (auto [index, op] : llvm::enumerate(ops)) {
        if (!cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics()) {
          op->emitOpError("must be bufferized before amae-cuda-lower-attention");
          return signalPassFailure();
        }
        Location loc = op->getLoc();
        rewriter.setInsertionPoint(op);
        // Per-row statistics, made here so that a kernel's launches share them.
        SmallVector<MemRefType> scratchTypes;
        if (auto grad = dyn_cast<FusedAttentionGradOp>(op)) {
          auto q = cast<MemRefType>(grad.getQ().getType());
          auto rows = MemRefType::get(q.getShape().take_front(3), rewriter.getF32Type());
          scratchTypes = {rows, rows}; // log-sum-exp and D
        } else if (isa<FusedWindowAttentionOp, FusedWindowAttentionGradOp>(op)) {
          scratchTypes = windowScratchTypes(op);
        }
        SmallVector<Value> scratch;
        for (MemRefType type : scratchTypes)
          scratch.push_back(memref::AllocOp::create(rewriter, loc, type));
        auto wrapper = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
        Block *block = rewriter.createBlock(&wrapper.getRegion());
        rewriter.setInsertionPointToEnd(block);
        float scale = 1.0f;
        if (auto fwd = dyn_cast<FusedAttentionOp>(op))
          scale = fwd.getScale().convertToFloat();
        else if (auto grad = dyn_cast<FusedAttentionGradOp>(op))
          scale = grad.getScale().convertToFloat();
        Emitter e(rewriter, loc, scale);
        StringRef kind;
        TypeSwitch<Operation *>(op)
            .Case([&](FusedAttentionOp fwd) {
              emitForward(e, fwd);
              kind = "_attention";
              ++forward;
            })
            .Case([&](FusedAttentionGradOp grad) {
              emitBackward(e, grad, scratch[0], scratch[1]);
              kind = "_attention_grad";
              ++backward;
            })
            .Case([&](FusedWindowAttentionOp fwd) {
              emitWindowForward(e, fwd, scratch);
              kind = "_window_attention";
              ++windowForward;
            })
            .Case([&](FusedWindowAttentionGradOp grad) {
              emitWindowBackward(e, grad, scratch);
              kind = "_window_attention_grad";
              ++windowBackward;
            });
        scf::YieldOp::create(rewriter, loc);
        std::string name = (graph.getSymName() + kind + Twine(index)).str();
        // A kernel to the passes after (amae-cuda-map-loops maps its loops).
        if (failed(outlineAsKernel(rewriter, wrapper, name)))
          return signalPassFailure();
        rewriter.eraseOp(op);
      }
    }
  }
};
} // namespace
} // namespace mlir::amae::cuda
