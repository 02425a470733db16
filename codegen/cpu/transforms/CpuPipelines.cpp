//===- CpuPipelines.cpp - The declared CPU pipeline -----------------------===//
//
// amae IR to the LLVM dialect, as one registered pipeline so that amae-opt
// reproduces amae-compile stage by stage:
// 1. amae -> linalg/tensor (amae-lower-to-linalg), elementwise arith ops on
//    tensors -> linalg, [elementwise producers fused into consumers];
// 2. bufferization (amae-bufferize: arguments read-only, copies as
//    linalg.copy), the C interface of each graph;
// 3. results -> out-parameters, deallocation, [BLAS calls], buffers
//    allocated at first use and freed after last, the buffer-plan report,
//    kernels outlined and identical ones merged (1 and 3 are the stages
//    passes/Pipelines.h shares with the CUDA pipeline);
// 4. [reductions interchanged], [elementwise kernels and row reductions on
//    vectors], [large kernels as OpenMP loops], loops and the full
//    conversions to the LLVM dialect: an op nobody lowers fails loudly.
//    Heap buffers go through MLIR's generic allocation functions, which
//    the support library defines (kernels/CpuSupport.c: failures, reuse).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/transforms/CpuPasses.h"
#include "passes/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

namespace mlir::amae::cpu {

static std::string pipelineText(const ::amae::CpuOptions &cpu) {
  KernelStageOptions kernels;
  kernels.useBlas = cpu.useBlas;
  kernels.shrinkBufferLifetimes = cpu.shrinkBufferLifetimes;
  kernels.warnBufferBytes = cpu.warnBufferBytes;
  kernels.dedupKernels = cpu.dedupKernels;
  kernels.staticBufferPlan = cpu.staticBufferPlan;
  bool fusedAttention = cpu.lowersFusedAttention();
  std::string p = linalgStagePipeline(cpu.fuse, fusedAttention, cpu.lowersBiasEpilogue()) +
                  ",amae-bufferize,amae-cpu-emit-c-interface,";
  if (fusedAttention)
    p += "amae-cpu-attention-to-library{block-rows=" + std::to_string(cpu.attentionBlockRows) +
         "},";
  p += kernelStagePipeline(kernels) + ",";
  if (cpu.gpuMappedLoops) {
    // The CUDA target's loop nests, executed here (amae-cuda-map-loops).
    p += "func.func(convert-linalg-to-parallel-loops),canonicalize,"
         "func.func(amae-cuda-map-loops{block-size=" +
         std::to_string(cpu.gpuBlockSize) + "}),";
  } else {
    // The smallest kernel the passes before amae-cpu-parallel-loops share
    // out themselves (0: no threads).
    std::string threaded = std::to_string(cpu.threads ? cpu.minParallelIterations : 0);
    if (cpu.interchange)
      p += "func.func(amae-cpu-interchange{parallel-min-iterations=" + threaded + "}),";
    if (cpu.vectorize)
      p += "func.func(amae-cpu-vectorize{vector-size=" + std::to_string(cpu.vectorSize) +
           " min-iterations=" + threaded + "}),";
    // Large kernels run on the threads (OpenMP); the rest stay sequential.
    if (cpu.threads)
      p += "func.func(amae-cpu-parallel-loops{min-iterations=" +
           std::to_string(cpu.minParallelIterations) + "}),";
  }
  p += "convert-linalg-to-loops,canonicalize,lower-affine,expand-strided-metadata,"
       "amae-approximate-math,convert-math-to-llvm,convert-math-to-libm,";
  if (cpu.threads && !cpu.gpuMappedLoops)
    p += "convert-scf-to-openmp,canonicalize,"; // drops the empty alloca_scopes it adds
  // After the OpenMP conversion: its memref.alloca_scopes around a loop body
  // are only inlined while the body holds no op of unknown effect.
  p += "convert-vector-to-llvm,convert-scf-to-cf,"
       "finalize-memref-to-llvm{use-generic-functions},convert-arith-to-llvm,"
       "convert-index-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,";
  if (cpu.threads)
    p += "convert-openmp-to-llvm,";
  p += "reconcile-unrealized-casts";
  // A function attribute the backend reads, so it goes on the final llvm.funcs.
  if (cpu.vectorWidth)
    p += ",amae-cpu-vector-width{width=" + std::to_string(cpu.vectorWidth) + "}";
  return p;
}

LogicalResult buildCpuPipeline(OpPassManager &pm, const ::amae::CpuOptions &options) {
  return parsePassPipeline(pipelineText(options), pm, llvm::errs());
}

namespace {
struct CpuPipelineOptions : PassPipelineOptions<CpuPipelineOptions> {
  Option<bool> blas{*this, "blas", llvm::cl::desc("Hand matmul-shaped contractions to BLAS"),
                    llvm::cl::init(false)};
  Option<bool> shrinkBufferLifetimes{
      *this, "shrink-buffer-lifetimes",
      llvm::cl::desc("Allocate buffers at first use, free them after last"),
      llvm::cl::init(true)};
  Option<int64_t> warnBufferBytes{
      *this, "warn-buffer-bytes",
      llvm::cl::desc("Warn when a graph's peak buffer memory exceeds this (0: never)"),
      llvm::cl::init(int64_t(8) << 30)};
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Fuse elementwise producers into their consumers "
                                   "(amae-fuse-elementwise)"),
                    llvm::cl::init(true)};
  Option<bool> fusedAttention{
      *this, "fused-attention",
      llvm::cl::desc("With blas: attention as one library kernel (amae-cpu-attention-to-library)"),
      llvm::cl::init(true)};
  Option<int64_t> attentionBlockRows{
      *this, "attention-block-rows",
      llvm::cl::desc("With fused-attention: query rows per block of the attention kernels "
                     "(0: the kernels choose)"),
      llvm::cl::init(0)};
  Option<bool> parallel{*this, "parallel",
                        llvm::cl::desc("Large kernels as OpenMP work-sharing loops"),
                        llvm::cl::init(false)};
  Option<int64_t> parallelMinIterations{
      *this, "parallel-min-iterations",
      llvm::cl::desc("Smallest kernel iteration space run on several threads"),
      llvm::cl::init(32768)};
  Option<bool> interchange{
      *this, "interchange",
      llvm::cl::desc("Reductions along contiguous memory, column sums in parallel strips "
                     "(amae-cpu-interchange)"),
      llvm::cl::init(true)};
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Elementwise kernels and row reductions on vectors (amae-cpu-vectorize)"),
      llvm::cl::init(true)};
  Option<int64_t> vectorSize{*this, "vector-size",
                             llvm::cl::desc("Lanes per vector of amae-cpu-vectorize"),
                             llvm::cl::init(16)};
  Option<bool> biasEpilogue{
      *this, "bias-epilogue",
      llvm::cl::desc("With blas: biases added after the matmuls, fused into the next "
                     "elementwise op; the GEMM overwrites its output (default; false: it "
                     "accumulates onto the broadcast bias)"),
      llvm::cl::init(true)};
  Option<bool> staticBufferPlan{
      *this, "static-buffer-plan",
      llvm::cl::desc("Each graph's buffers at compile-time offsets in one arena "
                     "(amae-static-buffer-plan)"),
      llvm::cl::init(true)};
  Option<bool> dedupKernels{*this, "dedup-kernels",
                            llvm::cl::desc("Merge identical kernels (amae-dedup-kernels)"),
                            llvm::cl::init(true)};
  Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Vector width in bits LLVM prefers: 128, 256, 512 (0: the target's)"),
      llvm::cl::init(0)};
};
} // namespace

void registerCpuPipeline() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "amae-cpu-pipeline", "amae IR to the LLVM dialect for the CPU (what amae-compile runs)",
      [](OpPassManager &pm, const CpuPipelineOptions &o) {
        ::amae::CpuOptions cpu;
        cpu.useBlas = o.blas;
        cpu.shrinkBufferLifetimes = o.shrinkBufferLifetimes;
        cpu.warnBufferBytes = o.warnBufferBytes;
        cpu.threads = o.parallel;
        cpu.fuse = o.fuse;
        cpu.fusedAttention = o.fusedAttention;
        cpu.attentionBlockRows = o.attentionBlockRows;
        cpu.minParallelIterations = o.parallelMinIterations;
        cpu.vectorWidth = o.vectorWidth;
        cpu.interchange = o.interchange;
        cpu.vectorize = o.vectorize;
        cpu.vectorSize = o.vectorSize;
        cpu.dedupKernels = o.dedupKernels;
        cpu.staticBufferPlan = o.staticBufferPlan;
        cpu.biasEpilogue = o.biasEpilogue;
        if (failed(buildCpuPipeline(pm, cpu)))
          llvm::report_fatal_error("amae-cpu-pipeline: the pipeline text does not parse");
      });
}

} // namespace mlir::amae::cpu
