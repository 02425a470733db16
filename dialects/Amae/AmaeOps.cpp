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

/// Constraints c1 to c6 of window_attention and window_attention_grad
/// (`ids` are the op's); `dout`, when given, must have q's shape like k and v.
LogicalResult verifyWindowAttentionOperands(Operation *op, std::array<StringRef, 6> ids,
                                                   Value q, Value k,
                                                   Value v, Value tau, Value posBias, Value dout,
                                                   ArrayRef<int64_t> grid,
                                                   ArrayRef<int64_t> window,
                                                   ArrayRef<int64_t> shift) {
  auto c = [&](int n) { return ids[n - 1]; };
  // window_attention_c1, window_attention_grad_c1
  SmallVector<std::pair<Value, const char *>> same = {{q, "q"}, {k, "k"}, {v, "v"}};
  if (dout)
    same.push_back({dout, "dout"});
  for (auto [value, name] : same)
    if (failed(verifyRank(op, c(1), value, name, 4)))
      return failure();
  ArrayRef<int64_t> qs = shapeOf(q);
  for (auto [value, name] : ArrayRef(same).drop_front())
    if (failed(verifyShape(op, c(1), value, name, qs)))
      return failure();
  // window_attention_c2, window_attention_grad_c2
  if (failed(verifyPair(op, c(2), grid, "grid")))
    return failure();
  if (!dimsAgree(qs[2], grid[0] * grid[1]))
    return constraintError(op, c(2))
           << qs[2] << " tokens do not fill the grid " << formatShape(grid);
  // window_attention_c3, c4, window_attention_grad_c3, c4
  if (failed(verifyWindowTiling(op, c(3), c(4), grid, window, shift)))
    return failure();
  // window_attention_c5, window_attention_grad_c5
  if (failed(verifyShape(op, c(5), tau, "tau", {qs[1]})))
    return failure();
  // window_attention_c6, window_attention_grad_c6
  int64_t p = window[0] * window[1];
  return verifyShape(op, c(6), posBias, "pos_bias", {p * p, qs[1]});
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
