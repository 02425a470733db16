//===- Bufferize.cpp - One-shot bufferization with amae's ABI -------------===//
//
// Inputs and parameters belong to the caller: a bound parameter is reused by
// every run (and a training step reads it again), so no graph may write into
// it. Read-only arguments make bufferization copy instead. Copies are
// linalg.copy, so that strided copies become loops rather than calls into
// MLIR's C runner utilities, which the artifacts do not link.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEBUFFERIZE
#include "passes/Passes.h.inc"

namespace {
struct AmaeBufferizePass : impl::AmaeBufferizeBase<AmaeBufferizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    for (auto func : module.getOps<func::FuncOp>())
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                        BoolAttr::get(ctx, false));

    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
      linalg::CopyOp::create(b, loc, from, to);
      return success();
    };
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(module, options, state)))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::amae
