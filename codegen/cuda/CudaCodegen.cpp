//===- CudaCodegen.cpp - amae IR to PTX -----------------------------------===//

#include "codegen/cuda/CudaCodegen.h"
#include "codegen/cpu/CpuCodegen.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
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

/// Runs the pipeline `build` appends on `module` ("the CUDA `what`" in errors).
static llvm::Error runPipeline(mlir::ModuleOp module, const CudaOptions &options,
                               mlir::LogicalResult (*build)(mlir::OpPassManager &,
                                                            const CudaOptions &),
                               llvm::StringRef what) {
  mlir::MLIRContext *ctx = module.getContext();
  mlir::DialectRegistry registry;
  registerCudaCodegen(registry);
  ctx->appendDialectRegistry(registry);
  registerCodegenPasses();
  ctx->loadAllAvailableDialects();
  mlir::PassManager pm(ctx, mlir::ModuleOp::getOperationName());
  if (failed(build(pm, options)))
    return llvm::createStringError("the CUDA " + what + " does not parse");
  if (failed(runPassManager(pm, module)))
    return llvm::createStringError("the CUDA " + what + " failed (diagnostics above)");
  return llvm::Error::success();
}

/// Runs amae-cuda-pipeline on `module` after checking the toolkit has what
/// `options` needs.
static llvm::Error runCudaPipeline(mlir::ModuleOp module, const CudaOptions &options) {
  std::string problem = mlir::amae::cuda::archError(options.arch);
  if (!problem.empty())
    return llvm::createStringError(problem);
  std::vector<std::string> needed = {options.cudaPath + "/nvvm/libdevice/libdevice.10.bc"};
  if (options.format != "isa")
    for (const char *tool : {"/bin/ptxas", "/bin/fatbinary"})
      needed.push_back(options.cudaPath + tool);
  for (const std::string &file : needed)
    if (!llvm::sys::fs::exists(file))
      return llvm::createStringError(file + " not found: --cuda-path must name a CUDA toolkit");
  return runPipeline(module, options, mlir::amae::cuda::buildCudaPipeline, "pipeline");
}

static size_t countLaunches(mlir::ModuleOp module) {
  size_t launches = 0;
  module.walk([&](mlir::Operation *op) {
    // After gpu-to-llvm the launches are still gpu.launch_func ops.
    if (llvm::isa<mlir::gpu::LaunchFuncOp>(op))
      ++launches;
  });
  return launches;
}

llvm::Expected<std::string> compileToPtx(mlir::ModuleOp module, const CudaOptions &options,
                                         size_t &kernels) {
  CudaOptions isa = options;
  isa.format = "isa";
  if (llvm::Error err = runCudaPipeline(module, isa))
    return std::move(err);
  std::string ptx;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute object : binary.getObjects())
      ptx += mlir::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue();
  });
  kernels = countLaunches(module);
  if (ptx.empty())
    return llvm::createStringError("the CUDA pipeline produced no PTX");
  return ptx;
}

llvm::Error compileToCudaLibrary(mlir::ModuleOp module, const Manifest &manifest,
                                 llvm::StringRef outputPath, const CudaOptions &options,
                                 const CpuOptions &host, size_t &kernels) {
  CudaOptions fatbin = options;
  fatbin.format = "fatbin";
  host.onPhase("compile the kernels for " + options.arch + " (ptxas, fatbinary)");
  if (llvm::Error err = runCudaPipeline(module, fatbin))
    return err;
  kernels = countLaunches(module);
  Manifest recorded = manifest;
  recorded.gpuArch = options.arch;
  recorded.gpuGemmPrecision = options.gemmPrecision;
  recorded.gpuGemmLibrary = options.gemmLibrary;
  // The driver API and cuBLAS are opened at run time (kernels/CudaSupport.c).
  return linkSharedLibrary(module, recorded, outputPath, host,
                           {AMAE_CUDA_SUPPORT_LIBRARY, "-ldl", "-lpthread"});
}

/// `void NAME_emulate(void **params, int64_t grid, int64_t block)` for each
/// kernel: its arguments loaded from cuLaunchKernel's parameter array.
static llvm::Error addEmulationEntryPoints(llvm::Module &module,
                                           llvm::ArrayRef<std::string> kernels) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr, i64, i64}, false);
  for (const std::string &name : kernels) {
    llvm::Function *kernel = module.getFunction(name);
    if (!kernel || kernel->arg_size() < 2)
      return llvm::createStringError("kernel " + name + " lost its host form");
    auto *entry = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                         name + "_emulate", module);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
    llvm::SmallVector<llvm::Value *> args;
    for (unsigned i = 0; i + 2 < kernel->arg_size(); ++i) {
      llvm::Value *slot = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i));
      args.push_back(b.CreateLoad(kernel->getArg(i)->getType(), slot));
    }
    args.push_back(entry->getArg(1));
    args.push_back(entry->getArg(2));
    b.CreateCall(kernel, args);
    b.CreateRetVoid();
  }
  return llvm::Error::success();
}

llvm::Error compileKernelEmulation(mlir::ModuleOp module, llvm::StringRef outputPath,
                                   const CudaOptions &options, const CpuOptions &host) {
  if (llvm::Error err = runPipeline(module, options,
                                    mlir::amae::cuda::buildCudaEmulationPipeline,
                                    "emulation pipeline"))
    return err;
  std::vector<std::string> kernels;
  module.walk([&](mlir::LLVM::LLVMFuncOp f) {
    if (!f.isExternal())
      kernels.push_back(f.getName().str());
  });
  CpuOptions plain = host;
  plain.useBlas = false;
  plain.threads = false;
  Manifest none;
  none.model = "kernel emulation";
  return linkSharedLibrary(module, none, outputPath, plain, cpuLinkInputs(plain),
                           [&](llvm::Module &m) { return addEmulationEntryPoints(m, kernels); });
}

} // namespace amae
