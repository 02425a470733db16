//===- ParamInit.h - The official initialisation of parameters --*- C++ -*-===//
//
// Values for parameters a training run does not load (models_mae.py
// `initialize_weights` and the fine-tuning head init of main_finetune_as.py):
// Linear weights xavier-uniform, the patch conv weight xavier-uniform on its
// (dim, patch*patch) view and its bias torch's default conv init, biases 0,
// LayerNorm (1, 0), tau 1, cls_token/mask_token N(0, 0.02), head.weight
// truncated N(0, 2e-5), the frozen position tables the fixed sin-cos table.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_PARAMINIT_H
#define AMAE_RUNTIME_PARAMINIT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <random>
#include <vector>

namespace amae {

/// What initialisation needs to know of the model besides a parameter.
struct PatchGeometry {
  int64_t gridT = 0, gridF = 0; // patches along time and frequency
  int64_t patchArea = 0;        // in_chans * patch * patch: the conv's fan-in
};

/// The initial value of parameter `name` of shape `shape`. An unknown name
/// is an error.
llvm::Expected<std::vector<float>> initialParameter(llvm::StringRef name,
                                                    llvm::ArrayRef<int64_t> shape,
                                                    const PatchGeometry &geometry,
                                                    std::mt19937_64 &rng);

} // namespace amae

#endif // AMAE_RUNTIME_PARAMINIT_H
