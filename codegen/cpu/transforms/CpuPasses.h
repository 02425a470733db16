//===- CpuPasses.h - CPU-specific amae passes -------------------*- C++ -*-===//

#ifndef AMAE_CODEGEN_CPU_CPUPASSES_H
#define AMAE_CODEGEN_CPU_CPUPASSES_H

#include "codegen/cpu/CpuOptions.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::amae::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/transforms/CpuPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/transforms/CpuPasses.h.inc"

/// Appends the CPU pipeline, amae IR to the LLVM dialect, to `pm` (anchored
/// on the module). amae-compile runs it; `amae-opt --amae-cpu-pipeline`
/// reproduces it with the same options.
LogicalResult buildCpuPipeline(OpPassManager &pm, const ::amae::CpuOptions &options);

/// Registers `amae-cpu-pipeline` with its options.
void registerCpuPipeline();

} // namespace mlir::amae::cpu

#endif // AMAE_CODEGEN_CPU_CPUPASSES_H
