//===- Autodiff.cpp - Reverse-mode autodiff of training graphs ------------===//

#include "dialects/Amae/AmaeInterfaces.h"
#include "dialects/Amae/AmaeOps.h"
#include "passes/Passes.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

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

/// The transformer block an op belongs to ("blocks.3", "decoder_blocks.0"),
/// from its name location; empty for ops outside blocks.
StringRef blockOf(Operation *op) {
  auto name = dyn_cast<NameLoc>(op->getLoc());
  if (!name)
    return {};
  StringRef full = name.getName().getValue();
  for (StringRef prefix : {"blocks.", "decoder_blocks."}) {
    if (!full.starts_with(prefix))
      continue;
    size_t dot = full.find('.', prefix.size());
    return full.take_front(dot == StringRef::npos ? full.size() : dot);
  }
  return {};
}

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Clones the forward ops of one block at `b`, feeding values produced
/// before the block through `x + 0.0` so that CSE cannot merge the clones
/// with the originals. Returns, for each original op, its clone, and for
/// each clone operand, the original value it stands for.
void cloneBlockForward(OpBuilder &b, ArrayRef<Operation *> ops,
                       DenseMap<Operation *, Operation *> &cloneOf,
                       DenseMap<Value, Value> &originalOf) {
  IRMapping mapping;
  DenseSet<Operation *> inBlock(ops.begin(), ops.end());
  for (Operation *op : ops) {
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      bool outside = !def || !inBlock.contains(def);
      if (!outside || mapping.contains(operand) || !isFloatTensor(operand) ||
          isa<BlockArgument>(operand) || (def && def->hasTrait<OpTrait::ConstantLike>()))
        continue;
      auto type = cast<RankedTensorType>(operand.getType());
      Value zero = arith::ConstantOp::create(
          b, op->getLoc(), DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
      Value barrier = arith::AddFOp::create(b, op->getLoc(), operand, zero);
      mapping.map(operand, barrier);
      originalOf[barrier] = operand;
    }
    Operation *clone = b.clone(*op, mapping);
    cloneOf[op] = clone;
    for (auto [o, c] : llvm::zip(op->getResults(), clone->getResults()))
      originalOf[c] = o;
  }
}

/// Points the backward's reads of each GELU and layer norm output at a
/// recomputation from the op's (stored) input, placed before the first of
/// them: the output, read by the backward only for the next linear's weight
/// gradient, is then dead once the forward has used it. A GELU output is an
/// MLP's largest activation; a layer norm's input is the residual stream,
/// which the norm's own VJP keeps anyway. The recomputation reads its input
/// through `x + 0.0` (exact), so CSE cannot fold it back into the forward one.
void recomputeOutputs(ArrayRef<Operation *> forward) {
  DenseSet<Operation *> inForward(forward.begin(), forward.end());
  for (Operation *op : forward) {
    if (!isa<GeluOp, LayerNormOp>(op))
      continue;
    SmallVector<OpOperand *> backward;
    Operation *first = nullptr;
    for (OpOperand &use : op->getResult(0).getUses()) {
      Operation *user = op->getBlock()->findAncestorOpInBlock(*use.getOwner());
      if (!user || inForward.count(user))
        continue;
      backward.push_back(&use);
      if (!first || user->isBeforeInBlock(first))
        first = user;
    }
    if (backward.empty())
      continue;
    OpBuilder b(first);
    Value input = op->getOperand(0);
    auto type = cast<RankedTensorType>(input.getType());
    Value zero = arith::ConstantOp::create(
        b, op->getLoc(), DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
    IRMapping map;
    map.map(input, arith::AddFOp::create(b, op->getLoc(), input, zero));
    Value again = b.clone(*op, map)->getResult(0);
    for (OpOperand *use : backward)
      use->set(again);
  }
}

LogicalResult differentiate(func::FuncOp func, unsigned lossIndex, bool recomputeBlocks,
                            bool recomputeActivations) {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  Location loc = ret.getLoc();
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
  DenseMap<Value, Value> grads;
  // Only values that lead to a trained parameter collect gradients: the
  // rest (the masked pixels of the images, frozen tables) would be work
  // nobody reads, and ops on them need no VJP.
  auto accumulate = [&](Value v, Value g) {
    if (!g || !isFloatTensor(v) || !dependsOnParam.count(v))
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

  // Blocks whose forward the backward recomputes, and the last op of each.
  llvm::StringMap<SmallVector<Operation *>> blockOps;
  if (recomputeBlocks)
    for (Operation *op : forward)
      if (StringRef block = blockOf(op); !block.empty())
        blockOps[block].push_back(op);
  DenseMap<Operation *, Operation *> cloneOf;
  DenseMap<Value, Value> originalOf;
  auto original = [&](Value v) { return originalOf.lookup(v) ? originalOf.lookup(v) : v; };

  for (Operation *op : llvm::reverse(forward)) {
    if (StringRef block = blockOf(op); recomputeBlocks && !block.empty()) {
      SmallVector<Operation *> &ops = blockOps[block];
      if (!ops.empty() && ops.back() == op)
        cloneBlockForward(b, ops, cloneOf, originalOf);
    }
    SmallVector<Value> resultGrads;
    bool reached = false;
    for (Value r : op->getResults()) {
      resultGrads.push_back(grads.lookup(r));
      reached |= bool(resultGrads.back());
    }
    if (!reached)
      continue;
    if (isa<DifferentiableOpInterface>(op)) {
      // Recomputed blocks differentiate the clone (its operands are the
      // recomputed values); gradients go to the original operands.
      Operation *source = cloneOf.lookup(op) ? cloneOf.lookup(op) : op;
      SmallVector<Value> operandGrads;
      if (failed(cast<DifferentiableOpInterface>(source).buildVjp(b, resultGrads,
                                                                   operandGrads)))
        return op->emitOpError("failed to build its vector-Jacobian product");
      for (auto [i, operand, g] : llvm::enumerate(source->getOperands(), operandGrads)) {
        Value forwardOperand = original(operand);
        if (!g && isFloatTensor(forwardOperand) && dependsOnParam.count(forwardOperand))
          return op->emitOpError("has no gradient for operand #")
                 << i << ", which depends on a trained parameter (amae-autodiff)";
        accumulate(forwardOperand, g);
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
    } else if (auto c = dyn_cast<tensor::CollapseShapeOp>(op)) {
      // A reshape: the gradient takes the source's shape back.
      accumulate(c.getSrc(), tensor::ExpandShapeOp::create(
                                 b, c.getLoc(), c.getSrcType(), resultGrads[0],
                                 c.getReassociationIndices()));
    } else if (auto e = dyn_cast<tensor::ExpandShapeOp>(op)) {
      accumulate(e.getSrc(), tensor::CollapseShapeOp::create(b, e.getLoc(), e.getSrcType(),
                                                             resultGrads[0],
                                                             e.getReassociationIndices()));
    } else if (op->getNumOperands() != 0) {
      return op->emitOpError("has no vector-Jacobian product (needed by amae-autodiff)");
    }
  }

  if (recomputeActivations)
    recomputeOutputs(forward);

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
  using AmaeAutodiffBase::AmaeAutodiffBase;
  void runOnOperation() override {
    if (recompute != "none" && recompute != "blocks" && recompute != "activations") {
      getOperation().emitError(
          "amae-autodiff: recompute must be none, activations or blocks, got '")
          << recompute << "'";
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (auto loss = lossResult(func))
        if (failed(differentiate(func, *loss, recompute == "blocks",
                                 recompute == "activations")))
          return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::amae
