//===- CudaPasses.h - CUDA-specific amae passes -----------------*- C++ -*-===//

#ifndef AMAE_CODEGEN_CUDA_CUDAPASSES_H
#define AMAE_CODEGEN_CUDA_CUDAPASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace amae {

/// What amae-compile's flags and `amae-cuda-pipeline`'s options set.
struct CudaOptions {
  std::string arch = "sm_90"; // the GPU: sm_80, sm_90, ...
  int64_t blockSize = 256;    // threads per block of the elementwise kernels
  bool fuse = true;           // amae-fuse-elementwise
  bool fusedAttention = true; // amae-cuda-lower-attention
  /// Floats of a row an attention thread keeps in registers (its register-width).
  int64_t attentionRegisterWidth = 64;
  bool useBlas = true;        // GEMMs as library calls (cuBLASLt on the device)
  /// With useBlas: each linear's bias added after its GEMM, in the next
  /// elementwise kernel (else a kernel broadcasts it and the GEMM adds onto it).
  bool biasEpilogue = true;
  bool shrinkBufferLifetimes = true;
  int64_t warnBufferBytes = int64_t(8) << 30;
  std::string cudaPath = "/usr/local/cuda"; // libdevice; ptxas, fatbinary for fatbin
  /// What the kernels are serialised to: "isa" (PTX, --emit=ptx) or
  /// "fatbin" (cubin for `arch` and its PTX, what an artifact embeds).
  std::string format = "isa";
  /// The GEMMs' operands for cuBLAS: fp32, tf32 or bf16 (the manifest's).
  std::string gemmPrecision = "fp32";
  /// The library the GEMMs call: cublaslt or cublas (the manifest's).
  std::string gemmLibrary = "cublaslt";
};

} // namespace amae

namespace mlir::amae::cuda {

#define GEN_PASS_DECL
#include "codegen/cuda/transforms/CudaPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cuda/transforms/CudaPasses.h.inc"

/// Appends the CUDA pipeline to `pm` (anchored on the module): the shared
/// stages to outlined kernels, then the kernels mapped to blocks and
/// threads, outlined to one gpu.module, lowered through NVVM and serialised
/// (`gpu.binary`, options.format), and the host code to the LLVM dialect
/// (launches through the mgpu* functions, codegen/cuda/kernels).
LogicalResult buildCudaPipeline(OpPassManager &pm, const ::amae::CudaOptions &options);

/// The same kernels as buildCudaPipeline, as host functions that run a
/// whole launch (amae-cuda-emulate-kernels) in the LLVM dialect: what the
/// tests' fake driver executes.
LogicalResult buildCudaEmulationPipeline(OpPassManager &pm, const ::amae::CudaOptions &options);

/// An error message for an unknown or unsupported `arch`, else empty.
std::string archError(llvm::StringRef arch);

/// Registers `amae-cuda-pipeline` with its options.
void registerCudaPipeline();

} // namespace mlir::amae::cuda

#endif // AMAE_CODEGEN_CUDA_CUDAPASSES_H
