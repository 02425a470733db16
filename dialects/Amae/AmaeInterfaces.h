//===- AmaeInterfaces.h - amae op interfaces --------------------*- C++ -*-===//

#ifndef AMAE_DIALECT_AMAEINTERFACES_H
#define AMAE_DIALECT_AMAEINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "dialects/Amae/AmaeInterfaces.h.inc"

#endif // AMAE_DIALECT_AMAEINTERFACES_H
