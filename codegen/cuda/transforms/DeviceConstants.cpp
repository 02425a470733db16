//===- DeviceConstants.cpp - Constant globals copied to device memory -----===//
//
// A memref.global lives in the artifact's host data; a kernel handed its
// address would fault. Each memref.get_global of a host function becomes a
// buffer (managed memory, from the same allocation functions as the rest)
// filled from the global where it was read and freed at the end of its
// block, so kernels only ever see device-visible memory. The fbank's DFT and
// mel matrices are the only such globals today (1.7 MB per front-end call).
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#define DEBUG_TYPE "amae-cuda-device-constants"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDADEVICECONSTANTS
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {
struct AmaeCudaDeviceConstantsPass
    : impl::AmaeCudaDeviceConstantsBase<AmaeCudaDeviceConstantsPass> {
  void runOnOperation() override {
    SmallVector<memref::GetGlobalOp> reads;
    getOperation().walk([&](memref::GetGlobalOp op) { reads.push_back(op); });
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
      memref::CopyOp::create(b, read.getLoc(), read.getResult(), copy.getResult());
      b.setInsertionPoint(read->getBlock()->getTerminator());
      memref::DeallocOp::create(b, read.getLoc(), copy.getResult());
      ++copied;
    }
  }
};
} // namespace
} // namespace mlir::amae::cuda
