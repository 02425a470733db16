//===- AmaeInterfaces.cpp - amae op interfaces ----------------------------===//

#include "dialects/Amae/AmaeInterfaces.h"

using namespace mlir;

#include "dialects/Amae/AmaeInterfaces.cpp.inc"
