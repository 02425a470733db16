//===- VerifyUtils.h - Shared checks of the amae verifiers ------*- C++ -*-===//
//
// Every diagnostic of an amae verifier starts with the id of the constraint
// it enforces ("patchify_c2: ..."), the id the op's description lists and the
// `*-errors.mlir` test names. Dynamic dimensions agree with anything.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_DIALECT_VERIFYUTILS_H
#define AMAE_DIALECT_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

#include <array>

namespace mlir::amae::detail {

/// Starts an op error for constraint `id`.
inline InFlightDiagnostic constraintError(Operation *op, llvm::StringRef id) {
  return op->emitOpError() << id << ": ";
}

inline RankedTensorType tensorType(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}

/// The shape of a ranked tensor or memref (graph ops take tensors; the
/// destination-style kernel ops take either).
inline ArrayRef<int64_t> shapeOf(Value value) {
  return llvm::cast<ShapedType>(value.getType()).getShape();
}

/// True when the two sizes can be equal (either is dynamic or both match).
inline bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Products and quotients of sizes that stay dynamic when an input is.
inline int64_t mulDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic
                                                              : a * b;
}
inline int64_t divDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? ShapedType::kDynamic : a / b;
}
/// True when a static `a` is not a multiple of `b`.
inline bool notMultiple(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && a % b != 0;
}

/// Prints a number the way a user wrote it (`%g`): 8000, 0.8, 1e-06.
std::string formatNumber(double value);

/// Prints a shape as `[2, ?, 64]`.
std::string formatShape(ArrayRef<int64_t> shape);

/// `name` has rank `rank`.
LogicalResult verifyRank(Operation *op, llvm::StringRef id, Value value,
                         llvm::StringRef name, int64_t rank);

/// `name` has a shape compatible with `expected`.
LogicalResult verifyShape(Operation *op, llvm::StringRef id, Value value,
                          llvm::StringRef name, ArrayRef<int64_t> expected);

/// Constraints c2 to c5 of the attention ops (`ids` are the op's): batch and
/// head dimensions agree, q and k share the head width, k and v the sequence
/// length, and `scale > 0`.
LogicalResult verifyAttentionShapes(Operation *op, std::array<llvm::StringRef, 4> ids,
                                    Value q, Value k, Value v, float scale);

/// `name` holds exactly two sizes, each positive (or, with
/// `allowZero`, non-negative).
LogicalResult verifyPair(Operation *op, llvm::StringRef id,
                         ArrayRef<int64_t> pair, llvm::StringRef name,
                         bool allowZero = false);

/// The window/shift rules shared by window attention and the shift mask:
/// `window` divides `grid` and `0 <= shift < window`.
LogicalResult verifyWindowTiling(Operation *op, llvm::StringRef windowId,
                                 llvm::StringRef shiftId, ArrayRef<int64_t> grid,
                                 ArrayRef<int64_t> window,
                                 ArrayRef<int64_t> shift);

/// Constraints c1 to c6 of window_attention and window_attention_grad (the
/// `ids`, in that order, are the calling op's): q, k, v (and `dout` when
/// given) of rank 4 and one shape, the grid, the window tiling, tau and
/// pos_bias.
LogicalResult verifyWindowAttentionOperands(Operation *op, std::array<StringRef, 6> ids, Value q,
                                            Value k, Value v, Value tau, Value posBias,
                                            Value dout, ArrayRef<int64_t> grid,
                                            ArrayRef<int64_t> window, ArrayRef<int64_t> shift);

/// The largest table a folder materialises (64 MiB of f32). Position tables
/// and masks of real models are far below it; a hostile grid would
/// otherwise make the folder allocate without bound.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

/// Whether a folder may build a constant of `type`: static and within
/// kMaxFoldedElements.
bool foldableTable(ShapedType type);

/// A ranked f32 tensor type.
RankedTensorType f32Tensor(MLIRContext *context, ArrayRef<int64_t> shape);
RankedTensorType i64Tensor(MLIRContext *context, ArrayRef<int64_t> shape);

/// Attaches the kernel ops' one BufferizableOpInterface model
/// (KernelOps.cpp); the dialect does, as it loads.
void attachKernelBufferization(MLIRContext *ctx);

} // namespace mlir::amae::detail

#endif // AMAE_DIALECT_VERIFYUTILS_H
