//===- AmaeInterfaces.td - amae op interfaces ---------------*- tablegen -*-===//

#ifndef AMAE_INTERFACES
#define AMAE_INTERFACES

include "mlir/IR/OpBase.td"

def Amae_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::amae";
  let description = [{
    An op that declares its vector-Jacobian product. Given the gradients of
    the loss with respect to the op's results (null for results the loss
    does not depend on), `buildVjp` builds, at the builder's insertion
    point, the gradients with respect to its operands (null where an operand
    gets none: integer indices, noise, labels). The backward is built on
    tensors, at the same level as the forward, so it is lowered with it.
    The `amae-autodiff` pass composes these into the backward graph.
  }];
  let methods = [
    InterfaceMethod<
      "Builds the operand gradients from the result gradients.",
      "::llvm::LogicalResult", "buildVjp",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
    InterfaceMethod<
      [{Whether result `index` varies smoothly with the op's float operands.
        False for results that are piecewise constant in them (the mask of
        random masking depends on the noise only), which therefore carry no
        gradient and do not make later operands depend on parameters.}],
      "bool", "isDifferentiableResult", (ins "unsigned":$index), [{}],
      [{ return true; }]>
  ];
}

#endif // AMAE_INTERFACES
