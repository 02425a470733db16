//===- amae-compile.cpp - Compile a model spec ----------------------------===//
//
//   amae-compile SPEC.yaml --emit=amae [--batch=N] [-o FILE]
//
// Reads a YAML model spec and emits the IR of every graph it lists.
//
//===----------------------------------------------------------------------===//

#include "Progress.h"
#include "abi/Tuning.h"
#include "codegen/cpu/CpuCodegen.h"
#include "codegen/cuda/CudaCodegen.h"
#include "frontends/spec/EmitGraphs.h"
#include "frontends/spec/ModelSpec.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/Timing.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {
enum class EmitKind { Amae, Linalg, LLVM, Manifest, SharedLibrary, Ptx };

cl::OptionCategory category("amae-compile options");
cl::opt<std::string> specPath(cl::Positional, cl::Required,
                              cl::desc("<model spec .yaml | amae IR .mlir>"), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::init("-"), cl::value_desc("file"),
                                cl::desc("Output file ('-' for stdout)"),
                                cl::cat(category));
cl::opt<EmitKind> emit("emit", cl::init(EmitKind::Amae),
                       cl::desc("What to produce"),
                       cl::values(clEnumValN(EmitKind::Amae, "amae",
                                             "the amae-dialect IR of each graph"),
                                  clEnumValN(EmitKind::Linalg, "linalg",
                                             "after lowering to linalg on tensors"),
                                  clEnumValN(EmitKind::LLVM, "llvm",
                                             "the LLVM-dialect IR"),
                                  clEnumValN(EmitKind::Manifest, "manifest",
                                             "the graph signatures as JSON"),
                                  clEnumValN(EmitKind::SharedLibrary, "so",
                                             "a shared library (the default with -o X.so)"),
                                  clEnumValN(EmitKind::Ptx, "ptx",
                                             "--target=cuda: the PTX of every kernel")),
                       cl::cat(category));
enum class Target { Cpu, Cuda };
cl::opt<Target> target("target", cl::init(Target::Cpu),
                       cl::desc("Code generation target"),
                       cl::values(clEnumValN(Target::Cpu, "cpu",
                                             "host CPU: LLVM, ahead of time, a shared library"),
                                  clEnumValN(Target::Cuda, "cuda",
                                             "NVIDIA GPUs: an artifact whose host code launches the "
                                             "kernels (a fatbin inside), or their PTX (--emit=ptx)")),
                       cl::cat(category));
cl::opt<std::string> gpuArch("arch", cl::init("sm_90"), cl::value_desc("sm_80|sm_90|..."),
                             cl::desc("--target=cuda: the GPU architecture"),
                             cl::cat(category));
cl::opt<std::string> gpuGemmPrecision(
    "gpu-gemm-precision", cl::init("fp32"), cl::value_desc("fp32|tf32|bf16"),
    cl::desc("--target=cuda: the GEMMs' operands as cuBLAS may round them for the tensor "
             "cores, fp32 accumulation either way (default fp32: the CPU target's numerics; "
             "tolerances in docs/cuda-codegen.md)"),
    cl::cat(category));
cl::opt<std::string> gpuGemm(
    "gpu-gemm", cl::init("cublaslt"), cl::value_desc("cublaslt|cublas"),
    cl::desc("--target=cuda: the library the GEMMs call: cublaslt (the default: each shape's "
             "algorithm chosen once by its heuristic) or cublas (cublasGemmStridedBatchedEx); "
             "--blas=false makes them generated kernels instead"),
    cl::cat(category));
cl::opt<bool> emulateKernels(
    "emulate-kernels", cl::Hidden,
    cl::desc("--target=cuda: write the kernels compiled for this CPU instead of an artifact, "
             "for the tests' fake driver (test/Cuda/FakeDriver)"),
    cl::cat(category));
cl::opt<std::string> cudaPath("cuda-path", cl::init(""), cl::value_desc("dir"),
                              cl::desc("--target=cuda: the CUDA toolkit, for libdevice "
                                       "(default $CUDA_HOME, else /usr/local/cuda)"),
                              cl::cat(category));
cl::opt<bool> dedupKernels("dedup-kernels", cl::init(true),
                           cl::desc("Compile identical kernels once (amae-dedup-kernels)"),
                           cl::cat(category));
cl::opt<bool> gpuMappedLoops(
    "gpu-mapped-loops",
    cl::desc("--target=cpu: run each kernel as the CUDA target maps it (collapsed, tiled by "
             "--block-size, guarded) on the CPU, to check the mapping without a GPU"),
    cl::cat(category));
cl::opt<unsigned> gpuBlockSize("block-size", cl::init(256),
                               cl::desc("--target=cuda: threads per block of the kernels"),
                               cl::cat(category));
cl::opt<unsigned> gpuAttentionRegisters(
    "attention-register-width", cl::init(64), cl::value_desc("floats"),
    cl::desc("--target=cuda: floats of a row a fused attention thread keeps in registers: its "
             "query row when no wider, its accumulators in chunks this wide (1-256)"),
    cl::cat(category));
cl::opt<bool> keepIntermediates("keep-intermediates",
                                 cl::desc("Keep X.so.o and X.so.ll next to the library"),
                                 cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::init(2), cl::Prefix,
                           cl::desc("LLVM optimisation level (0-3, default 2)"),
                           cl::cat(category));
cl::opt<bool> useBlas("blas", cl::init(amae::blasAvailable()),
                      cl::desc("Hand the large matmuls to OpenBLAS, or to cuBLAS with "
                               "--target=cuda (default on when the build found OpenBLAS)"),
                      cl::cat(category));
cl::opt<std::string> gemmLibrary(
    "gemm", cl::init(amae::onednnAvailable() ? "onednn" : "openblas"),
    cl::value_desc("openblas|onednn"),
    cl::desc("With --blas: the library behind the GEMMs (default onednn when the build found "
             "it). onednn runs those on the weights of graphs that update none (inference) as "
             "oneDNN matmuls on weights packed once per binding, the other large unbatched GEMMs "
             "(a training graph's linears, forward and backward) on dnnl_sgemm, and "
             "attention's score tiles on oneDNN; the rest (batched or small) on OpenBLAS"),
    cl::cat(category));
cl::opt<bool> parallel("parallel", cl::init(amae::blasAvailable()),
                       cl::desc("Run large kernels and GEMM tiles on OpenMP threads (default "
                                "on when the build found OpenMP; threads at run time: "
                                "AMAE_NUM_THREADS or OMP_NUM_THREADS, default all cores)"),
                       cl::cat(category));
cl::opt<std::string> cpuName(
    "cpu", cl::init("host"), cl::value_desc("host|x86-64-v2|x86-64-v3|x86-64-v4|<cpu>"),
    cl::desc("The CPU to generate code for (default host: this machine's CPU and features); "
             "a library only loads where its features exist"),
    cl::cat(category));
cl::opt<int64_t> parallelMinIterations(
    "parallel-min-iterations", cl::init(32768),
    cl::desc("With --parallel: the smallest kernel iteration space run on several threads"),
    cl::cat(category));
cl::opt<unsigned> vectorWidth(
    "vector-width", cl::init(0), cl::value_desc("bits"),
    cl::desc("Vector width LLVM's vectorizers prefer: 128, 256 or 512 (default 0: the "
             "target's own preference, 256 on most AVX-512 Intel CPUs)"),
    cl::cat(category));
cl::opt<bool> interchange(
    "interchange", cl::init(true),
    cl::desc("Reductions walk contiguous memory innermost, column sums in parallel strips "
             "(amae-cpu-interchange; =false: loops in the order lowering made them)"),
    cl::cat(category));
cl::opt<bool> vectorize(
    "vectorize", cl::init(true),
    cl::desc("Elementwise kernels and row reductions (layer norm, softmax sums) on vectors of "
             "--vector-size lanes (amae-cpu-vectorize; =false: left to LLVM's loop vectorizer)"),
    cl::cat(category));
cl::opt<int64_t> vectorSize(
    "vector-size", cl::init(16), cl::value_desc("lanes"),
    cl::desc("Lanes per vector of --vectorize (default 16: one AVX-512 register of f32)"),
    cl::cat(category));
cl::opt<unsigned> compileThreads(
    "compile-threads", cl::init(0), cl::value_desc("N"),
    cl::desc("Threads that optimise and compile the generated code, each a part of the "
             "module (default 0: one per core; 1: the module whole)"),
    cl::cat(category));
cl::opt<std::string> tuningPath(
    "tuning", cl::value_desc("file.json"),
    cl::desc("Compile with the options amae-tune measured fastest (flags given here win; "
             "its thread count goes into the manifest)"),
    cl::cat(category));
cl::opt<bool> withGrads("grads",
                        cl::desc("Differentiate the training graphs: add grad.<param> "
                                 "outputs (amae-autodiff)"),
                        cl::cat(category));
cl::opt<std::string> recompute(
    "recompute", cl::init("activations"),
    cl::desc("With --grads: activations (the default: the backward recomputes each GELU's "
             "and layer norm's output from its input instead of storing it; the same bits, "
             "a quarter less buffer memory in base pretraining, no measurable time); none (store them); or blocks (it "
             "recomputes each transformer block instead of storing its intermediates: less "
             "memory, more time)"),
    cl::cat(category));
cl::opt<bool> fuse("fuse", cl::init(true),
                   cl::desc("Fuse elementwise producers into their consumers: layer norms and "
                            "softmaxes in fewer passes over memory (=false: one kernel per step)"),
                   cl::cat(category));
cl::opt<bool> fusedAttention(
    "fused-attention", cl::init(true),
    cl::desc("With --blas: attention as one kernel over blocks of query rows whose scores stay "
             "in cache (amae-cpu-attention-to-library; =false: two GEMMs around a softmax "
             "over the whole score matrix); with --target=cuda: attention and shifted-window "
             "attention as one thread per query row with an online softmax, no logit stored "
             "(amae-cuda-lower-attention)"),
    cl::cat(category));
cl::opt<int64_t> attentionBlockRows(
    "attention-block-rows", cl::init(0), cl::value_desc("rows"),
    cl::desc("With --fused-attention: query rows per block of the attention kernels, a "
             "multiple of 8 (default 0: as many as keep a block's scores within 256 KiB)"),
    cl::cat(category));
cl::opt<bool> biasEpilogue(
    "bias-epilogue", cl::init(true),
    cl::desc("With --blas: add each linear's bias after its matmul, fused into the next "
             "elementwise op, the GEMM overwriting its output (the default; =false: the GEMM "
             "accumulates onto the broadcast bias, the official order of operations)"),
    cl::cat(category));
cl::opt<bool> staticBufferPlan(
    "static-buffer-plan", cl::init(true),
    cl::desc("Place each graph's buffers at compile-time offsets in one arena, buffers never "
             "live together sharing memory (amae-static-buffer-plan; =false: one allocation "
             "per buffer)"),
    cl::cat(category));
cl::opt<bool> shrinkLifetimes("shrink-buffer-lifetimes", cl::init(true),
                              cl::desc("Allocate each buffer at its first use and free it "
                                       "after its last (=false: all live for the whole graph)"),
                              cl::cat(category));
cl::opt<std::string> warnBufferSize(
    "warn-buffer-size", cl::init("8G"), cl::value_desc("bytes[K|M|G|T]"),
    cl::desc("Warn when a graph's peak buffer memory exceeds this (default 8G; 0: never)"),
    cl::cat(category));
cl::opt<double> progressAfter(
    "progress-after", cl::init(3.0), cl::value_desc("seconds"),
    cl::desc("Print a line per compile phase once compiling takes longer than this"),
    cl::cat(category));
cl::opt<bool> withOptimizer("optimizer",
                            cl::desc("Add <graph>_adamw: one AdamW step with the "
                                     "official parameter groups per training graph"),
                            cl::cat(category));
cl::list<int64_t> batches(
    "batch", cl::CommaSeparated, cl::value_desc("N[,N...]"),
    cl::desc("Batch sizes, fixed at compile time (default 1). Several give one entry point "
             "each: the first keeps the graph's name, the others are <graph>_b<N>, all "
             "taking the same weights"),
    cl::cat(category));
cl::list<std::string> graphNames(
    "graphs", cl::CommaSeparated, cl::value_desc("infer,pretrain,finetune"),
    cl::desc("Build these graphs instead of the spec's list"), cl::cat(category));
cl::opt<std::string> weightsPath(
    "check-weights", cl::value_desc("checkpoint"),
    cl::desc("Check that a .safetensors or .pth checkpoint fits each graph"),
    cl::cat(category));
cl::opt<bool> allowUnused("allow-unused",
                          cl::desc("With --check-weights, ignore tensors a "
                                   "graph does not take"),
                          cl::cat(category));

/// "8G", "512M", "1000": bytes, with binary suffixes.
std::optional<int64_t> parseBytes(StringRef text) {
  text = text.trim();
  int shift = 0;
  if (!text.empty()) {
    switch (toUpper(text.back())) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: break;
    }
  }
  if (shift)
    text = text.drop_back();
  uint64_t value;
  if (text.getAsInteger(10, value) || value > (uint64_t(INT64_MAX) >> shift))
    return std::nullopt;
  return static_cast<int64_t>(value << shift);
}

/// Sets each option of the tuning file whose flag the command line did not
/// give; returns the run-time thread count it holds (0 if none).
Expected<int64_t> applyTuning() {
  Expected<amae::Tuning> tuning = amae::Tuning::read(tuningPath);
  if (!tuning)
    return tuning.takeError();
  int64_t threads = 0;
  for (const auto &[name, value] : tuning->options) {
    auto set = [&, value = value](auto &flag) {
      if (!flag.getNumOccurrences())
        flag = static_cast<std::decay_t<decltype(flag.getValue())>>(value);
    };
    if (name == "fuse") set(fuse);
    else if (name == "fused-attention") set(fusedAttention);
    else if (name == "static-buffer-plan") set(staticBufferPlan);
    else if (name == "bias-epilogue") set(biasEpilogue);
    else if (name == "blas") set(useBlas);
    else if (name == "parallel") set(parallel);
    else if (name == "vector-width") set(vectorWidth);
    else if (name == "interchange") set(interchange);
    else if (name == "vectorize") set(vectorize);
    else if (name == "vector-size") set(vectorSize);
    else if (name == "attention-block-rows") set(attentionBlockRows);
    else if (name == "parallel-min-iterations") set(parallelMinIterations);
    else if (name == "O") set(optLevel);
    else if (name == "gemm" && !gemmLibrary.getNumOccurrences())
      gemmLibrary = amae::findTunableOption(name)->choices[value];
    else if (name == "threads") threads = value;
  }
  return threads;
}

/// Checks the checkpoint against every graph; prints each misfit.
int checkWeights(const amae::Manifest &manifest) {
  Expected<amae::Checkpoint> checkpoint = amae::Checkpoint::open(weightsPath);
  if (!checkpoint) {
    errs() << "amae-compile: error: " << toString(checkpoint.takeError()) << "\n";
    return 1;
  }
  int failures = 0;
  for (const amae::GraphSignature &graph : manifest.graphs) {
    // The front end and optimizer steps take no weights to fit.
    if (graph.params.empty())
      continue;
    if (Error err = amae::checkWeights(graph, *checkpoint, allowUnused)) {
      errs() << "amae-compile: error: " << toString(std::move(err)) << "\n";
      ++failures;
    } else {
      outs() << weightsPath << ": fits graph '" << graph.name << "' ("
             << graph.params.size() << " parameters)\n";
    }
  }
  return failures ? 1 : 0;
}
/// Writes -o (or stdout) with `write`; false, after saying why, when the
/// file cannot be opened.
bool writeOutput(function_ref<void(raw_ostream &)> write) {
  std::error_code ec;
  ToolOutputFile output(outputPath, ec, sys::fs::OF_None);
  if (ec) {
    errs() << outputPath << ": error: " << ec.message() << "\n";
    return false;
  }
  write(output.os());
  output.keep();
  return true;
}

/// --target=cuda: the PTX of every kernel (--emit=ptx), or an artifact
/// (-o FILE.so) whose host code, compiled like a CPU model's for `host.cpu`,
/// launches them.
int compileForCuda(mlir::ModuleOp module, const amae::Manifest &manifest, bool wantsLibrary,
                   const amae::CpuOptions &host, bool shrink, int64_t warnBytes) {
  if (emit != EmitKind::Ptx && !wantsLibrary) {
    errs() << "amae-compile: error: --target=cuda writes the kernels' PTX (--emit=ptx) or a "
              "CUDA artifact (-o FILE.so)\n";
    return 1;
  }
  if (gpuGemmPrecision != "fp32" && gpuGemmPrecision != "tf32" && gpuGemmPrecision != "bf16") {
    errs() << "amae-compile: error: --gpu-gemm-precision must be fp32, tf32 or bf16, got '"
           << gpuGemmPrecision << "'\n";
    return 1;
  }
  if (gpuGemm != "cublaslt" && gpuGemm != "cublas") {
    errs() << "amae-compile: error: --gpu-gemm must be cublaslt or cublas, got '" << gpuGemm
           << "'\n";
    return 1;
  }
  amae::CudaOptions cuda;
  cuda.arch = gpuArch;
  cuda.gemmPrecision = gpuGemmPrecision;
  cuda.gemmLibrary = gpuGemm;
  cuda.blockSize = gpuBlockSize;
  cuda.attentionRegisterWidth = gpuAttentionRegisters;
  cuda.fuse = host.fuse;
  cuda.fusedAttention = host.fusedAttention;
  cuda.useBlas = host.useBlas;
  cuda.biasEpilogue = host.biasEpilogue;
  cuda.shrinkBufferLifetimes = shrink;
  cuda.warnBufferBytes = warnBytes;
  const char *home = std::getenv("CUDA_HOME");
  cuda.cudaPath = !cudaPath.empty() ? cudaPath.getValue()
                  : home && *home   ? std::string(home)
                                    : std::string("/usr/local/cuda");
  size_t kernels = 0;
  if (wantsLibrary && outputPath == "-") {
    errs() << "amae-compile: error: a shared library needs -o FILE.so\n";
    return 1;
  }
  if (wantsLibrary && emulateKernels) {
    if (Error err = amae::compileKernelEmulation(module, outputPath, cuda, host)) {
      errs() << "amae-compile: error: " << toString(std::move(err)) << "\n";
      return 1;
    }
    return 0;
  }
  if (wantsLibrary) {
    if (Error err =
            amae::compileToCudaLibrary(module, manifest, outputPath, cuda, host, kernels)) {
      errs() << "amae-compile: error: " << toString(std::move(err)) << "\n";
      return 1;
    }
    errs() << formatv("amae-compile: {0} kernel launches for {1} in {2}\n", kernels, gpuArch,
                      outputPath);
    return 0;
  }
  auto ptx = amae::compileToPtx(module, cuda, kernels);
  if (!ptx) {
    errs() << "amae-compile: error: " << toString(ptx.takeError()) << "\n";
    return 1;
  }
  if (!writeOutput([&](raw_ostream &os) { os << *ptx; }))
    return 1;
  if (outputPath != "-")
    errs() << formatv("amae-compile: {0} kernel launches, PTX for {1} in {2}\n", kernels,
                      gpuArch, outputPath);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // --mlir-print-ir-after=PASS, --mlir-timing and the rest, for every
  // pass-manager run of the compile (hidden from --help; see amae-opt).
  amae::registerCodegenPasses();
  mlir::DialectRegistry registry;
  amae::registerCudaCodegen(registry);
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae model compiler\n");

  int64_t tunedThreads = 0;
  if (!tuningPath.empty()) {
    Expected<int64_t> threads = applyTuning();
    if (!threads) {
      errs() << "amae-compile: error: " << toString(threads.takeError()) << "\n";
      return 1;
    }
    tunedThreads = *threads;
  }
  // The tunable flags take what a tuning file may hold: one range, in abi/Tuning.
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"vector-width", vectorWidth},
                             {"vector-size", vectorSize},
                             {"attention-block-rows", attentionBlockRows},
                             {"parallel-min-iterations", parallelMinIterations}})
    if (Error err = amae::checkTunableValue(*amae::findTunableOption(name), value)) {
      errs() << "amae-compile: error: --" << toString(std::move(err)) << "\n";
      return 1;
    }
  if (batches.empty())
    batches.push_back(1);
  for (size_t i = 0; i < batches.size(); ++i) {
    if (batches[i] < 1) {
      errs() << "amae-compile: error: --batch must be at least 1, got " << batches[i] << "\n";
      return 1;
    }
    if (llvm::is_contained(ArrayRef<int64_t>(batches).take_front(i), batches[i])) {
      errs() << "amae-compile: error: --batch lists " << batches[i] << " twice\n";
      return 1;
    }
  }
  amae::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  amae::CompileProgress progress(progressAfter);
  // Without a handler MLIR prints only errors; passes also warn (buffer plan).
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  context.printOpOnDiagnostic(false);
  // Graph-level diagnostics carry the graph's name, not a file position:
  // print them as the tool's own.
  mlir::ScopedDiagnosticHandler graphDiagnostics(&context, [](mlir::Diagnostic &d) {
    if (mlir::isa<mlir::FileLineColLoc>(d.getLocation()))
      return mlir::failure();
    const char *severity = d.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
                           : d.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
                                                                                  : "note";
    errs() << "amae-compile: " << severity << ": " << d.str() << "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module;

  if (StringRef(specPath).ends_with(".mlir")) {
    // amae IR written by hand or by --emit=amae: compile it as it is.
    module = mlir::parseSourceFile<mlir::ModuleOp>(specPath, &context);
    if (!module)
      return 1;
  } else {
  std::optional<amae::ModelSpec> spec = amae::parseModelSpecFile(specPath);
  if (!spec)
    return 1;
  if (!graphNames.empty()) {
    spec->graphs.clear();
    for (const std::string &name : graphNames) {
      std::optional<amae::GraphKind> kind = amae::parseGraphName(name);
      if (!kind) {
        errs() << "amae-compile: error: unknown graph '" << name
               << "' (expected infer, pretrain or finetune)\n";
        return 1;
      }
      spec->graphs.push_back(*kind);
    }
  }

  progress.phase("emit the graphs");
  module = amae::emitGraphs(context, *spec, batches[0]);
  for (int64_t b : ArrayRef<int64_t>(batches).drop_front())
    amae::appendBatchVariant(*module, context, *spec, b);
  if (withOptimizer)
    amae::emitOptimizers(*module, *spec);
  }
  if (failed(mlir::verify(*module))) {
    errs() << specPath << ": internal error: the emitted IR does not verify\n";
    return 1;
  }
  if (failed(amae::orderGraphArguments(*module)))
    return 1;

  if (!weightsPath.empty())
    return checkWeights(amae::manifestOf(*module));

  if (withGrads)
    progress.phase("differentiate (amae-autodiff)");
  if (withGrads && failed(amae::appendGradients(*module, recompute)))
    return 1;
  if (withGrads && withOptimizer && failed(amae::appendFusedSteps(*module)))
    return 1;
  amae::Manifest manifest = amae::manifestOf(*module);
  manifest.threads = tunedThreads;
  bool wantsLibrary = emit == EmitKind::SharedLibrary ||
                      (emit.getNumOccurrences() == 0 && StringRef(outputPath).ends_with(".so"));
  if (optLevel > 3) {
    errs() << "amae-compile: error: -O takes 0 to 3\n";
    return 1;
  }
  std::optional<int64_t> warnBytes = parseBytes(warnBufferSize);
  if (!warnBytes) {
    errs() << "amae-compile: error: --warn-buffer-size wants bytes like 8G, 512M or 0, got '"
           << warnBufferSize << "'\n";
    return 1;
  }
  // One set of pipeline options for every output, so --emit=llvm shows what
  // the library gets (amae-opt --amae-cpu-pipeline takes the same).
  amae::CpuOptions cpu;
  cpu.onPhase = [&](StringRef name) { progress.phase(name); };
  cpu.warnBufferBytes = *warnBytes;
  cpu.optLevel = optLevel;
  cpu.useBlas = useBlas;
  cpu.gemm = gemmLibrary;
  cpu.threads = parallel;
  cpu.minParallelIterations = parallelMinIterations;
  cpu.cpu = cpuName;
  cpu.keepIntermediates = keepIntermediates;
  cpu.shrinkBufferLifetimes = shrinkLifetimes;
  cpu.staticBufferPlan = staticBufferPlan;
  cpu.biasEpilogue = biasEpilogue;
  cpu.fuse = fuse;
  cpu.fusedAttention = fusedAttention;
  cpu.vectorWidth = vectorWidth;
  cpu.interchange = interchange;
  cpu.vectorize = vectorize;
  cpu.vectorSize = vectorSize;
  cpu.attentionBlockRows = attentionBlockRows;
  cpu.compileThreads = compileThreads;
  cpu.gpuMappedLoops = gpuMappedLoops;
  cpu.dedupKernels = dedupKernels;
  cpu.gpuBlockSize = gpuBlockSize;
  if (gpuBlockSize < 32 || gpuBlockSize > 1024 || gpuBlockSize % 32) {
    errs() << "amae-compile: error: --block-size must be a multiple of 32 from 32 to 1024, got "
           << gpuBlockSize << "\n";
    return 1;
  }
  if (gpuAttentionRegisters < 1 || gpuAttentionRegisters > 256) {
    errs() << "amae-compile: error: --attention-register-width must be from 1 to 256, got "
           << gpuAttentionRegisters << "\n";
    return 1;
  }
  if (target == Target::Cuda)
    return compileForCuda(*module, manifest, wantsLibrary, cpu, shrinkLifetimes, *warnBytes);
  if (emit == EmitKind::Ptx) {
    errs() << "amae-compile: error: --emit=ptx needs --target=cuda\n";
    return 1;
  }
  if (wantsLibrary) {
    if (outputPath == "-") {
      errs() << "amae-compile: error: a shared library needs -o FILE.so\n";
      return 1;
    }
    if (Error err = amae::compileToSharedLibrary(*module, manifest, outputPath, cpu)) {
      errs() << "amae-compile: error: " << toString(std::move(err)) << "\n";
      return 1;
    }
    return 0;
  }
  if (emit == EmitKind::Linalg || emit == EmitKind::LLVM) {
    progress.phase("lower");
    if (emit == EmitKind::LLVM ? failed(amae::lowerToLLVMDialect(*module, cpu))
                               : failed(amae::lowerToLinalg(*module, cpu)))
      return 1;
  }

  bool written = writeOutput([&](raw_ostream &os) {
    if (emit == EmitKind::Manifest)
      os << formatv("{0:2}", manifest.toJSON()) << "\n";
    else
      module->print(os);
    os << "\n";
  });
  return written ? 0 : 1;
}
