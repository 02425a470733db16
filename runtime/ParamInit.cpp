//===- ParamInit.cpp - The official initialisation of parameters ----------===//

#include "runtime/ParamInit.h"
#include "dialects/Amae/ModelMath.h"

#include <cmath>

namespace amae {

static int64_t product(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

llvm::Expected<std::vector<float>> initialParameter(llvm::StringRef name,
                                                    llvm::ArrayRef<int64_t> shape,
                                                    const PatchGeometry &geometry,
                                                    std::mt19937_64 &rng) {
  int64_t gridT = geometry.gridT, gridF = geometry.gridF;
  int64_t n = product(shape);
  std::vector<float> values(n, 0.0f);
  auto uniform = [&](double bound) {
    std::uniform_real_distribution<double> u(-bound, bound);
    for (float &v : values)
      v = static_cast<float>(u(rng));
    return values;
  };
  auto normal = [&](double std, bool truncated) {
    std::normal_distribution<double> d(0.0, std);
    for (float &v : values) {
      double x = d(rng);
      while (truncated && std::abs(x) > 2 * std) // timm trunc_normal_: [-2 std, 2 std]
        x = d(rng);
      v = static_cast<float>(x);
    }
    return values;
  };
  if (name.ends_with("pos_embed")) {
    if (shape.size() != 3 || shape[1] != 1 + gridT * gridF)
      return llvm::createStringError("parameter '" + name + "' does not fit the patch grid");
    return mlir::amae::math::sincosPositionTable(gridT, gridF, shape[2]);
  }
  if (name == "cls_token" || name == "mask_token")
    return normal(0.02, false);
  if (name == "head.weight")
    return normal(2e-5, true);
  if (name == "patch_embed.proj.weight" && shape.size() == 4) {
    int64_t fanIn = shape[1] * shape[2] * shape[3];
    return uniform(std::sqrt(6.0 / static_cast<double>(fanIn + shape[0])));
  }
  if (name == "patch_embed.proj.bias") // left at torch's Conv2d default
    return uniform(1.0 / std::sqrt(static_cast<double>(geometry.patchArea)));
  if (name.ends_with(".bias"))
    return values;
  if (shape.size() == 1 && (name.ends_with(".weight") || name.ends_with(".tau"))) {
    std::fill(values.begin(), values.end(), 1.0f);
    return values;
  }
  if (shape.size() == 2 && name.ends_with(".weight"))
    return uniform(std::sqrt(6.0 / static_cast<double>(shape[0] + shape[1])));
  return llvm::createStringError("no initialisation is known for parameter '" + name +
                                 "'; pass it in --init");
}

} // namespace amae
