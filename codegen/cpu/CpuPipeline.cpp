//===- CpuPipeline.cpp - amae IR to the LLVM dialect ----------------------===//
//
// 1. amae -> linalg/tensor (amae-lower-to-linalg), elementwise arith ops on
//    tensors -> linalg;
// 2. one-shot bufferization across function boundaries, with copies made as
//    linalg.copy (so strided copies become loops, not a runtime call);
// 3. results -> out-parameters, buffer deallocation, then each buffer
//    allocated at its first use and freed after its last;
// 4. loops and the full conversions to the LLVM dialect. The last steps are
//    conversions: an op nobody lowers fails the pipeline loudly. Heap
//    buffers go through MLIR's generic allocation functions, which the
//    support library defines (kernels/CpuSupport.c: failures, reuse).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"
#include "codegen/cpu/transforms/CpuPasses.h"
#include "dialects/Amae/AmaeDialect.h"
#include "passes/Passes.h"
#include "passes/autodiff/Vjps.h"

#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
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

/// Runs `pipeline`, a comma-separated pass list anchored on the module.
static LogicalResult runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return failure();
  return pm.run(module);
}

void registerCodegenDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mlir::amae::AmaeDialect>();
  mlir::amae::registerVjpExternalModels(registry);
}

/// Makes every pass of the pipeline available.
static void prepareContext(MLIRContext *ctx) {
  ctx->loadAllAvailableDialects();
  static bool registered = [] {
    registerAllPasses();
    mlir::amae::registerAmaePasses();
    mlir::amae::cpu::registerAmaeCpuPasses();
    return true;
  }();
  (void)registered;
}

LogicalResult appendGradients(ModuleOp module, StringRef recompute) {
  prepareContext(module.getContext());
  return runPipeline(module, ("amae-autodiff{recompute=" + recompute + "}").str());
}

LogicalResult lowerToLinalg(ModuleOp module) {
  prepareContext(module.getContext());
  return runPipeline(module, "canonicalize,amae-lower-to-linalg,canonicalize,cse,"
                             "func.func(convert-elementwise-to-linalg)");
}

bool blasAvailable() {
#ifdef AMAE_KERNELS_LIBRARY
  return true;
#else
  return false;
#endif
}

LogicalResult lowerToLLVMDialect(ModuleOp module, const CpuOptions &cpu) {
  MLIRContext *ctx = module.getContext();
  if (failed(lowerToLinalg(module)))
    return failure();

  // Inputs and parameters belong to the caller: a bound parameter is reused
  // by every run (and a training step reads it again), so no graph may
  // write into it. Read-only arguments make bufferization copy instead.
  for (auto func : module.getOps<func::FuncOp>())
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                      BoolAttr::get(ctx, false));

  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  options.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    linalg::CopyOp::create(b, loc, from, to);
    return success();
  };
  bufferization::BufferizationState state;
  if (failed(bufferization::runOneShotModuleBufferize(module, options, state)))
    return failure();

  // The packed entry points call the C interface of each graph.
  for (auto func : module.getOps<func::FuncOp>())
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(ctx));

  // Results become out-parameters of the public graphs; the BLAS rewrite
  // (optional) runs on the bufferized contractions before they are outlined.
  std::string pipeline =
      "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
      "func.func(buffer-hoisting),buffer-deallocation-pipeline,canonicalize,";
  if (cpu.useBlas)
    pipeline += "amae-contractions-to-blas,canonicalize,";
  if (cpu.shrinkBufferLifetimes)
    pipeline += "func.func(amae-shrink-buffer-lifetimes),";
  pipeline += "func.func(amae-buffer-plan-report{warn-bytes=" +
              std::to_string(cpu.warnBufferBytes) + "}),";
  pipeline += "amae-outline-kernels,";
  // Large kernels run on the threads (OpenMP); the rest stay sequential.
  if (cpu.threads)
    pipeline += "func.func(amae-cpu-parallel-loops{min-iterations=" +
                std::to_string(cpu.minParallelIterations) + "}),";
  pipeline +=
      "convert-linalg-to-loops,canonicalize,lower-affine,expand-strided-metadata,"
      "amae-approximate-math,convert-math-to-llvm,convert-math-to-libm,";
  if (cpu.threads)
    pipeline += "convert-scf-to-openmp,canonicalize,"; // drops the empty alloca_scopes it adds
  pipeline +=
      "convert-scf-to-cf,"
      "finalize-memref-to-llvm{use-generic-functions},convert-arith-to-llvm,convert-index-to-llvm,"
      "convert-func-to-llvm,convert-cf-to-llvm,";
  if (cpu.threads)
    pipeline += "convert-openmp-to-llvm,";
  pipeline += "reconcile-unrealized-casts";
  return runPipeline(module, pipeline);
}

} // namespace amae
