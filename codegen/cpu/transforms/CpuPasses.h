//===- CpuPasses.h - CPU-specific amae passes -------------------*- C++ -*-===//

#ifndef AMAE_CODEGEN_CPU_CPUPASSES_H
#define AMAE_CODEGEN_CPU_CPUPASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir::amae::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/transforms/CpuPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/transforms/CpuPasses.h.inc"

} // namespace mlir::amae::cpu

#endif // AMAE_CODEGEN_CPU_CPUPASSES_H
