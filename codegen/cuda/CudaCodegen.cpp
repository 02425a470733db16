//===- CudaCodegen.cpp - amae IR to PTX -----------------------------------===//

#include "codegen/cuda/CudaCodegen.h"
#include "codegen/cpu/CpuCodegen.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/FileSystem.h"

namespace amae {

void registerCudaCodegen(mlir::DialectRegistry &registry) {
  static bool registered = [] {
    mlir::amae::cuda::registerAmaeCudaPasses();
    mlir::amae::cuda::registerCudaPipeline();
    return true;
  }();
  (void)registered;
  mlir::registerAllToLLVMIRTranslations(registry);
}

llvm::Expected<std::string> compileToPtx(mlir::ModuleOp module, const CudaOptions &options,
                                         size_t &kernels) {
  std::string problem = mlir::amae::cuda::archError(options.arch);
  if (!problem.empty())
    return llvm::createStringError(problem);
  std::string libdevice = options.cudaPath + "/nvvm/libdevice/libdevice.10.bc";
  if (!llvm::sys::fs::exists(libdevice))
    return llvm::createStringError(libdevice +
                                   " not found: --cuda-path must name a CUDA toolkit");
  mlir::MLIRContext *ctx = module.getContext();
  mlir::DialectRegistry registry;
  registerCudaCodegen(registry);
  ctx->appendDialectRegistry(registry);
  registerCodegenPasses();
  ctx->loadAllAvailableDialects();
  mlir::PassManager pm(ctx, mlir::ModuleOp::getOperationName());
  if (failed(mlir::amae::cuda::buildCudaPipeline(pm, options)))
    return llvm::createStringError("the CUDA pipeline does not parse");
  if (failed(runPassManager(pm, module)))
    return llvm::createStringError("the CUDA pipeline failed (diagnostics above)");
  std::string ptx;
  kernels = 0;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute object : binary.getObjects())
      ptx += mlir::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue();
  });
  module.walk([&](mlir::gpu::LaunchFuncOp) { ++kernels; });
  if (ptx.empty())
    return llvm::createStringError("the CUDA pipeline produced no PTX");
  return ptx;
}

} // namespace amae
