//===- OptimizerOps.cpp - the AdamW update ---------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

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
