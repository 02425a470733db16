//===- Pipelines.cpp - Target-independent pipeline stages -----------------===//

#include "passes/Pipelines.h"

namespace mlir::amae {

std::string linalgStagePipeline(bool fuse, bool fusedAttention, bool biasEpilogue,
                                bool fusedWindowAttention) {
  std::string p = std::string("canonicalize,amae-lower-to-linalg{fused-attention=") +
                  (fusedAttention ? "true" : "false") + " fused-window-attention=" +
                  (fusedWindowAttention ? "true" : "false") +
                  " bias-epilogue=" + (biasEpilogue ? "true" : "false") + "},canonicalize,cse,"
                  "func.func(convert-elementwise-to-linalg)";
  // Fusion runs on tensors, where producers and consumers are SSA values.
  if (fuse)
    p += ",func.func(amae-fuse-elementwise),canonicalize,cse";
  return p;
}

std::string kernelStagePipeline(const KernelStageOptions &o) {
  std::string p = "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
                  "func.func(buffer-hoisting),buffer-deallocation-pipeline,canonicalize,";
  // The BLAS rewrite runs on the bufferized contractions before outlining.
  if (o.useBlas)
    p += "amae-contractions-to-blas,canonicalize,";
  if (o.shrinkBufferLifetimes)
    p += "func.func(amae-shrink-buffer-lifetimes),";
  p += "func.func(amae-buffer-plan-report{warn-bytes=" + std::to_string(o.warnBufferBytes) +
       "}),";
  // The plan needs the lifetimes the shrinking pass gives.
  if (o.staticBufferPlan && o.shrinkBufferLifetimes)
    p += "func.func(amae-static-buffer-plan),";
  p += o.copiesAsKernels ? "amae-outline-kernels{copies}" : "amae-outline-kernels";
  if (o.dedupKernels)
    p += ",amae-dedup-kernels";
  return p;
}

} // namespace mlir::amae
