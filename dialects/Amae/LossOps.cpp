//===- LossOps.cpp - losses, pooling and the AdamW update -----------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

LogicalResult MaskedMseLossOp::verify() {
  // masked_mse_loss_c1
  StringRef c1 = "masked_mse_loss_c1";
  if (failed(verifyRank(*this, c1, getPred(), "pred", 3)) ||
      failed(verifyRank(*this, c1, getTarget(), "target", 3)) ||
      failed(verifyRank(*this, c1, getMask(), "mask", 2)))
    return failure();
  // masked_mse_loss_c2
  ArrayRef<int64_t> pred = shapeOf(getPred());
  if (failed(verifyShape(*this, "masked_mse_loss_c2", getTarget(), "target",
                         pred)) ||
      failed(verifyShape(*this, "masked_mse_loss_c2", getMask(), "mask",
                         {pred[0], pred[1]})))
    return failure();
  // masked_mse_loss_c3
  if (getNormPix() && !ShapedType::isDynamic(pred[2]) && pred[2] < 2)
    return constraintError(*this, "masked_mse_loss_c3")
           << "norm_pix needs at least 2 values per patch for the unbiased "
              "variance, got "
           << pred[2];
  return success();
}

void MeanPoolOp::build(OpBuilder &builder, OperationState &state, Value input,
                       int64_t skip) {
  ArrayRef<int64_t> in = shapeOf(input);
  build(builder, state, f32Tensor(builder.getContext(), {in[0], in[2]}), input,
        skip);
}

LogicalResult MeanPoolOp::verify() {
  // mean_pool_c1
  if (failed(verifyRank(*this, "mean_pool_c1", getInput(), "input", 3)))
    return failure();
  // mean_pool_c2
  ArrayRef<int64_t> in = shapeOf(getInput());
  int64_t skip = getSkip();
  if (skip < 0 || (!ShapedType::isDynamic(in[1]) && skip >= in[1]))
    return constraintError(*this, "mean_pool_c2")
           << "skip " << skip << " must leave at least one of " << in[1]
           << " tokens";
  // mean_pool_c3
  return verifyShape(*this, "mean_pool_c3", getResult(), "result",
                     {in[0], in[2]});
}

LogicalResult BceWithLogitsLossOp::verify() {
  // bce_with_logits_c1
  return verifyShape(*this, "bce_with_logits_c1", getLabels(), "labels",
                     shapeOf(getLogits()));
}

/// The value of a constant scalar operand, if it is one.
static std::optional<double> constantScalar(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.value_begin<APFloat>()).convertToDouble();
}

LogicalResult AdamwUpdateOp::verify() {
  // adamw_update_c1
  for (auto [value, name] : {std::pair(getBeta1(), "beta1"),
                             std::pair(getBeta2(), "beta2")}) {
    std::optional<double> beta = constantScalar(value);
    if (beta && !(*beta >= 0 && *beta < 1))
      return constraintError(*this, "adamw_update_c1")
             << name << " must be in [0, 1), got " << formatNumber(*beta);
  }
  // adamw_update_c2
  std::optional<double> wd = constantScalar(getWeightDecay());
  if (!(getEps().convertToDouble() > 0) || (wd && !(*wd >= 0)))
    return constraintError(*this, "adamw_update_c2")
           << "eps must be positive and weight_decay non-negative, got "
           << formatNumber(getEps().convertToDouble()) << " and "
           << formatNumber(wd.value_or(0.0));
  return success();
}
