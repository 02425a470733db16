//===- ParallelLoops.cpp - Large linalg ops to scf.parallel ---------------===//

#include "codegen/cpu/transforms/CpuPasses.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "amae-cpu-parallel-loops"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUPARALLELLOOPS
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {

/// Keeps the first `keep` dimensions of `loop` parallel and runs the others
/// as an scf.for nest inside (all of them when `keep` is 0).
void sequentialize(RewriterBase &rewriter, scf::ParallelOp loop, unsigned keep = 0) {
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> ivs;
  Location loc = loop.getLoc();
  if (keep > 0) {
    auto outer = scf::ParallelOp::create(rewriter, loc, loop.getLowerBound().take_front(keep),
                                         loop.getUpperBound().take_front(keep),
                                         loop.getStep().take_front(keep));
    llvm::append_range(ivs, outer.getInductionVars());
    rewriter.setInsertionPointToStart(outer.getBody());
  }
  for (unsigned d = keep; d < loop.getNumLoops(); ++d) {
    auto inner = scf::ForOp::create(rewriter, loc, loop.getLowerBound()[d],
                                    loop.getUpperBound()[d], loop.getStep()[d]);
    ivs.push_back(inner.getInductionVar());
    rewriter.setInsertionPointToStart(inner.getBody());
  }
  Block *body = loop.getBody();
  // The parallel body ends in scf.reduce (no operands here); the new
  // innermost body has its own terminator, before which the ops go.
  rewriter.eraseOp(body->getTerminator());
  Operation *end = rewriter.getInsertionBlock()->getTerminator();
  rewriter.inlineBlockBefore(body, end, ivs);
  rewriter.eraseOp(loop);
}

/// How many leading dimensions of `loop` to share out: enough for `chunks`
/// pieces of work, never the innermost of several. OpenMP collapses the
/// parallel dimensions into one index and recovers each with a division,
/// which stops LLVM vectorizing the innermost loop (measured: 5x the time
/// of the sequential kernels on the base encoder when all were parallel).
unsigned dimensionsToShare(scf::ParallelOp loop, int64_t chunks) {
  unsigned dims = loop.getNumLoops(), keep = 0;
  int64_t product = 1;
  while (keep < dims && (keep == 0 || keep + 1 < dims) && product < chunks) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[keep]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[keep]);
    product *= lb && ub ? std::max<int64_t>(1, *ub - *lb) : chunks;
    ++keep;
  }
  return std::max(1u, keep);
}

struct AmaeCpuParallelLoopsPass
    : impl::AmaeCpuParallelLoopsBase<AmaeCpuParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0)
        return;
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      if (iterators.front() != utils::IteratorType::parallel)
        return;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        return;
      if (iterationCount(ranges) >= minIterations)
        candidates.push_back(op);
    });

    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops = linalg::linalgOpToParallelLoops(rewriter, op);
      if (failed(loops)) {
        op->emitOpError("could not be lowered to parallel loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      ++numParallel;
      // Keep the outermost parallel loop; the nested ones run in its threads.
      if (loops->empty())
        continue;
      SmallVector<scf::ParallelOp> nested;
      loops->front()->walk([&](scf::ParallelOp inner) {
        if (inner != loops->front())
          nested.push_back(inner);
      });
      for (scf::ParallelOp inner : llvm::reverse(nested))
        sequentialize(rewriter, inner);
      auto outer = cast<scf::ParallelOp>(loops->front());
      unsigned keep = dimensionsToShare(outer, kParallelChunks);
      if (keep < outer.getNumLoops())
        sequentialize(rewriter, outer, keep);
    }
  }
};

} // namespace
} // namespace mlir::amae::cpu
