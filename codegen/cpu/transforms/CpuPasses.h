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

/// Pieces of parallel work a threaded kernel aims for: several per thread on
/// these machines, so static scheduling stays balanced.
constexpr int64_t kParallelChunks = 64;

/// The points of a static iteration space, saturating at INT64_MAX: what the
/// threading thresholds (`min-iterations`) are compared with.
inline int64_t iterationCount(ArrayRef<int64_t> ranges) {
  int64_t points = 1;
  for (int64_t r : ranges)
    points = r > 0 && points > INT64_MAX / r ? INT64_MAX : points * r;
  return points;
}

/// Appends the CPU pipeline, amae IR to the LLVM dialect, to `pm` (anchored
/// on the module). amae-compile runs it; `amae-opt --amae-cpu-pipeline`
/// reproduces it with the same options.
LogicalResult buildCpuPipeline(OpPassManager &pm, const ::amae::CpuOptions &options);

/// Registers `amae-cpu-pipeline` with its options.
void registerCpuPipeline();

} // namespace mlir::amae::cpu

#endif // AMAE_CODEGEN_CPU_CPUPASSES_H
