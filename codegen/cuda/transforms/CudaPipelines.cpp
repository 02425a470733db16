//===- CudaPipelines.cpp - The declared CUDA pipeline ---------------------===//
//
// amae IR to PTX, as one registered pipeline (amae-opt reproduces what
// amae-compile --target=cuda runs):
// 1. the stages shared with the CPU target (passes/Pipelines.h): amae to
//    fused linalg on tensors, bufferization, kernels outlined and merged;
// 2. each kernel's loop nest as scf.parallel, collapsed, tiled and mapped
//    to blocks and threads (amae-cuda-map-loops), then gpu.launch;
// 3. the launches outlined into one gpu.module (amae-cuda-merge-gpu-modules),
//    erf/exp/log as polynomials (amae-approximate-math, as on the CPU), the
//    NVVM target attached with libdevice for the other math functions;
// 4. the device code through convert-gpu-to-nvvm to PTX, or to a fatbin
//    (ptxas and fatbinary from the toolkit) for an artifact;
// 5. the host code: constant globals read through device-visible copies
//    (amae-cuda-device-constants), then the full conversions to the LLVM
//    dialect, gpu.launch_func included (gpu-to-llvm): a stray op fails.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/transforms/CudaPasses.h"
#include "passes/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/Regex.h"

namespace mlir::amae::cuda {

std::string archError(llvm::StringRef arch) {
  llvm::SmallVector<llvm::StringRef> match;
  // PTX ISA 8.0, which the pipeline emits, covers sm_50 to sm_90a.
  if (!llvm::Regex("^sm_([0-9]+)a?$").match(arch, &match))
    return ("--arch must name a GPU architecture like sm_80 or sm_90, got '" + arch + "'").str();
  unsigned version = 0;
  match[1].getAsInteger(10, version);
  if (version < 50 || version > 90)
    return ("--arch=" + arch + " is outside sm_50 to sm_90a, the GPUs PTX ISA 8.0 covers")
        .str();
  return "";
}

/// Stages 1-3: the kernels outlined into one gpu.module.
static std::string kernelsText(const ::amae::CudaOptions &o) {
  KernelStageOptions kernels;
  kernels.useBlas = o.useBlas;
  kernels.shrinkBufferLifetimes = o.shrinkBufferLifetimes;
  kernels.warnBufferBytes = o.warnBufferBytes;
  // The host code must not touch buffers while kernels run.
  kernels.copiesAsKernels = true;
  // The graphs' C interface (the artifact ABI, as on the CPU).
  return linalgStagePipeline(o.fuse, o.fusedAttention, o.biasEpilogue && o.useBlas,
                             /*fusedWindowAttention=*/o.fusedAttention) +
         ",amae-bufferize,amae-cpu-emit-c-interface," +
         (o.fusedAttention ? "amae-cuda-lower-attention{register-width=" +
                                   std::to_string(o.attentionRegisterWidth) + "},"
                             : std::string()) + kernelStagePipeline(kernels) +
         ",func.func(convert-linalg-to-parallel-loops),canonicalize,"
         "func.func(amae-cuda-map-loops{block-size=" +
         std::to_string(o.blockSize) +
         "}),func.func(convert-parallel-loops-to-gpu),canonicalize,"
         // Constants into the launches before outlining: passed as kernel
         // arguments, they made every address a run-time value.
         "gpu-launch-sink-index-computations,gpu-kernel-outlining,amae-cuda-merge-gpu-modules";
}

/// The conversions of host code to the LLVM dialect, GPU launches aside.
static constexpr const char *kHostToLLVM =
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "finalize-memref-to-llvm{use-generic-functions},convert-arith-to-llvm,"
    "convert-index-to-llvm,convert-func-to-llvm,convert-cf-to-llvm";

static std::string pipelineText(const ::amae::CudaOptions &o) {
  std::string libdevice = o.cudaPath + "/nvvm/libdevice/libdevice.10.bc";
  return kernelsText(o) +
         ",lower-affine,expand-strided-metadata,amae-approximate-math,"
         "nvvm-attach-target{chip=" +
         o.arch + " features=+ptx80 O=3 l=" + libdevice +
         "},gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,canonicalize,cse,"
         "reconcile-unrealized-casts),gpu-module-to-binary{format=" +
         o.format + " toolkit=" + o.cudaPath +
         "},amae-cuda-device-constants,convert-linalg-to-loops," + kHostToLLVM +
         ",gpu-to-llvm,reconcile-unrealized-casts";
}

LogicalResult buildCudaPipeline(OpPassManager &pm, const ::amae::CudaOptions &options) {
  return parsePassPipeline(pipelineText(options), pm, llvm::errs());
}

LogicalResult buildCudaEmulationPipeline(OpPassManager &pm,
                                         const ::amae::CudaOptions &options) {
  // The math the device gets from libdevice comes from libm here.
  std::string text = kernelsText(options) +
                     ",amae-cuda-emulate-kernels,amae-approximate-math,convert-math-to-llvm,"
                     "convert-math-to-libm," +
                     kHostToLLVM + ",reconcile-unrealized-casts";
  return parsePassPipeline(text, pm, llvm::errs());
}

namespace {
struct CudaPipelineOptions : PassPipelineOptions<CudaPipelineOptions> {
  Option<std::string> arch{*this, "arch", llvm::cl::desc("GPU architecture (sm_80, sm_90, ...)"),
                           llvm::cl::init("sm_90")};
  Option<int64_t> blockSize{*this, "block-size", llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<bool> fuse{*this, "fuse", llvm::cl::desc("Fuse elementwise producers into consumers"),
                    llvm::cl::init(true)};
  Option<bool> blas{*this, "blas",
                    llvm::cl::desc("Matmul-shaped contractions as library calls"),
                    llvm::cl::init(true)};
  Option<bool> biasEpilogue{
      *this, "bias-epilogue",
      llvm::cl::desc("With blas: add each linear's bias after its GEMM, fused into the next "
                     "elementwise kernel"),
      llvm::cl::init(true)};
  Option<std::string> cudaPath{*this, "cuda-path",
                               llvm::cl::desc("CUDA toolkit (libdevice, ptxas, fatbinary)"),
                               llvm::cl::init("/usr/local/cuda")};
  Option<bool> fusedAttention{
      *this, "fused-attention",
      llvm::cl::desc("Attention as one kernel with an online softmax (amae-cuda-lower-attention)"),
      llvm::cl::init(true)};
  Option<int64_t> attentionRegisterWidth{
      *this, "attention-register-width",
      llvm::cl::desc("Floats of a row a fused attention thread keeps in registers"),
      llvm::cl::init(64)};
  Option<std::string> format{*this, "format",
                             llvm::cl::desc("Kernels as isa (PTX) or fatbin (an artifact's)"),
                             llvm::cl::init("isa")};
};
} // namespace

void registerCudaPipeline() {
  PassPipelineRegistration<CudaPipelineOptions>(
      "amae-cuda-pipeline", "amae IR to PTX for NVIDIA GPUs (what amae-compile --target=cuda runs)",
      [](OpPassManager &pm, const CudaPipelineOptions &o) {
        ::amae::CudaOptions cuda;
        cuda.arch = o.arch;
        cuda.blockSize = o.blockSize;
        cuda.fuse = o.fuse;
        cuda.useBlas = o.blas;
        cuda.biasEpilogue = o.biasEpilogue;
        cuda.cudaPath = o.cudaPath;
        cuda.format = o.format;
        cuda.fusedAttention = o.fusedAttention;
        cuda.attentionRegisterWidth = o.attentionRegisterWidth;
        if (failed(buildCudaPipeline(pm, cuda)))
          llvm::report_fatal_error("amae-cuda-pipeline: the pipeline text does not parse");
      });
}

} // namespace mlir::amae::cuda
