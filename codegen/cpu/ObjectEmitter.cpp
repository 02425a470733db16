//===- ObjectEmitter.cpp - LLVM dialect to a shared library ---------------===//
//
// Translates to LLVM IR, adds the packed entry points and the manifest,
// optimises at O3 for the host CPU, emits an object and links it into a
// shared library with the system's clang driver (which brings libc and libm
// for malloc and erff).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <mutex>
#include <thread>

namespace amae {

/// `void amae_graph_G(void **args)`: loads each descriptor pointer and calls
/// `_mlir_ciface_G`, so the runtime can call any graph through one type.
static llvm::Error addPackedEntryPoint(llvm::Module &module, llvm::StringRef graph) {
  llvm::Function *target = module.getFunction(("_mlir_ciface_" + graph).str());
  if (!target)
    return llvm::createStringError("graph '" + graph + "' has no C interface");
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                       "amae_graph_" + graph, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < target->arg_size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptr, entry->getArg(0), i);
    args.push_back(b.CreateLoad(ptr, slot));
  }
  b.CreateCall(target, args);
  b.CreateRetVoid();
  return llvm::Error::success();
}

/// A target machine for `cpu`: "host" (this CPU and every feature it has)
/// or any CPU LLVM knows, the x86-64-v2/v3/v4 levels included.
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
targetMachine(llvm::StringRef cpu) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError(error);
  llvm::SubtargetFeatures features;
  std::string cpuName = cpu.str();
  if (cpu == "host") {
    cpuName = llvm::sys::getHostCPUName().str();
    for (auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      features.AddFeature(name, enabled);
  } else {
    std::unique_ptr<llvm::MCSubtargetInfo> probe(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!probe || !probe->isCPUStringValid(cpuName))
      return llvm::createStringError("--cpu=" + cpuName +
                                     " is not a CPU LLVM knows (try host, x86-64-v2, "
                                     "x86-64-v3, x86-64-v4, znver4, sapphirerapids)");
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpuName, features.getString(), options,
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  return std::move(machine);
}

/// The ISA extensions the code may use, by the names the host reports
/// (llvm::sys::getHostCPUFeatures), so the runtime can check them.
static std::vector<std::string> usedFeatures(const llvm::TargetMachine &machine) {
  static const char *const kChecked[] = {
      "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "fma", "f16c",
      "bmi", "bmi2", "lzcnt", "movbe", "avx512f", "avx512bw", "avx512cd", "avx512dq",
      "avx512vl", "avx512vnni", "avx512bf16", "avx512fp16", "avx512ifma", "avx512vbmi",
      "avx512vbmi2", "avx512bitalg", "avx512vpopcntdq", "avxvnni", "amx-tile", "amx-int8",
      "amx-bf16", "gfni", "vaes", "vpclmulqdq"};
  std::vector<std::string> used;
  const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  for (const char *feature : kChecked)
    if (info->checkFeatures(std::string("+") + feature))
      used.push_back(feature);
  return used;
}

/// Writes `module`'s object code for `machine` to `path`.
static llvm::Error emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                              llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(path + ": " + ec.message());
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit object files");
  pm.run(module);
  return llvm::Error::success();
}

/// The libraries a CPU model links: the allocation functions, and with
/// --blas the GEMM and kernel libraries and their threading.
std::vector<std::string> cpuLinkInputs(const CpuOptions &cpu) {
  // The support library defines the allocation functions the graphs call
  // (failure messages, the buffer cache: kernels/CpuSupport.c).
  std::vector<std::string> argv = {AMAE_SUPPORT_LIBRARY};
#ifdef AMAE_KERNELS_LIBRARY
  // The pthreads OpenBLAS by run path (its soname is the same as the other
  // builds', which the system's alternatives may point elsewhere).
  if (cpu.useBlas) {
    // A group: the kernels call back into the GEMM library (amae_tile_sgemm).
    argv.push_back("-Wl,--start-group");
#ifdef AMAE_GEMM_ONEDNN_LIBRARY
    if (cpu.gemm == "onednn")
      argv.push_back(AMAE_GEMM_ONEDNN_LIBRARY);
    else
#endif
      argv.push_back(AMAE_GEMM_OPENBLAS_LIBRARY);
    argv.push_back(AMAE_KERNELS_LIBRARY);
    argv.push_back("-Wl,--end-group");
    argv.push_back("-L" AMAE_OPENBLAS_DIR);
    argv.push_back("-Wl,-rpath," AMAE_OPENBLAS_DIR);
    argv.push_back("-lopenblas");
  }
  if (cpu.useBlas || cpu.threads)
    argv.push_back(AMAE_OPENMP_FLAGS);
  // After libomp: oneDNN's OpenMP calls (GOMP entry points) then bind to
  // libomp, the generated code's runtime, not to its own libgomp.
  if (cpu.useBlas && cpu.gemm == "onednn") {
    argv.push_back("-ldnnl");
    argv.push_back("-lstdc++");
  }
#endif
  argv.push_back("-lm");
  return argv;
}

llvm::Error compileToSharedLibrary(mlir::ModuleOp module, const Manifest &manifest,
                                   llvm::StringRef outputPath, const CpuOptions &cpu) {
  if ((cpu.useBlas || cpu.threads) && !blasAvailable())
    return llvm::createStringError("--blas and --parallel need OpenBLAS (libopenblas-pthread-dev) "
                                   "and OpenMP (libomp-22-dev) at build time");
  if (cpu.gemm != "openblas" && cpu.gemm != "onednn")
    return llvm::createStringError("--gemm must be openblas or onednn, got '" + cpu.gemm + "'");
  if (cpu.gemm == "onednn" && !onednnAvailable())
    return llvm::createStringError("--gemm=onednn needs oneDNN (libdnnl-dev) at build time");
  cpu.onPhase("lower to the LLVM dialect");
  if (mlir::failed(lowerToLLVMDialect(module, cpu)))
    return llvm::createStringError("lowering to the LLVM dialect failed");
  return linkSharedLibrary(module, manifest, outputPath, cpu, cpuLinkInputs(cpu));
}

llvm::Error linkSharedLibrary(mlir::ModuleOp module, const Manifest &manifest,
                              llvm::StringRef outputPath, const CpuOptions &cpu,
                              llvm::ArrayRef<std::string> linkInputs,
                              llvm::function_ref<llvm::Error(llvm::Module &)> addEntryPoints) {
  // The amae.* argument attributes served the manifest; LLVM IR has no
  // place for them (translation would warn once per argument).
  module.walk([](mlir::LLVM::LLVMFuncOp func) {
    mlir::FunctionOpInterface f = func;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      for (mlir::NamedAttribute attr : llvm::to_vector(f.getArgAttrs(i)))
        if (attr.getName().strref().starts_with("amae."))
          f.removeArgAttr(i, attr.getName());
  });
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  mlir::registerOpenMPDialectTranslation(*module.getContext());
  // A CUDA artifact's host code: gpu.binary and gpu.launch_func.
  mlir::registerGPUDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, manifest.model);
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");

  for (const GraphSignature &graph : manifest.graphs)
    if (llvm::Error err = addPackedEntryPoint(*llvmModule, graph.name))
      return err;
  if (addEntryPoints)
    if (llvm::Error err = addEntryPoints(*llvmModule))
      return err;
  auto machine = targetMachine(cpu.cpu);
  if (!machine)
    return machine.takeError();
  Manifest recorded = manifest;
  recorded.cpu = cpu.cpu == "host" ? llvm::sys::getHostCPUName().str() : cpu.cpu;
  recorded.cpuFeatures = usedFeatures(**machine);
  std::string json;
  llvm::raw_string_ostream(json) << recorded.toJSON();
  auto *text = llvm::ConstantDataArray::getString(llvmContext, json);
  new llvm::GlobalVariable(*llvmModule, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text, "amae_manifest");

  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  // Optimisation and code generation take most of a compile and work one
  // function at a time (the kernels are noinline), so the module is cut
  // into one part per thread (llvm::SplitModule, balanced by size; private
  // kernels become hidden symbols so a caller may sit in another part), and
  // each part is optimised and compiled in its own LLVMContext.
  unsigned parts = cpu.compileThreads ? cpu.compileThreads
                                      : std::max(1u, std::thread::hardware_concurrency());
  parts = std::min<unsigned>(parts, std::max<size_t>(1, llvmModule->size() / 8));
  std::vector<std::string> objectPaths;
  std::string irText;
  if (parts <= 1) {
    cpu.onPhase("optimise LLVM IR");
    if (llvm::Error err = mlir::makeOptimizingTransformer(cpu.optLevel, /*sizeLevel=*/0,
                                                          machine->get())(llvmModule.get()))
      return err;
    cpu.onPhase("emit object code");
    objectPaths.push_back((outputPath + ".o").str());
    if (llvm::Error err = emitObject(*llvmModule, **machine, objectPaths.back()))
      return err;
    if (cpu.keepIntermediates)
      llvm::raw_string_ostream(irText) << *llvmModule;
  } else {
    cpu.onPhase(("split into " + llvm::Twine(parts) + " parts").str());
    std::vector<llvm::SmallString<0>> bitcode;
    llvm::SplitModule(*llvmModule, parts, [&](std::unique_ptr<llvm::Module> part) {
      llvm::raw_svector_ostream os(bitcode.emplace_back());
      llvm::WriteBitcodeToFile(*part, os);
    });
    llvmModule.reset();
    cpu.onPhase(("optimise and emit object code on " + llvm::Twine(bitcode.size()) +
                 " threads")
                    .str());
    std::vector<std::string> texts(bitcode.size());
    std::vector<std::string> errors(bitcode.size());
    std::vector<std::thread> workers;
    for (size_t i = 0; i < bitcode.size(); ++i) {
      objectPaths.push_back((outputPath + ".part" + llvm::Twine(i) + ".o").str());
      workers.emplace_back([&, i] {
        llvm::LLVMContext context;
        auto part = llvm::parseBitcodeFile(
            llvm::MemoryBufferRef(llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                                  "part"),
            context);
        auto partMachine = targetMachine(cpu.cpu);
        llvm::Error err = !part            ? part.takeError()
                          : !partMachine   ? partMachine.takeError()
                                           : mlir::makeOptimizingTransformer(
                                               cpu.optLevel, 0, partMachine->get())(part->get());
        if (!err)
          err = emitObject(**part, **partMachine, objectPaths[i]);
        if (err)
          errors[i] = llvm::toString(std::move(err));
        else if (cpu.keepIntermediates)
          llvm::raw_string_ostream(texts[i]) << **part;
      });
    }
    for (std::thread &w : workers)
      w.join();
    for (const std::string &e : errors)
      if (!e.empty())
        return llvm::createStringError(e);
    for (const std::string &t : texts)
      irText += t;
  }
  if (cpu.keepIntermediates) {
    std::error_code ec;
    llvm::raw_fd_ostream ll((outputPath + ".ll").str(), ec, llvm::sys::fs::OF_None);
    if (!ec)
      ll << irText;
  }

  cpu.onPhase("link");
  // Link with the clang driver so libc and libm come along.
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("clang-22");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang");
  if (!driver)
    driver = llvm::sys::findProgramByName("cc");
  if (!driver)
    return llvm::createStringError("no C compiler driver (clang-22, clang, cc) to link with");
  std::string errorText;
  llvm::SmallVector<llvm::StringRef> argv = {*driver, "-shared", "-o", outputPath};
  for (const std::string &o : objectPaths)
    argv.push_back(o);
  for (const std::string &input : linkInputs)
    argv.push_back(input);
  int rc = llvm::sys::ExecuteAndWait(*driver, argv, std::nullopt, {}, 0, 0, &errorText);
  if (!cpu.keepIntermediates)
    for (const std::string &o : objectPaths)
      llvm::sys::fs::remove(o);
  if (rc != 0)
    return llvm::createStringError("linking " + outputPath + " failed: " + errorText);
  return llvm::Error::success();
}

} // namespace amae
