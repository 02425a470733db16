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
// Each thread's accumulators are loop-carried values, the head width
// unrolled (static shapes), so they live in registers through the walk: on
// a GPU a load and a store of the output row per key would dominate. Its
// own q row, read at every key, is loaded once when it fits
// `register-width`; wider accumulators go in chunks of that many columns,
// one walk each.
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

#include <algorithm>

#define DEBUG_TYPE "amae-cuda-lower-attention"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDALOWERATTENTION
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

void emitForward(Emitter &e, FusedAttentionOp op, int64_t registerWidth) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), out = op.getInit();
  e.parallel(out, [&](Value n, Value h, Value i) {
    Emitter::Row qi = e.row(q, {n, h, i}, width(q) <= registerWidth);
    e.softmaxRows(
        e.dim(k, 2), width(out), registerWidth,
        [&](Value j) { return e.mul(e.dot(qi, e.row(k, {n, h, j}, false)), e.scale); },
        [&](Value j, int64_t x) { return e.load(v, {n, h, j, e.index(x)}); },
        [&](int64_t x, Value y) { e.store(y, out, {n, h, i, e.index(x)}); });
  });
}

void emitBackward(Emitter &e, FusedAttentionGradOp op, Value lse, Value rowDot,
                  int64_t registerWidth) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), dout = op.getDout();
  Value dq = op.getDqInit(), dk = op.getDkInit(), dv = op.getDvInit();
  // LLVM hoists the rows a walk reads at every step (q and dout for dq; k,
  // and v for dk) out of it into registers, so the walks needing two of
  // them accumulate half as many columns at a time: at a width of 64 the
  // full width spills (255 registers and 112 bytes of local memory).
  int64_t halfWidth = std::max<int64_t>(1, registerWidth / 2);
  // p and ds of (query row i, key row j) from the stored row statistics.
  auto terms = [&](const Emitter::Row &qi, const Emitter::Row &kj, const Emitter::Row &doi,
                   const Emitter::Row &vj, Value rowLse, Value rowD) {
    Value p = e.exp(e.sub(e.mul(e.dot(qi, kj), e.scale), rowLse));
    Value dp = e.dot(doi, vj);
    return std::make_pair(p, e.mul(e.mul(p, e.sub(dp, rowD)), e.scale));
  };
  e.parallel(dq, [&](Value n, Value h, Value i) {
    Emitter::Row qi = e.row(q, {n, h, i}, width(q) <= registerWidth);
    Emitter::Row doi = e.row(dout, {n, h, i}, false);
    auto logit = [&](Value j) { return e.mul(e.dot(qi, e.row(k, {n, h, j}, false)), e.scale); };
    auto [m, l] = e.onlineSoftmax(e.dim(k, 2), logit);
    Value rowLse = e.add(m, math::LogOp::create(e.b, e.loc, l));
    Value rowD = e.loop(e.dim(k, 2), e.fzero, [&](Value j, ValueRange acc) {
      Value p = e.exp(e.sub(logit(j), rowLse));
      return SmallVector<Value>{e.add(acc[0], e.mul(p, e.dot(doi, e.row(v, {n, h, j}, false))))};
    })[0];
    e.store(rowLse, lse, {n, h, i});
    e.store(rowD, rowDot, {n, h, i});
    e.accumulate(
        e.dim(k, 2), width(dq), halfWidth,
        [&](Value j) {
          return terms(qi, e.row(k, {n, h, j}, false), doi, e.row(v, {n, h, j}, false), rowLse,
                       rowD)
              .second;
        },
        [&](Value j, int64_t d) {
          return e.load(k, {n, h, j, e.index(d)});
        },
        [&](int64_t d, Value x) {
          e.store(x, dq, {n, h, i, e.index(d)});
        });
  });
  // dv (which needs k only) and dk in walks of their own: one with both
  // would hold k, v and both accumulators.
  e.parallel(dk, [&](Value n, Value h, Value j) {
    Emitter::Row kj = e.row(k, {n, h, j}, false);
    Emitter::Row vj = e.row(v, {n, h, j}, false);
    auto pds = [&](Value i) {
      return terms(e.row(q, {n, h, i}, false), kj, e.row(dout, {n, h, i}, false), vj,
                   e.load(lse, {n, h, i}), e.load(rowDot, {n, h, i}));
    };
    e.accumulate(
        e.dim(q, 2), width(dv), registerWidth,
        // p only: the dot product for ds is dead code, removed later.
        [&](Value i) { return pds(i).first; },
        [&](Value i, int64_t x) {
          return e.load(dout, {n, h, i, e.index(x)});
        },
        [&](int64_t x, Value y) {
          e.store(y, dv, {n, h, j, e.index(x)});
        });
    e.accumulate(
        e.dim(q, 2), width(dk), halfWidth, [&](Value i) { return pds(i).second; },
        [&](Value i, int64_t d) {
          return e.load(q, {n, h, i, e.index(d)});
        },
        [&](int64_t d, Value y) {
          e.store(y, dk, {n, h, j, e.index(d)});
        });
  });
}

struct AmaeCudaLowerAttentionPass : impl::AmaeCudaLowerAttentionBase<AmaeCudaLowerAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (registerWidth < 1) {
      module.emitError() << "amae-cuda-lower-attention: register-width must be at least 1, got "
                         << static_cast<int64_t>(registerWidth);
      return signalPassFailure();
    }
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
        // The kernels unroll the head width into registers.
        if (isa<FusedAttentionOp, FusedAttentionGradOp>(op) &&
            llvm::any_of(op->getOperandTypes(),
                         [](Type t) { return cast<MemRefType>(t).isDynamicDim(3); })) {
          op->emitOpError("needs static head widths for amae-cuda-lower-attention");
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
              emitForward(e, fwd, registerWidth);
              kind = "_attention";
              ++forward;
            })
            .Case([&](FusedAttentionGradOp grad) {
              emitBackward(e, grad, scratch[0], scratch[1], registerWidth);
              kind = "_attention_grad";
              ++backward;
            })
            .Case([&](FusedWindowAttentionOp fwd) {
              emitWindowForward(e, fwd, scratch, registerWidth);
              kind = "_window_attention";
              ++windowForward;
            })
            .Case([&](FusedWindowAttentionGradOp grad) {
              emitWindowBackward(e, grad, scratch, registerWidth);
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
