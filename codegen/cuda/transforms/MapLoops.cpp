//===- MapLoops.cpp - Kernel loop nests to GPU blocks and threads ---------===//
//
// One dimension per kernel: collapsing every parallel dimension first makes
// the mapping independent of a kernel's rank (the upstream mapper assigns
// nested loops to processors by depth, which fits no single tile size), and
// consecutive threads touch consecutive elements of the innermost dimension
// of row-major buffers, so loads and stores coalesce.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"
#include "passes/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

#include <numeric>

#define DEBUG_TYPE "amae-cuda-map-loops"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDAMAPLOOPS
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

gpu::ParallelLoopDimMappingAttr onto(MLIRContext *ctx, gpu::Processor processor) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id);
}

struct AmaeCudaMapLoopsPass : impl::AmaeCudaMapLoopsBase<AmaeCudaMapLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp kernel = getOperation();
    // Graphs stay host code: they allocate and launch. A parallel loop
    // there would run on the host, over managed memory, unnoticed.
    if (!isOutlinedKernel(kernel)) {
      kernel.walk([&](scf::ParallelOp loop) {
        loop.emitOpError("amae-cuda-map-loops: a parallel loop outside the kernels would run "
                         "on the host");
        signalPassFailure();
      });
      return;
    }
    MLIRContext *ctx = &getContext();
    Block &body = kernel.getBody().front();
    SmallVector<scf::ParallelOp> loops(body.getOps<scf::ParallelOp>());
    if (loops.empty()) {
      // One thread of one block runs the whole body.
      SmallVector<Operation *> work;
      for (Operation &op : body.without_terminator())
        work.push_back(&op);
      OpBuilder b(ctx);
      b.setInsertionPointToStart(&body);
      Location loc = kernel.getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      auto single = scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{one},
                                            ValueRange{one});
      for (Operation *op : work)
        op->moveBefore(single.getBody()->getTerminator());
      if (failed(gpu::setMappingAttr(single, {onto(ctx, gpu::Processor::BlockX)})))
        return signalPassFailure();
      ++serial;
      return;
    }
    IRRewriter rewriter(ctx);
    for (scf::ParallelOp loop : loops) {
      if (loop.getNumLoops() > 1) {
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        Operation *before = loop->getPrevNode();
        rewriter.setInsertionPoint(loop);
        collapseParallelLoops(rewriter, loop, {all});
        // The collapsed loop replaces the old one after its bound computations.
        Operation *next = before ? before->getNextNode() : &body.front();
        while (next && !isa<scf::ParallelOp>(next))
          next = next->getNextNode();
        loop = cast<scf::ParallelOp>(next);
      }
      auto [blocks, threads] = scf::tileParallelLoop(loop, {blockSize}, /*noMinMaxBounds=*/true);
      if (failed(gpu::setMappingAttr(blocks, {onto(ctx, gpu::Processor::BlockX)})) ||
          failed(gpu::setMappingAttr(threads, {onto(ctx, gpu::Processor::ThreadX)})))
        return signalPassFailure();
      ++mapped;
    }
  }
};

} // namespace
} // namespace mlir::amae::cuda
