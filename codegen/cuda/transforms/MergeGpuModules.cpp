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
        // gpu-kernel-outlining makes one module per launch, with a unique
        // name, and names its kernel after the launching function: a second
        // launch in one function (two loops in a kernel) gets the same
        // kernel name in another module. The module's name is the one kept.
        if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op); kernel && kernel.isKernel())
          kernel.setName(part.getName());
        // A clash left would silently launch the wrong kernel.
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
          ctx, kModule, {FlatSymbolRefAttr::get(ctx, launch.getKernelModuleName())}));
    });
    for (gpu::GPUModuleOp part : parts)
      part.erase();
  }
};

} // namespace
} // namespace mlir::amae::cuda
