//===- LossOps.cpp - losses and pooling ------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"


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
