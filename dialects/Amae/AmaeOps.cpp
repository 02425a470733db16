//===- AmaeOps.cpp - Shared verifier helpers and the op definitions -------===//
//
// The op families implement their verifiers, builders and folders in
// AudioOps.cpp, PatchOps.cpp, ...; this file instantiates the generated op
// classes and holds the checks they share.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

#include <cstdio>
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::amae;

#define GET_OP_CLASSES
#include "dialects/Amae/AmaeOps.cpp.inc"

namespace mlir::amae::detail {

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
  });
  os << "]";
  return text;
}

LogicalResult verifyRank(Operation *op, llvm::StringRef id, Value value,
                         llvm::StringRef name, int64_t rank) {
  int64_t actual = tensorType(value).getRank();
  if (actual == rank)
    return success();
  return constraintError(op, id) << name << " must have rank " << rank
                                 << ", got rank " << actual;
}

LogicalResult verifyShape(Operation *op, llvm::StringRef id, Value value,
                          llvm::StringRef name, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(value);
  bool agree = actual.size() == expected.size();
  for (size_t i = 0; agree && i < actual.size(); ++i)
    agree = dimsAgree(actual[i], expected[i]);
  if (agree)
    return success();
  return constraintError(op, id) << name << " must have shape "
                                 << formatShape(expected) << ", got "
                                 << formatShape(actual);
}

LogicalResult verifyPair(Operation *op, llvm::StringRef id,
                         ArrayRef<int64_t> pair, llvm::StringRef name,
                         bool allowZero) {
  if (pair.size() != 2)
    return constraintError(op, id) << name << " must hold 2 sizes, got "
                                   << pair.size();
  for (int64_t size : pair)
    if (size < 0 || (size == 0 && !allowZero))
      return constraintError(op, id)
             << name << " must hold " << (allowZero ? "non-negative" : "positive")
             << " sizes, got " << formatShape(pair);
  return success();
}

LogicalResult verifyWindowTiling(Operation *op, llvm::StringRef windowId,
                                 llvm::StringRef shiftId, ArrayRef<int64_t> grid,
                                 ArrayRef<int64_t> window,
                                 ArrayRef<int64_t> shift) {
  if (failed(verifyPair(op, windowId, window, "window")))
    return failure();
  for (int axis = 0; axis < 2; ++axis)
    if (grid[axis] % window[axis] != 0)
      return constraintError(op, windowId)
             << "window " << formatShape(window) << " must divide the grid "
             << formatShape(grid);
  if (failed(verifyPair(op, shiftId, shift, "shift", /*allowZero=*/true)))
    return failure();
  for (int axis = 0; axis < 2; ++axis)
    if (shift[axis] >= window[axis])
      return constraintError(op, shiftId)
             << "shift " << formatShape(shift) << " must be smaller than the window "
             << formatShape(window);
  return success();
}

bool foldableTable(ShapedType type) {
  return type.hasStaticShape() && type.getNumElements() <= kMaxFoldedElements;
}

RankedTensorType f32Tensor(MLIRContext *context, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(context));
}

RankedTensorType i64Tensor(MLIRContext *context, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, IntegerType::get(context, 64));
}

} // namespace mlir::amae::detail
