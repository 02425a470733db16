//===- Passes.td - amae passes ------------------------------*- tablegen -*-===//

#ifndef AMAE_PASSES
#define AMAE_PASSES

include "mlir/Pass/PassBase.td"

def AmaeLowerToLinalg : Pass<"amae-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower every amae op to linalg, tensor, arith and math";
  let description = [{
    Rewrites each amae op into structured ops on tensors: contractions
    (linear, patch embedding, attention) and reductions (layer norm, softmax,
    losses) become `linalg.generic`, reshapes become `tensor` reshapes and
    `linalg.transpose`, masking becomes index arithmetic in `linalg.generic`
    bodies. The decoder's shifted-window attention is lowered fused: the
    cyclic shift and window partition are folded into the indexing of the
    gathers, never materialised as rolled copies.

    This is a full conversion of the amae dialect: an amae op without a
    lowering makes the pass fail with its location.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
}

def AmaeOutlineKernels : Pass<"amae-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outline each bufferized linalg op of a graph into a function";
  let description = [{
    After bufferization a graph is one function holding hundreds of loop
    nests, and LLVM's loop passes (IndVarSimplify above all) scale badly
    with function size: the tiny pretraining graph took a minute at -O3.
    This pass moves every top-level `linalg` op of each public function into
    its own private function `<graph>_k<N>_<op>`, marked `noinline`, so LLVM
    optimises many small functions instead of one huge one. It also gives
    profiles one symbol per kernel.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::LLVM::LLVMDialect"];
}

#endif // AMAE_PASSES
