//===- Autodiff.cpp - Reverse-mode autodiff of training graphs ------------===//

#include "dialects/Amae/AmaeInterfaces.h"
#include "passes/Passes.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEAUTODIFF
#include "passes/Passes.h.inc"

namespace {

/// Index of the result named `loss`, if any.
std::optional<unsigned> lossResult(func::FuncOp func) {
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (auto name = func.getResultAttrOfType<StringAttr>(i, "amae.output"))
      if (name.getValue() == "loss")
        return i;
  return std::nullopt;
}

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

LogicalResult differentiate(func::FuncOp func, unsigned lossIndex) {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  Location loc = ret.getLoc();
  DenseMap<Value, Value> grads;
  auto accumulate = [&](Value v, Value g) {
    if (!g || !isFloatTensor(v))
      return;
    auto it = grads.find(v);
    if (it == grads.end())
      grads[v] = g;
    else
      it->second = arith::AddFOp::create(b, loc, it->second, g);
  };

  auto scalar = RankedTensorType::get({}, b.getF32Type());
  grads[ret.getOperand(lossIndex)] = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalar, 1.0f));

  // Values that depend on a trained parameter: an op whose VJP gives no
  // gradient for such an operand (a target, a table, an image) would drop
  // part of the gradient silently, so that is an error instead.
  DenseSet<Value> dependsOnParam;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (func.getArgAttr(i, "amae.param") && !func.getArgAttr(i, "amae.frozen"))
      dependsOnParam.insert(func.getArgument(i));
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator()) {
    forward.push_back(&op);
    if (!llvm::any_of(op.getOperands(), [&](Value v) { return dependsOnParam.count(v); }))
      continue;
    auto d = dyn_cast<DifferentiableOpInterface>(op);
    for (OpResult r : op.getResults())
      if (!d || d.isDifferentiableResult(r.getResultNumber()))
        dependsOnParam.insert(r);
  }
  for (Operation *op : llvm::reverse(forward)) {
    SmallVector<Value> resultGrads;
    bool reached = false;
    for (Value r : op->getResults()) {
      resultGrads.push_back(grads.lookup(r));
      reached |= bool(resultGrads.back());
    }
    if (!reached)
      continue;
    if (auto d = dyn_cast<DifferentiableOpInterface>(op)) {
      SmallVector<Value> operandGrads;
      if (failed(d.buildVjp(b, resultGrads, operandGrads)))
        return op->emitOpError("failed to build its vector-Jacobian product");
      for (auto [i, operand, g] : llvm::enumerate(op->getOperands(), operandGrads)) {
        if (!g && isFloatTensor(operand) && dependsOnParam.count(operand))
          return op->emitOpError("has no gradient for operand #")
                 << i << ", which depends on a trained parameter (amae-autodiff)";
        accumulate(operand, g);
      }
    } else if (isa<arith::AddFOp>(op)) {
      accumulate(op->getOperand(0), resultGrads[0]);
      accumulate(op->getOperand(1), resultGrads[0]);
    } else if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
      Value zeros = filledTensor(b, s.getLoc(), s.getSourceType().getShape(), 0.0f);
      accumulate(s.getSource(),
                 tensor::InsertSliceOp::create(b, s.getLoc(), resultGrads[0], zeros,
                                               s.getMixedOffsets(), s.getMixedSizes(),
                                               s.getMixedStrides()));
    } else if (op->getNumOperands() != 0) {
      return op->emitOpError("has no vector-Jacobian product (needed by amae-autodiff)");
    }
  }

  // grad.<param> for every trainable parameter, in argument order.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<std::string> names;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "amae.param");
    if (!name || func.getArgAttr(i, "amae.frozen"))
      continue;
    Value arg = func.getArgument(i);
    Value g = grads.lookup(arg);
    if (!g)
      g = filledTensor(b, loc, cast<RankedTensorType>(arg.getType()).getShape(), 0.0f);
    results.push_back(g);
    names.push_back(("grad." + name.getValue()).str());
  }
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned i = 0; i < ret.getNumOperands(); ++i)
    resultAttrs.push_back(func.getResultAttrDict(i));
  for (const std::string &name : names)
    resultAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr("amae.output", b.getStringAttr(name))));
  func::ReturnOp::create(b, loc, results);
  ret.erase();
  func.setFunctionType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  func.setAllResultAttrs(resultAttrs);
  return success();
}

struct AmaeAutodiffPass : impl::AmaeAutodiffBase<AmaeAutodiffPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (auto loss = lossResult(func))
        if (failed(differentiate(func, *loss)))
          return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::amae
