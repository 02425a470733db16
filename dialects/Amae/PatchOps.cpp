//===- PatchOps.cpp - patchify, unpatchify, patch_embed, position table ---===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "dialects/Amae/VerifyUtils.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

//===----------------------------------------------------------------------===//
// PatchifyOp
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> patchifyShape(ArrayRef<int64_t> in, int64_t p) {
  int64_t tokens = mulDims(divDims(in[2], p), divDims(in[3], p));
  return {in[0], tokens, mulDims(p * p, in[1])};
}

void PatchifyOp::build(OpBuilder &builder, OperationState &state, Value input,
                       int64_t patch) {
  build(builder, state,
        f32Tensor(builder.getContext(), patchifyShape(shapeOf(input), patch)),
        input, patch);
}

LogicalResult PatchifyOp::verify() {
  // patchify_c1
  if (failed(verifyRank(*this, "patchify_c1", getInput(), "input", 4)))
    return failure();
  int64_t p = getPatch();
  if (p <= 0)
    return constraintError(*this, "patchify_c1")
           << "patch must be positive, got " << p;
  // patchify_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (notMultiple(in[2], p) || notMultiple(in[3], p))
    return constraintError(*this, "patchify_c2")
           << "input " << formatShape(in) << " is not a whole number of "
           << p << "x" << p << " patches";
  // patchify_c3
  return verifyShape(*this, "patchify_c3", getResult(), "result",
                     patchifyShape(in, p));
}

//===----------------------------------------------------------------------===//
// PatchEmbedOp
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> patchEmbedShape(ArrayRef<int64_t> in,
                                            ArrayRef<int64_t> weight) {
  int64_t p = weight[2];
  if (ShapedType::isDynamic(p) || p <= 0)
    return {in[0], ShapedType::kDynamic, weight[0]};
  return {in[0], mulDims(divDims(in[2], p), divDims(in[3], p)), weight[0]};
}

void PatchEmbedOp::build(OpBuilder &builder, OperationState &state, Value input,
                         Value weight, Value bias) {
  build(builder, state,
        f32Tensor(builder.getContext(),
                  patchEmbedShape(shapeOf(input), shapeOf(weight))),
        input, weight, bias);
}

LogicalResult PatchEmbedOp::verify() {
  // patch_embed_c1
  if (failed(verifyRank(*this, "patch_embed_c1", getInput(), "input", 4)) ||
      failed(verifyRank(*this, "patch_embed_c1", getWeight(), "weight", 4)) ||
      failed(verifyRank(*this, "patch_embed_c1", getBias(), "bias", 1)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput());
  ArrayRef<int64_t> w = shapeOf(getWeight());
  // patch_embed_c2
  if (ShapedType::isDynamic(w[2]) || w[2] <= 0 || w[2] != w[3] ||
      !dimsAgree(w[1], in[1]))
    return constraintError(*this, "patch_embed_c2")
           << "weight must be [D, " << in[1] << ", p, p] with a static p, got "
           << formatShape(w);
  // patch_embed_c3
  int64_t p = w[2];
  if (notMultiple(in[2], p) || notMultiple(in[3], p))
    return constraintError(*this, "patch_embed_c3")
           << "input " << formatShape(in) << " is not a whole number of "
           << p << "x" << p << " patches";
  // patch_embed_c4
  if (failed(verifyShape(*this, "patch_embed_c4", getBias(), "bias", {w[0]})))
    return failure();
  // patch_embed_c5
  return verifyShape(*this, "patch_embed_c5", getResult(), "result",
                     patchEmbedShape(in, w));
}

//===----------------------------------------------------------------------===//
// SincosPosEmbedOp
//===----------------------------------------------------------------------===//

void SincosPosEmbedOp::build(OpBuilder &builder, OperationState &state,
                             ArrayRef<int64_t> grid, int64_t dim) {
  build(builder, state,
        f32Tensor(builder.getContext(), {1, 1 + grid[0] * grid[1], dim}), grid,
        dim);
}

LogicalResult SincosPosEmbedOp::verify() {
  // sincos_pos_embed_c1
  if (failed(verifyPair(*this, "sincos_pos_embed_c1", getGrid(), "grid")))
    return failure();
  int64_t dim = getDim();
  if (dim <= 0 || dim % 4 != 0)
    return constraintError(*this, "sincos_pos_embed_c1")
           << "dim must be a positive multiple of 4, got " << dim;
  // sincos_pos_embed_c2
  ArrayRef<int64_t> grid = getGrid();
  return verifyShape(*this, "sincos_pos_embed_c2", getResult(), "result",
                     {1, 1 + grid[0] * grid[1], dim});
}

OpFoldResult SincosPosEmbedOp::fold(FoldAdaptor) {
  auto type = getType();
  if (!foldableTable(type))
    return {};
  ArrayRef<int64_t> grid = getGrid();
  std::vector<float> table =
      math::sincosPositionTable(grid[0], grid[1], getDim());
  return DenseElementsAttr::get(type, llvm::ArrayRef<float>(table));
}
