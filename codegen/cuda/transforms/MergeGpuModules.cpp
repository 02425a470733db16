//===- MergeGpuModules.cpp - One gpu.module for every kernel --------------===//

#include "codegen/cuda/transforms/CudaPasses.h"

#define DEBUG_TYPE "amae-cuda-merge-gpu-modules"

namespace mlir::amae::cuda {
#define GEN_PASS_DEF_AMAECUDAMERGEGPUMODULES
#include "codegen/cuda/transforms/CudaPasses.h.inc"

namespace {

constexpr llvm::StringLiteral kModule = "amae_kernels";

struct AmaeCudaMergeGpuModulesPass
    : impl::AmaeCudaMergeGpuModulesBase<AmaeCudaMergeGpuModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> parts(module.getOps<gpu::GPUModuleOp>());
    if (parts.empty())
      return;
    OpBuilder b(&getContext());
    b.setInsertionPoint(parts.front());
    auto merged = gpu::GPUModuleOp::create(b, parts.front().getLoc(), kModule,
                                           parts.front().getTargetsAttr());
    Block *into = merged.getBody();
    SymbolTable symbols(merged);
    for (gpu::GPUModuleOp part : parts) {
      for (Operation &op : llvm::make_early_inc_range(*part.getBody())) {
        // gpu-kernel-outlining names each kernel after its module, so the
        // names are unique; a clash would silently launch the wrong kernel.
        if (auto sym = dyn_cast<SymbolOpInterface>(op); sym && symbols.lookup(sym.getName())) {
          op.emitError("two GPU kernels are named ") << sym.getName();
          return signalPassFailure();
        }
        op.moveBefore(into, into->end());
        symbols.insert(&op);
      }
    }
    MLIRContext *ctx = &getContext();
    module.walk([&](gpu::LaunchFuncOp launch) {
      launch.setKernelAttr(SymbolRefAttr::get(
          ctx, kModule, {FlatSymbolRefAttr::get(ctx, launch.getKernelName())}));
    });
    for (gpu::GPUModuleOp part : parts)
      part.erase();
  }
};

} // namespace
} // namespace mlir::amae::cuda
