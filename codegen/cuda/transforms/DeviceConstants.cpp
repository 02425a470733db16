//===- DeviceConstants.cpp - Constant globals copied to device memory -----===//
//
// A memref.global lives in the artifact's host data; a kernel handed its
// address would fault. Each memref.get_global of a host function becomes a
// buffer (managed memory, from the same allocation functions as the rest)
// filled from the global where it was read and freed at the end of its
// block, so kernels only ever see device-visible memory; the copy waits for
// the kernels before it (amae_cuda_host_fence). It is the one host access to
// buffers the pass allows: any other would race with the asynchronous
// kernels, and is an error. The fbank's DFT and mel matrices are the only
// such globals today (1.7 MB per front-end call).
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#define DEBUG_TYPE "amae-cuda-device-constants"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDADEVICECONSTANTS
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {
constexpr llvm::StringLiteral kFence = "amae_cuda_host_fence";

struct AmaeCudaDeviceConstantsPass
    : impl::AmaeCudaDeviceConstantsBase<AmaeCudaDeviceConstantsPass> {
  /// `amae_cuda_host_fence`, declared once per module.
  func::FuncOp fence() {
    auto module = getOperation()->getParentOfType<ModuleOp>();
    if (auto f = module.lookupSymbol<func::FuncOp>(kFence))
      return f;
    OpBuilder b(module.getBodyRegion());
    auto f = func::FuncOp::create(b, module.getLoc(), kFence,
                                  b.getFunctionType(TypeRange{}, TypeRange{}));
    f.setPrivate();
    return f;
  }

  /// No call or launch comes before `op` in its function (it is in the
  /// entry block, ahead of them): nothing can be running yet.
  static bool firstWork(Operation *op) {
    if (op->getBlock() != &op->getParentOfType<func::FuncOp>().getBody().front())
      return false;
    for (Operation *before = op->getPrevNode(); before; before = before->getPrevNode())
      if (isa<func::CallOp, gpu::LaunchFuncOp>(before))
        return false;
    return true;
  }

  void runOnOperation() override {
    // The kernels run asynchronously: host code may allocate and launch but
    // not write a buffer (amae-outline-kernels{copies} made the copies
    // kernels); it reads only scalars (AdamW's hyperparameters), after
    // waiting for the kernels before them unless none came before.
    SmallVector<memref::LoadOp> loads;
    WalkResult touched = getOperation().walk([&](Operation *op) {
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        loads.push_back(load);
        return WalkResult::advance();
      }
      if (!isa<memref::StoreOp, memref::CopyOp>(op))
        return WalkResult::advance();
      op->emitOpError("amae-cuda-device-constants: host code would write a buffer while "
                      "kernels run");
      return WalkResult::interrupt();
    });
    if (touched.wasInterrupted())
      return signalPassFailure();
    for (memref::LoadOp load : loads)
      if (!firstWork(load)) {
        OpBuilder b(load);
        func::CallOp::create(b, load.getLoc(), fence(), ValueRange{});
      }
    SmallVector<memref::GetGlobalOp> reads;
    getOperation().walk([&](memref::GetGlobalOp op) { reads.push_back(op); });
    // The copy from the host waits for the kernels before it (the buffer
    // may be one they just freed).
    for (memref::GetGlobalOp read : reads) {
      auto type = cast<MemRefType>(read.getType());
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        read.emitOpError("amae-cuda-device-constants: only a static, identity-layout global "
                         "can be copied to the device");
        return signalPassFailure();
      }
      OpBuilder b(read);
      b.setInsertionPointAfter(read);
      auto copy = memref::AllocOp::create(b, read.getLoc(), type);
      read.getResult().replaceAllUsesWith(copy.getResult());
      func::CallOp::create(b, read.getLoc(), fence(), ValueRange{});
      memref::CopyOp::create(b, read.getLoc(), read.getResult(), copy.getResult());
      b.setInsertionPoint(read->getBlock()->getTerminator());
      memref::DeallocOp::create(b, read.getLoc(), copy.getResult());
      ++copied;
    }
  }
};
} // namespace
} // namespace mlir::amae::cuda
