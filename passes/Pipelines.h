//===- Pipelines.h - Target-independent pipeline stages ---------*- C++ -*-===//
//
// The stages every target shares, as pass-pipeline text: amae to linalg on
// tensors, then bufferized kernels. The CPU pipeline (codegen/cpu) and the
// CUDA one (codegen/cuda) continue from the outlined kernels, so both
// targets lower the same fused, bufferized linalg.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_PASSES_PIPELINES_H
#define AMAE_PASSES_PIPELINES_H

#include <cstdint>
#include <string>

namespace mlir::amae {

/// amae to linalg on tensors, fused unless `fuse` is off (what
/// `amae-compile --emit=linalg` shows); with `fusedAttention`, attention
/// stays one op (amae.fused_attention) that the target must implement.
/// With `biasEpilogue`, biases are added after the matmuls (fused into the
/// next elementwise op; the matmul starts from zero, a BLAS call with beta 0).
/// With `fusedWindowAttention`, window attention stays one op too
/// (amae.fused_window_attention).
std::string linalgStagePipeline(bool fuse = true, bool fusedAttention = false,
                                bool biasEpilogue = false, bool fusedWindowAttention = false);

struct KernelStageOptions {
  bool useBlas = false;               // amae-contractions-to-blas
  bool shrinkBufferLifetimes = true;  // amae-shrink-buffer-lifetimes
  int64_t warnBufferBytes = int64_t(8) << 30;
  bool dedupKernels = true;           // amae-dedup-kernels
  bool staticBufferPlan = false;      // amae-static-buffer-plan (needs shrinkBufferLifetimes)
  bool copiesAsKernels = false;       // amae-outline-kernels{copies}
};

/// After amae-bufferize (and whatever the target adds to the bufferized
/// graphs): results as out-parameters, deallocation, [BLAS calls], buffer
/// lifetimes, the buffer-plan report, then one function per kernel with
/// identical kernels merged (amae-outline-kernels, amae-dedup-kernels).
std::string kernelStagePipeline(const KernelStageOptions &options);

} // namespace mlir::amae

#endif // AMAE_PASSES_PIPELINES_H
