//===- LayerOps.cpp - layer_norm, linear, activations, regularisers -------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

//===----------------------------------------------------------------------===//
// LayerNormOp
//===----------------------------------------------------------------------===//

void LayerNormOp::build(OpBuilder &builder, OperationState &state, Value input,
                        Value weight, Value bias, double eps) {
  build(builder, state, input.getType(), input, weight, bias,
        builder.getF64FloatAttr(eps));
}

LogicalResult LayerNormOp::verify() {
  // layer_norm_c1
  auto type = tensorType(getInput());
  if (type.getRank() < 1)
    return constraintError(*this, "layer_norm_c1") << "input must have rank >= 1";
  int64_t width = type.getShape().back();
  if (failed(verifyShape(*this, "layer_norm_c1", getWeight(), "weight", {width})) ||
      failed(verifyShape(*this, "layer_norm_c1", getBias(), "bias", {width})))
    return failure();
  // layer_norm_c2
  if (!(getEps().convertToDouble() > 0))
    return constraintError(*this, "layer_norm_c2")
           << "eps must be positive, got " << formatNumber(getEps().convertToDouble());
  // layer_norm_c3
  if (getResult().getType() != type)
    return constraintError(*this, "layer_norm_c3")
           << "result type " << getResult().getType()
           << " differs from the input type " << type;
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> linearShape(ArrayRef<int64_t> in,
                                        ArrayRef<int64_t> weight) {
  SmallVector<int64_t> shape(in);
  shape.back() = weight[0];
  return shape;
}

void LinearOp::build(OpBuilder &builder, OperationState &state, Value input,
                     Value weight, Value bias) {
  build(builder, state,
        f32Tensor(builder.getContext(),
                  linearShape(shapeOf(input), shapeOf(weight))),
        input, weight, bias);
}

LogicalResult LinearOp::verify() {
  // linear_c1
  auto type = tensorType(getInput());
  if (type.getRank() < 1)
    return constraintError(*this, "linear_c1") << "input must have rank >= 1";
  if (failed(verifyRank(*this, "linear_c1", getWeight(), "weight", 2)))
    return failure();
  // linear_c2
  ArrayRef<int64_t> in = type.getShape(), weight = shapeOf(getWeight());
  if (!dimsAgree(weight[1], in.back()))
    return constraintError(*this, "linear_c2")
           << "weight " << formatShape(weight) << " does not take inputs of width "
           << in.back();
  // linear_c3
  if (getBias() &&
      failed(verifyShape(*this, "linear_c3", getBias(), "bias", {weight[0]})))
    return failure();
  // linear_c4
  return verifyShape(*this, "linear_c4", getResult(), "result",
                     linearShape(in, weight));
}

//===----------------------------------------------------------------------===//
// ReluOp
//===----------------------------------------------------------------------===//

OpFoldResult ReluOp::fold(FoldAdaptor) {
  // relu(relu(x)) == relu(x).
  if (getInput().getDefiningOp<ReluOp>())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// DropoutOp and DropPathOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyRate(Operation *op, StringRef id, double rate) {
  if (rate >= 0 && rate < 1)
    return success();
  return constraintError(op, id) << "rate must be in [0, 1), got " << formatNumber(rate);
}

LogicalResult DropoutOp::verify() {
  // dropout_c1
  return verifyRate(*this, "dropout_c1", getRate().convertToDouble());
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getRate().isZero())
    return getInput();
  return {};
}

LogicalResult DropPathOp::verify() {
  // drop_path_c1
  if (tensorType(getInput()).getRank() < 1)
    return constraintError(*this, "drop_path_c1")
           << "input must have a batch dimension";
  return verifyRate(*this, "drop_path_c1", getRate().convertToDouble());
}

OpFoldResult DropPathOp::fold(FoldAdaptor) {
  if (getRate().isZero())
    return getInput();
  return {};
}
