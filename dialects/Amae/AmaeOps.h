//===- AmaeOps.h - amae operations ------------------------------*- C++ -*-===//

#ifndef AMAE_DIALECT_AMAEOPS_H
#define AMAE_DIALECT_AMAEOPS_H

#include "dialects/Amae/AmaeDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "dialects/Amae/AmaeInterfaces.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/Amae/AmaeOps.h.inc"

#endif // AMAE_DIALECT_AMAEOPS_H
