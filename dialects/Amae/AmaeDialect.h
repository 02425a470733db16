//===- AmaeDialect.h - The amae dialect -------------------------*- C++ -*-===//

#ifndef AMAE_DIALECT_AMAEDIALECT_H
#define AMAE_DIALECT_AMAEDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Amae/AmaeOpsDialect.h.inc"

#endif // AMAE_DIALECT_AMAEDIALECT_H
