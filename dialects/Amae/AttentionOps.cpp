//===- AttentionOps.cpp - attention, window attention and its pieces ------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "dialects/Amae/VerifyUtils.h"

#include "mlir/IR/PatternMatch.h"

#include <array>

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

static std::array<int64_t, 2> pairOf(ArrayRef<int64_t> values) {
  return {values[0], values[1]};
}

//===----------------------------------------------------------------------===//
// SplitQkvOp
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> headShape(ArrayRef<int64_t> in, int64_t heads) {
  return {in[0], heads, in[1], divDims(in[2], 3 * heads)};
}

void SplitQkvOp::build(OpBuilder &builder, OperationState &state, Value input,
                       int64_t heads) {
  auto type = f32Tensor(builder.getContext(), headShape(shapeOf(input), heads));
  build(builder, state, type, type, type, input, heads);
}

LogicalResult SplitQkvOp::verify() {
  // split_qkv_c1
  if (failed(verifyRank(*this, "split_qkv_c1", getInput(), "input", 3)))
    return failure();
  int64_t heads = getHeads();
  if (heads <= 0)
    return constraintError(*this, "split_qkv_c1")
           << "heads must be positive, got " << heads;
  // split_qkv_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (notMultiple(in[2], 3 * heads))
    return constraintError(*this, "split_qkv_c2")
           << "width " << in[2] << " is not 3 x " << heads << " heads";
  // split_qkv_c3
  SmallVector<int64_t> expected = headShape(in, heads);
  for (auto [value, name] : {std::pair(getQ(), "q"), std::pair(getK(), "k"),
                             std::pair(getV(), "v")})
    if (failed(verifyShape(*this, "split_qkv_c3", value, name, expected)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// MergeHeadsOp
//===----------------------------------------------------------------------===//

void MergeHeadsOp::build(OpBuilder &builder, OperationState &state,
                         Value input) {
  ArrayRef<int64_t> in = shapeOf(input);
  build(builder, state,
        f32Tensor(builder.getContext(), {in[0], in[2], mulDims(in[1], in[3])}),
        input);
}

LogicalResult MergeHeadsOp::verify() {
  // merge_heads_c1
  if (failed(verifyRank(*this, "merge_heads_c1", getInput(), "input", 4)))
    return failure();
  // merge_heads_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  return verifyShape(*this, "merge_heads_c2", getResult(), "result",
                     {in[0], in[2], mulDims(in[1], in[3])});
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

void AttentionOp::build(OpBuilder &builder, OperationState &state, Value q,
                        Value k, Value v, float scale) {
  ArrayRef<int64_t> qs = shapeOf(q);
  build(builder, state,
        f32Tensor(builder.getContext(), {qs[0], qs[1], qs[2], shapeOf(v)[3]}), q,
        k, v, builder.getF32FloatAttr(scale));
}

/// Constraints c1 to c5 of attention and attention_grad (`ids` are the
/// op's); `dout`, when given, is checked for rank 4 with them.
static LogicalResult verifyAttentionOperands(Operation *op, std::array<StringRef, 5> ids,
                                             Value q, Value k, Value v, Value dout,
                                             float scale) {
  auto [c1, c2, c3, c4, c5] = ids;
  // attention_c1, attention_grad_c1
  SmallVector<std::pair<Value, const char *>> ranked = {{q, "q"}, {k, "k"}, {v, "v"}};
  if (dout)
    ranked.push_back({dout, "dout"});
  for (auto [value, name] : ranked)
    if (failed(verifyRank(op, c1, value, name, 4)))
      return failure();
  // attention_c2 to c5, attention_grad_c2 to c5
  return verifyAttentionShapes(op, {c2, c3, c4, c5}, q, k, v, scale);
}

LogicalResult mlir::amae::detail::verifyAttentionShapes(Operation *op,
                                                        std::array<StringRef, 4> ids, Value q,
                                                        Value k, Value v, float scale) {
  auto [c2, c3, c4, c5] = ids;
  ArrayRef<int64_t> qs = shapeOf(q), ks = shapeOf(k), vs = shapeOf(v);
  for (int dim = 0; dim < 2; ++dim)
    if (!dimsAgree(qs[dim], ks[dim]) || !dimsAgree(qs[dim], vs[dim]))
      return constraintError(op, c2)
             << "batch and head dimensions of q " << formatShape(qs) << ", k "
             << formatShape(ks) << " and v " << formatShape(vs) << " differ";
  if (!dimsAgree(qs[3], ks[3]))
    return constraintError(op, c3)
           << "q head width " << qs[3] << " differs from k head width " << ks[3];
  if (!dimsAgree(ks[2], vs[2]))
    return constraintError(op, c4)
           << "k has " << ks[2] << " keys but v has " << vs[2] << " values";
  if (!(scale > 0))
    return constraintError(op, c5) << "scale must be positive, got " << formatNumber(scale);
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyAttentionOperands(
          *this, {"attention_c1", "attention_c2", "attention_c3", "attention_c4", "attention_c5"},
          getQ(), getK(), getV(), Value(), getScale().convertToFloat())))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQ()), v = shapeOf(getV());
  // attention_c6
  return verifyShape(*this, "attention_c6", getResult(), "result",
                     {q[0], q[1], q[2], v[3]});
}

LogicalResult AttentionGradOp::verify() {
  if (failed(verifyAttentionOperands(*this,
                                     {"attention_grad_c1", "attention_grad_c2",
                                      "attention_grad_c3", "attention_grad_c4",
                                      "attention_grad_c5"},
                                     getQ(), getK(), getV(), getDout(),
                                     getScale().convertToFloat())))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQ()), v = shapeOf(getV());
  // attention_grad_c6
  return verifyShape(*this, "attention_grad_c6", getDout(), "dout",
                     {q[0], q[1], q[2], v[3]});
}

//===----------------------------------------------------------------------===//
// WindowAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult WindowAttentionOp::verify() {
  if (failed(verifyWindowAttentionOperands(
          *this,
          {"window_attention_c1", "window_attention_c2", "window_attention_c3",
           "window_attention_c4", "window_attention_c5", "window_attention_c6"},
          getQ(), getK(), getV(), getTau(), getPosBias(), Value(), getGrid(), getWindow(),
          getShift())))
    return failure();
  // window_attention_c7
  if (getResult().getType() != getQ().getType())
    return constraintError(*this, "window_attention_c7")
           << "result type " << getResult().getType() << " differs from q type "
           << getQ().getType();
  return success();
}

LogicalResult WindowAttentionGradOp::verify() {
  return verifyWindowAttentionOperands(
      *this,
      {"window_attention_grad_c1", "window_attention_grad_c2", "window_attention_grad_c3",
       "window_attention_grad_c4", "window_attention_grad_c5", "window_attention_grad_c6"},
      getQ(), getK(), getV(), getTau(), getPosBias(), getDout(), getGrid(), getWindow(),
      getShift());
}

//===----------------------------------------------------------------------===//
// ShiftMaskOp and LogRelativeCoordsOp
//===----------------------------------------------------------------------===//

LogicalResult ShiftMaskOp::verify() {
  // shift_mask_c1
  if (failed(verifyPair(*this, "shift_mask_c1", getGrid(), "grid")) ||
      failed(verifyWindowTiling(*this, "shift_mask_c1", "shift_mask_c1",
                                getGrid(), getWindow(), getShift())))
    return failure();
  // shift_mask_c2
  ArrayRef<int64_t> grid = getGrid(), window = getWindow();
  int64_t p = window[0] * window[1];
  return verifyShape(*this, "shift_mask_c2", getResult(), "result",
                     {(grid[0] / window[0]) * (grid[1] / window[1]), p, p});
}

OpFoldResult ShiftMaskOp::fold(FoldAdaptor) {
  if (!foldableTable(getType()))
    return {};
  std::vector<float> mask =
      math::shiftMask(pairOf(getGrid()), pairOf(getWindow()), pairOf(getShift()));
  return DenseElementsAttr::get(getType(), llvm::ArrayRef<float>(mask));
}

LogicalResult LogRelativeCoordsOp::verify() {
  // log_relative_coords_c1
  if (failed(verifyPair(*this, "log_relative_coords_c1", getWindow(), "window")))
    return failure();
  // log_relative_coords_c2
  int64_t p = getWindow()[0] * getWindow()[1];
  return verifyShape(*this, "log_relative_coords_c2", getResult(), "result",
                     {p * p, 2});
}

OpFoldResult LogRelativeCoordsOp::fold(FoldAdaptor) {
  if (!foldableTable(getType()))
    return {};
  std::vector<float> coords = math::logRelativeCoords(pairOf(getWindow()));
  return DenseElementsAttr::get(getType(), llvm::ArrayRef<float>(coords));
}
