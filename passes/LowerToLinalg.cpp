//===- LowerToLinalg.cpp - amae to linalg/tensor/arith/math ---------------===//
//
// A full conversion: every amae op must be rewritten, or the pass fails at
// the op's location. The patterns live in lowering/, one file per op family.
// The patterns assume static shapes (the spec frontend emits only those);
// dynamic ones verify but are refused here, by name, before any pattern
// could emit a tensor.empty without its dynamic sizes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeDialect.h"
#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"
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
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    WalkResult refused = getOperation()->walk([](Operation *op) {
      if (!isa<AmaeDialect>(op->getDialect()))
        return WalkResult::advance();
      auto isDynamic = [](Type t) {
        auto shaped = dyn_cast<ShapedType>(t);
        return shaped && !shaped.hasStaticShape();
      };
      for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
        if (isDynamic(t)) {
          op->emitOpError() << "has the dynamic type " << t
                            << "; amae-lower-to-linalg lowers static shapes only "
                               "(amae-compile --batch fixes the batch size)";
          return WalkResult::interrupt();
        }
      // Tables lower to constants, which their folders refuse above a size.
      if (isa<SincosPosEmbedOp, ShiftMaskOp, LogRelativeCoordsOp>(op) &&
          !detail::foldableTable(cast<ShapedType>(op->getResult(0).getType()))) {
        op->emitOpError() << "cannot be lowered: its table " << op->getResult(0).getType()
                          << " must be at most " << detail::kMaxFoldedElements << " elements";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (refused.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    populateLowerLayerOpsPatterns(patterns, biasEpilogue);
    populateLowerAttentionOpsPatterns(patterns, fusedAttention, fusedWindowAttention);
    populateLowerPatchOpsPatterns(patterns, biasEpilogue);
    populateLowerMaskingOpsPatterns(patterns);
    populateLowerLossOpsPatterns(patterns);
    populateLowerOptimizerOpsPatterns(patterns);
    populateLowerAudioOpsPatterns(patterns);

    ConversionTarget target(*ctx);
    target.addIllegalDialect<AmaeDialect>();
    target.addLegalOp<FusedAttentionOp, FusedAttentionGradOp, FusedWindowAttentionOp,
                      FusedWindowAttentionGradOp>();
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
