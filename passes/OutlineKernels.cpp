//===- OutlineKernels.cpp - One function per bufferized linalg op ---------===//

#include "passes/Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEOUTLINEKERNELS
#include "passes/Passes.h.inc"

bool isOutlinedKernel(func::FuncOp f) {
  auto passthrough = f->getAttrOfType<ArrayAttr>("passthrough");
  return f.isPrivate() && !f.isExternal() && passthrough &&
         llvm::any_of(passthrough, [](Attribute a) {
           auto s = dyn_cast<StringAttr>(a);
           return s && s.getValue() == "noinline";
         });
}

FailureOr<func::FuncOp> outlineAsKernel(RewriterBase &rewriter, scf::ExecuteRegionOp wrapper,
                                        StringRef name) {
  FailureOr<func::FuncOp> outlined =
      outlineSingleBlockRegion(rewriter, wrapper.getLoc(), wrapper.getRegion(), name);
  if (failed(outlined))
    return failure();
  outlined->setPrivate();
  (*outlined)->setAttr("passthrough", rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
  // The region now holds only the call: splice it into the caller.
  Block &body = wrapper.getRegion().front();
  rewriter.eraseOp(body.getTerminator());
  rewriter.inlineBlockBefore(&body, wrapper);
  rewriter.eraseOp(wrapper);
  return outlined;
}

namespace {
struct AmaeOutlineKernelsPass
    : impl::AmaeOutlineKernelsBase<AmaeOutlineKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> graphs(module.getOps<func::FuncOp>());
    for (func::FuncOp graph : graphs) {
      if (graph.isPrivate() || graph.isExternal())
        continue;
      if (copies)
        for (auto copy : llvm::make_early_inc_range(graph.getBody().front().getOps<memref::CopyOp>())) {
          rewriter.setInsertionPoint(copy);
          rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(), copy.getTarget());
        }
      // Only ops on buffers (no results) can move out as they are.
      SmallVector<linalg::LinalgOp> kernels;
      for (Operation &op : graph.getBody().front())
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&op))
          if (linalgOp->getNumResults() == 0)
            kernels.push_back(linalgOp);
      for (auto [index, kernel] : llvm::enumerate(kernels)) {
        // Wrap the op in a region, outline the region, inline the call site.
        rewriter.setInsertionPoint(kernel);
        auto wrapper = scf::ExecuteRegionOp::create(rewriter, kernel.getLoc(), TypeRange{});
        Block *block = rewriter.createBlock(&wrapper.getRegion());
        rewriter.moveOpBefore(kernel, block, block->end());
        rewriter.setInsertionPointToEnd(block);
        scf::YieldOp::create(rewriter, kernel.getLoc());
        std::string name = (graph.getSymName() + "_k" + Twine(index) + "_" +
                            kernel->getName().stripDialect())
                               .str();
        std::replace(name.begin(), name.end(), '.', '_');
        if (failed(outlineAsKernel(rewriter, wrapper, name)))
          return signalPassFailure();
      }
    }
  }
};
} // namespace
} // namespace mlir::amae
