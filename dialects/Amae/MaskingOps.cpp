//===- MaskingOps.cpp - masking, gather, unshuffle, CLS and positions -----===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "dialects/Amae/VerifyUtils.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

/// Keep count of one axis, dynamic when the axis is.
static int64_t keptDim(int64_t size, double ratio) {
  return ShapedType::isDynamic(size) ? ShapedType::kDynamic
                                     : math::keptCount(size, ratio);
}

/// A ratio in [0, 1) that keeps at least one of `size` items.
static LogicalResult verifyRatio(Operation *op, StringRef id, double ratio,
                                 StringRef name, int64_t size) {
  if (!(ratio >= 0 && ratio < 1))
    return constraintError(op, id) << name << " must be in [0, 1), got " << formatNumber(ratio);
  if (!ShapedType::isDynamic(size) && math::keptCount(size, ratio) < 1)
    return constraintError(op, id) << name << " " << formatNumber(ratio) << " keeps none of "
                                   << size << " tokens";
  return success();
}

//===----------------------------------------------------------------------===//
// RandomMaskingOp
//===----------------------------------------------------------------------===//

void RandomMaskingOp::build(OpBuilder &builder, OperationState &state,
                            Value input, Value noise, double maskRatio) {
  ArrayRef<int64_t> in = shapeOf(input);
  int64_t kept = keptDim(in[1], maskRatio);
  MLIRContext *ctx = builder.getContext();
  build(builder, state, f32Tensor(ctx, {in[0], kept, in[2]}),
        f32Tensor(ctx, {in[0], in[1]}), i64Tensor(ctx, {in[0], in[1]}),
        i64Tensor(ctx, {in[0], kept}), input, noise, builder.getF64FloatAttr(maskRatio));
}

LogicalResult RandomMaskingOp::verify() {
  // random_masking_c1
  if (failed(verifyRank(*this, "random_masking_c1", getInput(), "input", 3)) ||
      failed(verifyRank(*this, "random_masking_c1", getNoise(), "noise", 2)))
    return failure();
  // random_masking_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (failed(verifyShape(*this, "random_masking_c2", getNoise(), "noise",
                         {in[0], in[1]})))
    return failure();
  // random_masking_c3
  double ratio = getMaskRatio().convertToDouble();
  if (failed(verifyRatio(*this, "random_masking_c3", ratio, "mask_ratio", in[1])))
    return failure();
  // random_masking_c4
  int64_t kept = keptDim(in[1], ratio);
  StringRef id = "random_masking_c4";
  if (failed(verifyShape(*this, id, getKept(), "kept", {in[0], kept, in[2]})) ||
      failed(verifyShape(*this, id, getMask(), "mask", {in[0], in[1]})) ||
      failed(verifyShape(*this, id, getIdsRestore(), "ids_restore",
                         {in[0], in[1]})))
    return failure();
  return verifyShape(*this, id, getIdsKeep(), "ids_keep", {in[0], kept});
}

//===----------------------------------------------------------------------===//
// TimeFreqMaskingOp
//===----------------------------------------------------------------------===//

void TimeFreqMaskingOp::build(OpBuilder &builder, OperationState &state,
                              Value input, Value noiseT, Value noiseF,
                              double maskT, double maskF) {
  ArrayRef<int64_t> in = shapeOf(input);
  int64_t keptT = keptDim(shapeOf(noiseT)[1], maskT);
  int64_t keptF = keptDim(shapeOf(noiseF)[1], maskF);
  MLIRContext *ctx = builder.getContext();
  build(builder, state, f32Tensor(ctx, {in[0], mulDims(keptT, keptF), in[2]}),
        i64Tensor(ctx, {in[0], keptT}), i64Tensor(ctx, {in[0], keptF}), input,
        noiseT, noiseF, builder.getF64FloatAttr(maskT),
        builder.getF64FloatAttr(maskF));
}

LogicalResult TimeFreqMaskingOp::verify() {
  // time_freq_masking_c1
  StringRef c1 = "time_freq_masking_c1";
  if (failed(verifyRank(*this, c1, getInput(), "input", 3)) ||
      failed(verifyRank(*this, c1, getNoiseT(), "noise_t", 2)) ||
      failed(verifyRank(*this, c1, getNoiseF(), "noise_f", 2)))
    return failure();
  // time_freq_masking_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  int64_t gridT = shapeOf(getNoiseT())[1], gridF = shapeOf(getNoiseF())[1];
  if (!dimsAgree(shapeOf(getNoiseT())[0], in[0]) ||
      !dimsAgree(shapeOf(getNoiseF())[0], in[0]))
    return constraintError(*this, "time_freq_masking_c2")
           << "noise batch sizes must match the input batch " << in[0];
  if (!dimsAgree(in[1], mulDims(gridT, gridF)))
    return constraintError(*this, "time_freq_masking_c2")
           << "input has " << in[1] << " tokens, not the " << gridT << " x "
           << gridF << " grid of the noise tensors";
  // time_freq_masking_c3
  double maskT = getMaskT().convertToDouble(), maskF = getMaskF().convertToDouble();
  StringRef c3 = "time_freq_masking_c3";
  if (failed(verifyRatio(*this, c3, maskT, "mask_t", gridT)) ||
      failed(verifyRatio(*this, c3, maskF, "mask_f", gridF)))
    return failure();
  // time_freq_masking_c4
  int64_t keptT = keptDim(gridT, maskT), keptF = keptDim(gridF, maskF);
  StringRef c4 = "time_freq_masking_c4";
  if (failed(verifyShape(*this, c4, getKept(), "kept",
                         {in[0], mulDims(keptT, keptF), in[2]})) ||
      failed(verifyShape(*this, c4, getKeepT(), "keep_t", {in[0], keptT})))
    return failure();
  return verifyShape(*this, c4, getKeepF(), "keep_f", {in[0], keptF});
}

//===----------------------------------------------------------------------===//
// UnshuffleOp
//===----------------------------------------------------------------------===//

void UnshuffleOp::build(OpBuilder &builder, OperationState &state,
                        Value visible, Value maskToken, Value idsRestore) {
  ArrayRef<int64_t> vis = shapeOf(visible);
  build(builder, state,
        f32Tensor(builder.getContext(), {vis[0], shapeOf(idsRestore)[1], vis[2]}),
        visible, maskToken, idsRestore);
}

LogicalResult UnshuffleOp::verify() {
  // unshuffle_c1
  StringRef c1 = "unshuffle_c1";
  if (failed(verifyRank(*this, c1, getVisible(), "visible", 3)) ||
      failed(verifyRank(*this, c1, getMaskToken(), "mask_token", 3)) ||
      failed(verifyRank(*this, c1, getIdsRestore(), "ids_restore", 2)))
    return failure();
  ArrayRef<int64_t> vis = shapeOf(getVisible());
  // unshuffle_c2
  if (failed(verifyShape(*this, "unshuffle_c2", getMaskToken(), "mask_token",
                         {1, 1, vis[2]})))
    return failure();
  // unshuffle_c3
  ArrayRef<int64_t> restore = shapeOf(getIdsRestore());
  if (!dimsAgree(restore[0], vis[0]))
    return constraintError(*this, "unshuffle_c3")
           << "ids_restore batch " << restore[0] << " differs from " << vis[0];
  if (!ShapedType::isDynamic(vis[1]) && !ShapedType::isDynamic(restore[1]) &&
      vis[1] > restore[1])
    return constraintError(*this, "unshuffle_c3")
           << vis[1] << " visible tokens exceed the " << restore[1]
           << " restored positions";
  // unshuffle_c4
  return verifyShape(*this, "unshuffle_c4", getResult(), "result",
                     {vis[0], restore[1], vis[2]});
}

//===----------------------------------------------------------------------===//
// PrependTokenOp
//===----------------------------------------------------------------------===//

static int64_t plusOne(int64_t size) {
  return ShapedType::isDynamic(size) ? size : size + 1;
}

void PrependTokenOp::build(OpBuilder &builder, OperationState &state,
                           Value input, Value token) {
  ArrayRef<int64_t> in = shapeOf(input);
  build(builder, state,
        f32Tensor(builder.getContext(), {in[0], plusOne(in[1]), in[2]}), input,
        token);
}

LogicalResult PrependTokenOp::verify() {
  // prepend_token_c1
  if (failed(verifyRank(*this, "prepend_token_c1", getInput(), "input", 3)) ||
      failed(verifyRank(*this, "prepend_token_c1", getToken(), "token", 3)))
    return failure();
  // prepend_token_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (failed(verifyShape(*this, "prepend_token_c2", getToken(), "token",
                         {1, 1, in[2]})))
    return failure();
  // prepend_token_c3
  return verifyShape(*this, "prepend_token_c3", getResult(), "result",
                     {in[0], plusOne(in[1]), in[2]});
}

//===----------------------------------------------------------------------===//
// AddPositionOp
//===----------------------------------------------------------------------===//

LogicalResult AddPositionOp::verify() {
  // add_position_c1
  if (failed(verifyRank(*this, "add_position_c1", getInput(), "input", 3)) ||
      failed(verifyRank(*this, "add_position_c1", getTable(), "table", 3)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), table = shapeOf(getTable());
  if (!dimsAgree(table[0], 1))
    return constraintError(*this, "add_position_c1")
           << "table must have a leading dimension of 1, got " << table[0];
  // add_position_c2
  if (!dimsAgree(in[2], table[2]))
    return constraintError(*this, "add_position_c2")
           << "input width " << in[2] << " differs from the table width "
           << table[2];
  // add_position_c3
  int64_t offset = getOffset();
  if (offset < 0 || (!ShapedType::isDynamic(in[1]) &&
                     !ShapedType::isDynamic(table[1]) &&
                     offset + in[1] > table[1]))
    return constraintError(*this, "add_position_c3")
           << "rows [" << offset << ", " << offset << " + " << in[1]
           << ") are not inside the table's " << table[1] << " rows";
  // add_position_c4
  if (getResult().getType() != getInput().getType())
    return constraintError(*this, "add_position_c4")
           << "result type " << getResult().getType()
           << " differs from the input type " << getInput().getType();
  return success();
}
