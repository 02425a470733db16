//===- AmaeDialect.cpp - The amae dialect ---------------------------------===//

#include "dialects/Amae/AmaeDialect.h"
#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

using namespace mlir;
using namespace mlir::amae;

#include "dialects/Amae/AmaeOpsDialect.cpp.inc"

void AmaeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Amae/AmaeOps.cpp.inc"
      >();
  detail::attachKernelBufferization(getContext());
}

/// Folders of the constant-like ops (position tables, masks) produce dense
/// attributes; materialise them as `arith.constant`.
Operation *AmaeDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, typed);
}
