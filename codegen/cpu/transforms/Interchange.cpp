//===- Interchange.cpp - Reductions along contiguous memory ---------------===//

#include "codegen/cpu/transforms/CpuPasses.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "amae-cpu-interchange"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUINTERCHANGE
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {

/// Column strips to aim for (as amae-cpu-parallel-loops' chunks) and the
/// narrowest strip: one AVX-512 vector of f32.
constexpr int64_t kMinStrip = 16;

/// The loop that walks the last dimension of `op`'s largest operand with
/// unit stride, if that operand is laid out row-major and indexed there by a
/// plain loop dimension.
std::optional<unsigned> contiguousLoop(linalg::GenericOp op) {
  OpOperand *largest = nullptr;
  int64_t most = -1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || type.getRank() == 0 || !type.hasStaticShape())
      continue;
    if (type.getNumElements() > most) {
      most = type.getNumElements();
      largest = &operand;
    }
  }
  if (!largest || !cast<MemRefType>(largest->get().getType()).getLayout().isIdentity())
    return std::nullopt;
  AffineMap map = op.getMatchingIndexingMap(largest);
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!last)
    return std::nullopt;
  return last.getPosition();
}

struct AmaeCpuInterchangePass : impl::AmaeCpuInterchangeBase<AmaeCpuInterchangePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics() && op.getNumReductionLoops() > 0 &&
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : candidates) {
      unsigned loops = op.getNumLoops();
      std::optional<unsigned> c = contiguousLoop(op);
      if (!c || *c == loops - 1)
        continue;
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      // Moving a reduction past later reductions would reorder the sums.
      bool reduction = iterators[*c] == utils::IteratorType::reduction;
      if (reduction && llvm::any_of(llvm::seq(*c + 1, loops), [&](unsigned d) {
            return iterators[d] == utils::IteratorType::reduction;
          }))
        continue;
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < loops; ++d)
        if (d != *c)
          order.push_back(d);
      order.push_back(*c);

      int64_t points = iterationCount(op.getStaticLoopRanges());
      int64_t width = op.getStaticLoopRanges()[*c];
      bool strips = parallelMinIterations > 0 && points >= parallelMinIterations && !reduction &&
                    iterators[order.front()] == utils::IteratorType::reduction &&
                    width >= 2 * kMinStrip;
      rewriter.setInsertionPoint(op);
      linalg::GenericOp target = op;
      if (strips) {
        int64_t strip = std::max<int64_t>(
            kMinStrip, llvm::alignTo(llvm::divideCeil(width, kParallelChunks), kMinStrip));
        SmallVector<int64_t> sizes(loops, 0);
        sizes[*c] = strip;
        linalg::LinalgTilingOptions options;
        options.setTileSizes(sizes).setLoopType(linalg::LinalgTilingLoopType::ParallelLoops);
        FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(rewriter, op, options);
        if (failed(tiled)) {
          op->emitOpError("could not be tiled into column strips");
          return signalPassFailure();
        }
        rewriter.eraseOp(op);
        target = cast<linalg::GenericOp>(tiled->op.getOperation());
        ++numStripped;
      }
      rewriter.setInsertionPoint(target);
      if (failed(linalg::interchangeGenericOp(rewriter, target, order))) {
        target->emitOpError("could not be interchanged");
        return signalPassFailure();
      }
      LLVM_DEBUG(llvm::dbgs() << "interchanged a reduction, loop " << *c << " innermost"
                              << (strips ? ", in parallel strips\n" : "\n"));
      ++numInterchanged;
    }
  }
};

} // namespace
} // namespace mlir::amae::cpu
