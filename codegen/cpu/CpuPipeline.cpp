//===- CpuPipeline.cpp - amae IR to the LLVM dialect ----------------------===//
//
// Runs the declared pipeline (transforms/CpuPipelines.cpp, registered as
// amae-cpu-pipeline) and the autodiff and linalg-only stages amae-compile
// exposes, with the pass-manager flags of the tool applied.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"
#include "codegen/cpu/transforms/CpuPasses.h"
#include "dialects/Amae/AmaeDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "passes/autodiff/Vjps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace amae {

/// Runs `pm` with the pass-manager flags the tool registered
/// (--mlir-print-ir-after=..., --mlir-timing, ...).
LogicalResult runPassManager(PassManager &pm, ModuleOp module) {
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  return pm.run(module);
}

/// Runs `pipeline`, a comma-separated pass list anchored on the module.
static LogicalResult runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return failure();
  return runPassManager(pm, module);
}

void registerCodegenDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mlir::amae::AmaeDialect>();
  mlir::amae::registerVjpExternalModels(registry);
}

void registerCodegenPasses() {
  static bool registered = [] {
    registerAllPasses();
    mlir::amae::registerAmaePasses();
    mlir::amae::cpu::registerAmaeCpuPasses();
    mlir::amae::cpu::registerCpuPipeline();
    return true;
  }();
  (void)registered;
}

/// Makes every pass of the pipeline available.
static void prepareContext(MLIRContext *ctx) {
  ctx->loadAllAvailableDialects();
  registerCodegenPasses();
}

LogicalResult appendGradients(ModuleOp module, StringRef recompute) {
  prepareContext(module.getContext());
  return runPipeline(module, ("amae-autodiff{recompute=" + recompute + "}").str());
}

LogicalResult lowerToLinalg(ModuleOp module, const CpuOptions &cpu) {
  prepareContext(module.getContext());
  return runPipeline(module, mlir::amae::linalgStagePipeline(cpu.fuse, cpu.lowersFusedAttention(),
                                                                cpu.lowersBiasEpilogue()));
}

bool blasAvailable() {
#ifdef AMAE_KERNELS_LIBRARY
  return true;
#else
  return false;
#endif
}

bool onednnAvailable() {
#ifdef AMAE_GEMM_ONEDNN_LIBRARY
  return true;
#else
  return false;
#endif
}

LogicalResult lowerToLLVMDialect(ModuleOp module, const CpuOptions &cpu) {
  prepareContext(module.getContext());
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (failed(mlir::amae::cpu::buildCpuPipeline(pm, cpu)))
    return failure();
  return runPassManager(pm, module);
}

} // namespace amae
