//===- LowerToLinalg.cpp - amae to linalg/tensor/arith/math ---------------===//
//
// A full conversion: every amae op must be rewritten, or the pass fails at
// the op's location. The patterns live in lowering/, one file per op family.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeDialect.h"
#include "passes/Passes.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAELOWERTOLINALG
#include "passes/Passes.h.inc"

namespace {
struct AmaeLowerToLinalgPass
    : impl::AmaeLowerToLinalgBase<AmaeLowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    populateLowerLayerOpsPatterns(patterns);
    populateLowerAttentionOpsPatterns(patterns);
    populateLowerTokenOpsPatterns(patterns);
    populateLowerLossOpsPatterns(patterns);
    populateLowerAudioOpsPatterns(patterns);

    ConversionTarget target(*ctx);
    target.addIllegalDialect<AmaeDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect>();
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      return signalPassFailure();

    // tensor.concat (the global decoder's [CLS, tokens]) as insert_slices.
    RewritePatternSet cleanup(ctx);
    tensor::populateDecomposeTensorConcatPatterns(cleanup);
    if (failed(applyPatternsGreedily(getOperation(), std::move(cleanup))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::amae
