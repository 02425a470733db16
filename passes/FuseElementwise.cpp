//===- FuseElementwise.cpp - Elementwise producers into their consumers ---===//
//
// The lowering emits each step of a layer norm, a softmax or a VJP as its
// own linalg.generic, so every step is a pass over memory and a buffer.
// This pass fuses elementwise producers into the generics that read them,
// with upstream's elementwise fusion, under a cost rule of our own:
// contractions stay plain (amae-contractions-to-blas must still recognise
// them), work that is not cheap is never recomputed, and no reshape is
// propagated (that reshapes the contractions too).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/Statistic.h"

#define DEBUG_TYPE "amae-fuse-elementwise"

STATISTIC(numCloned, "Cheap producers cloned for each of their consumers");

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEFUSEELEMENTWISE
#include "passes/Passes.h.inc"

namespace {

bool isElementwise(linalg::GenericOp op) {
  return op.getNumLoops() == op.getNumParallelLoops() && op.getNumDpsInits() == 1 &&
         op->getNumResults() == 1;
}

/// A body worth recomputing rather than storing: a few adds, multiplies,
/// compares and selects. Divisions and math functions (exp, rsqrt, erf) are
/// not: recomputing those per broadcast element costs more than the load.
bool isCheap(linalg::GenericOp op) {
  unsigned count = 0;
  for (Operation &inner : op.getRegion().front().without_terminator()) {
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp, arith::MaximumFOp,
             arith::MinimumFOp, arith::CmpFOp, arith::SelectOp, arith::ConstantOp>(inner))
      return false;
    ++count;
  }
  return count <= 4;
}

/// GEMM-shaped generics go to BLAS later; fusing into them makes them
/// unrecognisable and turns a BLAS call into a naive loop nest.
bool isContraction(linalg::GenericOp op) {
  return linalg::isaContractionOpInterface(op) || op.getNumReductionLoops() > 1;
}

bool readsBroadcast(linalg::GenericOp consumer, OpOperand *operand) {
  AffineMap map = consumer.getMatchingIndexingMap(operand);
  return !map.isPermutation();
}

bool consumerTakes(OpOperand &use) {
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  return consumer && consumer.isDpsInput(&use) && !isContraction(consumer);
}

bool shouldFuse(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  if (!producer || !consumer || !isElementwise(producer) || !consumerTakes(*operand))
    return false;
  // One use left (cheap producers were cloned per use before): fusing it
  // computes each value once unless the consumer reads it broadcast.
  return producer->hasOneUse() && (isCheap(producer) || !readsBroadcast(consumer, operand));
}

struct AmaeFuseElementwisePass : impl::AmaeFuseElementwiseBase<AmaeFuseElementwisePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // A cheap producer read by several fusable consumers (x - mean, read by
    // the variance and the normalisation) is cloned once per consumer, so
    // that each clone fuses and the intermediate is never stored.
    SmallVector<linalg::GenericOp> multiUse;
    func.walk([&](linalg::GenericOp op) {
      if (isElementwise(op) && isCheap(op) && !op->hasOneUse() && !op->use_empty() &&
          llvm::all_of(op->getUses(), consumerTakes))
        multiUse.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : multiUse) {
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : op->getUses())
        uses.push_back(&use);
      for (OpOperand *use : llvm::drop_begin(uses)) {
        rewriter.setInsertionPoint(op);
        Operation *clone = rewriter.clone(*op);
        use->set(clone->getResult(0));
        ++numCloned;
      }
    }
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace mlir::amae
