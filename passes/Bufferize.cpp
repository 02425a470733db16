//===- Bufferize.cpp - One-shot bufferization with amae's ABI -------------===//
//
// Inputs and parameters belong to the caller: a bound parameter is reused by
// every run (and a training step reads it again), so no graph may write into
// it. Read-only arguments make bufferization copy instead. Copies are
// linalg.copy, so that strided copies become loops rather than calls into
// MLIR's C runner utilities, which the artifacts do not link.
//
// A filled tensor that several ops start from (CSE merges identical fills:
// every zero-initialised accumulator of a graph) would bufferize as one fill
// and a copy of it per user; each user gets its own fill instead, written
// straight into its buffer. The GEMM rewrite then sees a zero fill right
// before a matmul and drops it for a BLAS call that overwrites its output.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEBUFFERIZE
#include "passes/Passes.h.inc"

namespace {
struct AmaeBufferizePass : impl::AmaeBufferizeBase<AmaeBufferizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::FillOp> shared;
    module.walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        shared.push_back(fill);
    });
    for (linalg::FillOp fill : shared) {
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : fill->getResult(0).getUses())
        uses.push_back(&use);
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        Value empty = fill.getOutputs()[0];
        if (auto e = empty.getDefiningOp<tensor::EmptyOp>())
          empty = b.clone(*e)->getResult(0);
        IRMapping map;
        map.map(fill.getOutputs()[0], empty);
        use->set(b.clone(*fill, map)->getResult(0));
      }
    }
    // A returned value is computed into a tensor.empty of its own (through
    // a fill of it, if any), not one CSE merged with an earlier temporary's:
    // the two would share one buffer, the result's out-parameter, and an
    // output the runtime passes in place of its input (a fused training
    // step's parameters) would be overwritten before the graph has read it.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (Value result : func.front().getTerminator()->getOperands()) {
        auto op = result.getDefiningOp<DestinationStyleOpInterface>();
        if (!op || !op.hasPureTensorSemantics())
          continue;
        OpOperand *init = op.getTiedOpOperand(cast<OpResult>(result));
        if (auto fill = init->get().getDefiningOp<linalg::FillOp>();
            fill && fill->hasOneUse())
          init = fill.getDpsInitOperand(0);
        auto empty = init->get().getDefiningOp<tensor::EmptyOp>();
        if (!empty || empty->hasOneUse())
          continue;
        OpBuilder b(init->getOwner());
        init->set(b.clone(*empty)->getResult(0));
      }
    }
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
