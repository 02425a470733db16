//===- DeviceConstants.cpp - Host accesses to buffers as driver copies ----===//
//
// The generated code's buffers are device memory: host code may allocate,
// launch and free them but never dereference one. Its two reads are
// rewritten into the runtime's copies (codegen/cuda/kernels/CudaSupport.c):
// - a memref.global lives in the artifact's host data, which a kernel
//   handed its address would fault on: each memref.get_global becomes a
//   buffer of its type filled by amae_cuda_upload (cuMemcpyHtoDAsync on the
//   launches' stream, so behind the kernels queued before it) and freed at
//   the end of its block. The fbank's DFT and mel matrices and the position
//   bias's coordinates are the only such globals today;
// - a memref.load (AdamW's scalar hyperparameters, its bias corrections)
//   becomes amae_cuda_read32/64 of the element's address, which waits for
//   the kernels and copies the bytes back (cuMemcpyDtoH).
// Any other host access, a memref.store or memref.copy, would race with the
// asynchronous kernels: an error.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#define DEBUG_TYPE "amae-cuda-device-constants"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDADEVICECONSTANTS
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

struct AmaeCudaDeviceConstantsPass
    : impl::AmaeCudaDeviceConstantsBase<AmaeCudaDeviceConstantsPass> {
  /// The runtime function `name`, declared once per module. The pass runs on
  /// the module, not on each function, because of this: functions processed
  /// in parallel would declare it concurrently (a race that compiling the
  /// base spec's gradients hit as "redefinition of symbol").
  func::FuncOp runtimeFunction(StringRef name, FunctionType type) {
    ModuleOp module = getOperation();
    if (auto f = module.lookupSymbol<func::FuncOp>(name))
      return f;
    OpBuilder b(module.getBodyRegion());
    auto f = func::FuncOp::create(b, module.getLoc(), name, type);
    f.setPrivate();
    return f;
  }

  static Value asI64(OpBuilder &b, Location loc, Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  }

  /// The address of `memref[indices]` as an i64.
  static Value elementAddress(OpBuilder &b, Location loc, Value memref, ValueRange indices) {
    auto type = cast<MemRefType>(memref.getType());
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value linear = meta.getOffset();
    for (auto [index, stride] : llvm::zip(indices, meta.getStrides()))
      linear = arith::AddIOp::create(b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
    Value bytes = arith::MulIOp::create(
        b, loc, linear,
        arith::ConstantIndexOp::create(b, loc, type.getElementTypeBitWidth() / 8));
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    return asI64(b, loc, arith::AddIOp::create(b, loc, base, bytes));
  }

  LogicalResult readBack(memref::LoadOp load) {
    Type element = load.getType();
    unsigned bits = element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 0;
    if (bits != 32 && bits != 64)
      return load.emitOpError("amae-cuda-device-constants: host code can read back 32- and "
                              "64-bit scalars only, not ")
             << element;
    OpBuilder b(load);
    Location loc = load.getLoc();
    Type word = b.getIntegerType(bits);
    func::FuncOp read = runtimeFunction(bits == 32 ? "amae_cuda_read32" : "amae_cuda_read64",
                                        b.getFunctionType({b.getI64Type()}, {word}));
    Value address = elementAddress(b, loc, load.getMemRef(), load.getIndices());
    Value value = func::CallOp::create(b, loc, read, ValueRange{address}).getResult(0);
    if (element != word)
      value = arith::BitcastOp::create(b, loc, element, value);
    load.replaceAllUsesWith(value);
    load.erase();
    ++readBacks;
    return success();
  }

  LogicalResult upload(memref::GetGlobalOp read) {
    auto type = cast<MemRefType>(read.getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return read.emitOpError("amae-cuda-device-constants: only a static, identity-layout global "
                              "can be copied to the device");
    OpBuilder b(read);
    Location loc = read.getLoc();
    b.setInsertionPointAfter(read);
    auto copy = memref::AllocOp::create(b, loc, type);
    read.getResult().replaceAllUsesWith(copy.getResult());
    auto i64 = b.getI64Type();
    func::FuncOp send =
        runtimeFunction("amae_cuda_upload", b.getFunctionType({i64, i64, i64}, {}));
    auto pointer = [&](Value m) {
      return asI64(b, loc, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m));
    };
    int64_t bytes = type.getNumElements() * (type.getElementTypeBitWidth() / 8);
    Value size = arith::ConstantIntOp::create(b, loc, i64, bytes);
    func::CallOp::create(b, loc, send,
                         ValueRange{pointer(copy.getResult()), pointer(read.getResult()), size});
    b.setInsertionPoint(read->getBlock()->getTerminator());
    memref::DeallocOp::create(b, loc, copy.getResult());
    ++copied;
    return success();
  }

  void runOnOperation() override {
    SmallVector<memref::LoadOp> loads;
    SmallVector<memref::GetGlobalOp> globals;
    // The host functions only: the kernels are in gpu.modules by now.
    for (func::FuncOp func : getOperation().getOps<func::FuncOp>()) {
      WalkResult touched = func.walk([&](Operation *op) {
        if (auto load = dyn_cast<memref::LoadOp>(op))
          loads.push_back(load);
        else if (auto global = dyn_cast<memref::GetGlobalOp>(op))
          globals.push_back(global);
        else if (isa<memref::StoreOp, memref::CopyOp>(op)) {
          op->emitOpError("amae-cuda-device-constants: host code would write a buffer while "
                          "kernels run");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (touched.wasInterrupted())
        return signalPassFailure();
    }
    for (memref::LoadOp load : loads)
      if (failed(readBack(load)))
        return signalPassFailure();
    for (memref::GetGlobalOp global : globals)
      if (failed(upload(global)))
        return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::amae::cuda
