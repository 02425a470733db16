//===- Passes.h - amae passes -----------------------------------*- C++ -*-===//

#ifndef AMAE_PASSES_PASSES_H
#define AMAE_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::amae {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// A kernel amae-outline-kernels made: private, with a body, `noinline`.
/// Outlines the single block of `wrapper` (an scf.execute_region with no
/// results) into a private, noinline function `name`, the kernel form
/// isOutlinedKernel recognises, and splices the call in place of `wrapper`.
FailureOr<func::FuncOp> outlineAsKernel(RewriterBase &rewriter, scf::ExecuteRegionOp wrapper,
                                        StringRef name);

/// Graphs are public; BLAS declarations have no body.
bool isOutlinedKernel(func::FuncOp f);

/// Bytes of a static-shaped memref (elements rounded up to whole bytes), or
/// nullopt when dynamic or beyond int64 (amae-buffer-plan-report,
/// amae-static-buffer-plan).
std::optional<int64_t> staticBufferBytes(MemRefType type);

} // namespace mlir::amae

#endif // AMAE_PASSES_PASSES_H
