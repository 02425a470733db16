//===- CudaCodegen.h - amae IR to PTX ---------------------------*- C++ -*-===//
//
// The CUDA target so far: every kernel of every graph compiled to one PTX
// module. The host side (launches, cuBLASLt for the GEMMs, the driver-API
// runtime) is not built yet, so no CUDA artifact can run.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CODEGEN_CUDA_CUDACODEGEN_H
#define AMAE_CODEGEN_CUDA_CUDACODEGEN_H

#include "codegen/cuda/transforms/CudaPasses.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace amae {

/// Runs amae-cuda-pipeline on `module` (pass-manager flags of the tool
/// applied) and returns the PTX of its kernels; `kernels` receives their count.
llvm::Expected<std::string> compileToPtx(mlir::ModuleOp module, const CudaOptions &options,
                                         size_t &kernels);

/// Registers the CUDA passes, the pipeline and the LLVM IR translations
/// that PTX serialisation needs.
void registerCudaCodegen(mlir::DialectRegistry &registry);

} // namespace amae

#endif // AMAE_CODEGEN_CUDA_CUDACODEGEN_H
