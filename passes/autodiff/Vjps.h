//===- Vjps.h - Vector-Jacobian products of the amae ops --------*- C++ -*-===//

#ifndef AMAE_PASSES_AUTODIFF_VJPS_H
#define AMAE_PASSES_AUTODIFF_VJPS_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::amae {

/// Attaches DifferentiableOpInterface to the amae ops that have a VJP. Must
/// be in the registry of any context that runs `amae-autodiff`.
void registerVjpExternalModels(DialectRegistry &registry);

} // namespace mlir::amae

#endif // AMAE_PASSES_AUTODIFF_VJPS_H
