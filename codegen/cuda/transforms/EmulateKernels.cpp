//===- EmulateKernels.cpp - The GPU kernels as host functions -------------===//
//
// For testing the CUDA host side without a GPU: every gpu.func of the
// artifact's module becomes a host function of the same name that runs the
// whole launch, its body inside loops over blocks and threads (the grid and
// block sizes appended as arguments) with gpu.block_id/thread_id x the loop
// indices. Compiled for the CPU, these are what the tests' fake driver runs
// at each cuLaunchKernel, so the artifact's own host code (launches and their
// arguments, managed buffers, cuBLAS calls) is executed end to end. The
// host functions of the input are dropped: the artifact has them.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/IR/IRMapping.h"

#define DEBUG_TYPE "amae-cuda-emulate-kernels"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDAEMULATEKERNELS
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

/// The loop value standing for a GPU index op: x from the loops, y and z of
/// a one-dimensional launch (ids 0, sizes 1).
template <typename IndexOp>
void mapIndex(IndexOp op, Value x, Value zero, Value one, IRMapping &map) {
  Value y = std::is_same_v<IndexOp, gpu::ThreadIdOp> || std::is_same_v<IndexOp, gpu::BlockIdOp>
                ? zero
                : one;
  map.map(op.getResult(), op.getDimension() == gpu::Dimension::x ? x : y);
}

struct AmaeCudaEmulateKernelsPass
    : impl::AmaeCudaEmulateKernelsBase<AmaeCudaEmulateKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
      if (isa<func::FuncOp>(op))
        op.erase();
    OpBuilder b(&getContext());
    b.setInsertionPointToEnd(module.getBody());
    for (auto gpuModule : llvm::to_vector(module.getOps<gpu::GPUModuleOp>())) {
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        if (!kernel.isKernel())
          continue;
        if (failed(emulate(b, kernel)))
          return signalPassFailure();
        ++emulated;
      }
      gpuModule.erase();
    }
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }

  LogicalResult emulate(OpBuilder &b, gpu::GPUFuncOp kernel) {
    if (!kernel.getBody().hasOneBlock())
      return kernel.emitOpError("amae-cuda-emulate-kernels: a kernel of one block expected");
    Location loc = kernel.getLoc();
    SmallVector<Type> inputs(kernel.getArgumentTypes());
    inputs.append({b.getIndexType(), b.getIndexType()}); // grid and block sizes
    auto func = func::FuncOp::create(b, loc, kernel.getName(),
                                     b.getFunctionType(inputs, TypeRange{}));
    Block *entry = func.addEntryBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value grid = entry->getArgument(inputs.size() - 2);
    Value block = entry->getArgument(inputs.size() - 1);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto blocks = scf::ForOp::create(b, loc, zero, grid, one);
    b.setInsertionPointToStart(blocks.getBody());
    auto threads = scf::ForOp::create(b, loc, zero, block, one);
    b.setInsertionPointToStart(threads.getBody());
    IRMapping map;
    Block &body = kernel.getBody().front();
    for (auto [from, to] : llvm::zip(body.getArguments(), entry->getArguments()))
      map.map(from, to);
    Value blockId = blocks.getInductionVar(), threadId = threads.getInductionVar();
    for (Operation &op : body) {
      if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
        mapIndex(id, threadId, zero, one, map);
      else if (auto id = dyn_cast<gpu::BlockIdOp>(op))
        mapIndex(id, blockId, zero, one, map);
      else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
        mapIndex(dim, block, zero, one, map);
      else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
        mapIndex(dim, grid, zero, one, map);
      else if (isa<gpu::ReturnOp>(op))
        continue;
      else if (op.getDialect() == op.getContext()->getLoadedDialect<gpu::GPUDialect>())
        return op.emitOpError("amae-cuda-emulate-kernels: no host form for this GPU op");
      else
        b.clone(op, map);
    }
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, loc);
    return success();
  }
};
} // namespace
} // namespace mlir::amae::cuda
