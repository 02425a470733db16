//===- CudaCodegen.h - amae IR to PTX ---------------------------*- C++ -*-===//
//
// The CUDA target: every kernel of every graph compiled to one module (PTX
// for --emit=ptx, a fatbin in an artifact), and a shared library whose host
// code launches them and calls cuBLAS through the driver-API runtime linked
// into it (kernels/CudaSupport.c).
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CODEGEN_CUDA_CUDACODEGEN_H
#define AMAE_CODEGEN_CUDA_CUDACODEGEN_H

#include "abi/Manifest.h"
#include "codegen/cpu/CpuOptions.h"
#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace amae {

/// Runs amae-cuda-pipeline on `module` (pass-manager flags of the tool
/// applied) and returns the PTX of its kernels; `kernels` receives their count.
llvm::Expected<std::string> compileToPtx(mlir::ModuleOp module, const CudaOptions &options,
                                         size_t &kernels);

/// Runs amae-cuda-pipeline with the kernels as a fatbin and links the host
/// code (compiled for `host.cpu`) into a shared library at `outputPath`
/// carrying `manifest` with the GPU architecture; `kernels` receives the
/// count of launches.
llvm::Error compileToCudaLibrary(mlir::ModuleOp module, const Manifest &manifest,
                                 llvm::StringRef outputPath, const CudaOptions &options,
                                 const CpuOptions &host, size_t &kernels);

/// For tests without a GPU: the kernels of the same pipeline as host
/// functions (amae-cuda-emulate-kernels) in a shared library at
/// `outputPath`, each with `void NAME_emulate(void **params, int64_t grid,
/// int64_t block)` taking cuLaunchKernel's arguments.
llvm::Error compileKernelEmulation(mlir::ModuleOp module, llvm::StringRef outputPath,
                                   const CudaOptions &options, const CpuOptions &host);

/// Registers the CUDA passes, the pipeline and the LLVM IR translations
/// that PTX serialisation needs.
void registerCudaCodegen(mlir::DialectRegistry &registry);

} // namespace amae

#endif // AMAE_CODEGEN_CUDA_CUDACODEGEN_H
