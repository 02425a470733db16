//===- CpuOptions.h - Options of the CPU pipeline ---------------*- C++ -*-===//
//
// What amae-compile's flags and `amae-cpu-pipeline`'s options set; shared by
// the pipeline builder (codegen/cpu/transforms) and the object emitter.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CODEGEN_CPU_CPUOPTIONS_H
#define AMAE_CODEGEN_CPU_CPUOPTIONS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <string>

namespace amae {

struct CpuOptions {
  /// The CPU to generate code for: "host", an x86-64 level ("x86-64-v3")
  /// or a CPU name LLVM knows; recorded in the manifest with its features.
  std::string cpu = "host";
  /// LLVM optimisation level. O2 by default: on the naive loop nests O3's
  /// extra unrolling made the tiny pretraining graph compile in 35 s
  /// instead of 14 s for a run-time gain inside the noise (8.0 vs 8.9 ms).
  unsigned optLevel = 2;
  /// Hand matmul-shaped contractions to OpenBLAS (amae-contractions-to-blas).
  bool useBlas = false;
  /// The library behind amae_gemm (a link-time choice; the IR is the same):
  /// "openblas", or "onednn", which runs GEMMs on constant weights (an
  /// inference graph's parameters, declared by the runtime) as oneDNN
  /// matmuls on a copy packed once, other large unbatched GEMMs on
  /// dnnl_sgemm, and the rest on OpenBLAS.
  std::string gemm = "openblas";
  /// Keep `<output>.o` and `<output>.ll` next to the library.
  bool keepIntermediates = false;
  /// Allocate buffers at first use and free them after last use
  /// (amae-shrink-buffer-lifetimes); off, every buffer lives for the whole
  /// graph (for measuring what the pass saves).
  bool shrinkBufferLifetimes = true;
  /// Place each graph's buffers at compile-time offsets in one arena
  /// (amae-static-buffer-plan; needs shrinkBufferLifetimes): one allocation
  /// per run instead of one per intermediate.
  bool staticBufferPlan = true;
  /// Warn when a graph's peak buffer memory exceeds this many bytes
  /// (amae-buffer-plan-report); 0 never warns.
  int64_t warnBufferBytes = int64_t(8) << 30;
  /// Fuse elementwise producers into their consumers on tensors
  /// (amae-fuse-elementwise): layer norms and softmaxes in fewer passes.
  bool fuse = true;
  /// Attention as one library kernel (amae-cpu-attention-to-library): blocks
  /// of query rows whose scores stay in cache, instead of the linalg form
  /// that writes the whole score matrix. Needs useBlas (its GEMMs).
  bool fusedAttention = true;
  /// Query rows per block of the attention kernels, a multiple of 8; 0: as
  /// many as keep a block's scores within 64 Ki floats (a tile size amae-tune
  /// sweeps).
  int64_t attentionBlockRows = 0;
  /// Run large kernels on several threads (OpenMP, libomp) and GEMMs split
  /// over them; needs the build to have found OpenMP.
  bool threads = false;
  /// Smallest kernel iteration space worth the threads (amae-cpu-parallel-loops).
  int64_t minParallelIterations = 32768;
  /// Reductions walk their largest operand's contiguous dimension innermost
  /// (amae-cpu-interchange), in parallel column strips with `threads`.
  bool interchange = true;
  /// Vector width in bits LLVM's vectorizers prefer (amae-cpu-vector-width):
  /// 128, 256, 512, or 0 for the target's own preference.
  unsigned vectorWidth = 0;
  /// Elementwise kernels and row reductions on vectors of `vectorSize`
  /// lanes (amae-cpu-vectorize); off, LLVM's loop vectorizer has them.
  bool vectorize = true;
  int64_t vectorSize = 16;
  /// Merge identical outlined kernels (amae-dedup-kernels); off only to
  /// measure what it saves.
  bool dedupKernels = true;
  /// Lower each kernel through the CUDA target's loop mapping
  /// (amae-cuda-map-loops: collapsed, tiled by `gpuBlockSize`, guarded) and
  /// run the mapped loops on the CPU, so the mapping is checked against the
  /// golden vectors without a GPU. Replaces interchange and the OpenMP loops.
  bool gpuMappedLoops = false;
  int64_t gpuBlockSize = 256;
  /// Threads that optimise and compile the LLVM module, each a part of it
  /// (0: one per core; 1: the module whole).
  unsigned compileThreads = 0;
  /// Biases added after the matmuls, fused into the next elementwise op, the
  /// GEMM then overwriting its output (beta 0) instead of accumulating onto a
  /// broadcast bias (the official order of operations). On by default since
  /// oneDNN: its matmuls gain from it (base inference 291 -> 286 ms), where
  /// OpenBLAS read C in its store loop almost for free (316/317 ms).
  bool biasEpilogue = true;
  bool lowersBiasEpilogue() const { return biasEpilogue && useBlas && !gpuMappedLoops; }
  /// The fused attention kernel is a library call on BLAS; the GPU-mapped
  /// loops check what the CUDA target runs, which lowers attention as linalg.
  bool lowersFusedAttention() const { return fusedAttention && useBlas && !gpuMappedLoops; }
  /// Called as each phase of compileToSharedLibrary starts ("lower to the
  /// LLVM dialect", "optimise LLVM IR", "emit object code", "link").
  std::function<void(llvm::StringRef)> onPhase = [](llvm::StringRef) {};
};

} // namespace amae

#endif // AMAE_CODEGEN_CPU_CPUOPTIONS_H
