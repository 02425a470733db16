//===- amae-opt.cpp - The amae optimizer driver ---------------------------===//
//
// mlir-opt with the amae dialect and passes registered on top of every
// upstream dialect, pass and extension.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/transforms/CpuPasses.h"
#include "codegen/cuda/transforms/CudaPasses.h"
#include "dialects/Amae/AmaeDialect.h"
#include "passes/Passes.h"
#include "passes/autodiff/Vjps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::amae::registerAmaePasses();
  mlir::amae::cpu::registerAmaeCpuPasses();
  mlir::amae::cpu::registerCpuPipeline();
  mlir::amae::cuda::registerAmaeCudaPasses();
  mlir::amae::cuda::registerCudaPipeline();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR (the CUDA target).
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::amae::AmaeDialect>();
  mlir::amae::registerVjpExternalModels(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "amae optimizer driver\n", registry));
}
