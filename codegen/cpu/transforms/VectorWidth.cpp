//===- VectorWidth.cpp - The vector width LLVM prefers --------------------===//

#include "codegen/cpu/transforms/CpuPasses.h"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUVECTORWIDTH
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {
struct AmaeCpuVectorWidthPass : impl::AmaeCpuVectorWidthBase<AmaeCpuVectorWidthPass> {
  using Base::Base;

  void runOnOperation() override {
    if (width == 0)
      return;
    if (width != 128 && width != 256 && width != 512) {
      getOperation().emitError() << "amae-cpu-vector-width: width must be 128, 256 or 512 bits, "
                                 << "got " << static_cast<unsigned>(width);
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    Attribute entry = ArrayAttr::get(ctx, {StringAttr::get(ctx, "prefer-vector-width"),
                                           StringAttr::get(ctx, std::to_string(width))});
    getOperation().walk([&](LLVM::LLVMFuncOp func) {
      // Declarations (libm, the BLAS kernels) are not ours to tune.
      if (func.isExternal())
        return;
      SmallVector<Attribute> passthrough;
      if (ArrayAttr existing = func.getPassthroughAttr())
        for (Attribute a : existing) {
          auto pair = dyn_cast<ArrayAttr>(a);
          bool same = pair && pair.size() == 2 && isa<StringAttr>(pair[0]) &&
                      cast<StringAttr>(pair[0]).getValue() == "prefer-vector-width";
          if (!same)
            passthrough.push_back(a);
        }
      passthrough.push_back(entry);
      func.setPassthroughAttr(ArrayAttr::get(ctx, passthrough));
    });
  }
};
} // namespace
} // namespace mlir::amae::cpu
