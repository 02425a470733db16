//===- EmitOptimizer.cpp - AdamW step graphs with the official groups -----===//
//
// For a training graph G, `G_adamw` takes `lr` (the scheduled rate), `step`
// (1 for the first), `beta1`, `beta2` and `weight_decay` (optional; their
// defaults are the spec's `adamw` section, recorded in the manifest) and, per
// trainable parameter P of G, the tensors P,
// grad.P, m.P and v.P, and returns the updated P, m.P and v.P. The groups
// are the official ones:
// - pretraining (timm add_weight_decay): no decay on 1-D tensors and `.bias`;
// - fine-tuning (util/lr_decay.py): no decay on 1-D tensors, pos_embed and
//   cls_token; lr scaled by layer_decay^(depth + 1 - layer) with layer 0 for
//   cls_token, pos_embed and patch_embed.*, i + 1 for blocks.i, depth + 1 for
//   the rest.
//
//===----------------------------------------------------------------------===//

#include "frontends/spec/EmitGraphs.h"
#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "frontends/spec/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"


namespace amae {
using namespace mlir;
using namespace mlir::amae;

/// Weight decay multiplier (0 or 1) and lr scale of parameter `name`.
std::pair<bool, double> adamwGroup(const ModelSpec &spec, GraphKind graph,
                                   llvm::StringRef name, int64_t rank) {
  if (graph == GraphKind::Pretrain)
    return {!(rank == 1 || name.ends_with(".bias")), 1.0};
  bool decay = !(rank == 1 || name == "pos_embed" || name == "cls_token");
  return {decay, mlir::amae::math::layerDecayScale(name.str(), spec.encoder.depth,
                                                   spec.finetune.adamw.layerDecay)};
}

void emitOptimizers(ModuleOp module, const ModelSpec &spec) {
  SmallVector<func::FuncOp> graphs(module.getOps<func::FuncOp>());
  for (func::FuncOp train : graphs) {
    std::optional<GraphKind> kind = parseGraphName(train.getSymName());
    if (!kind || *kind == GraphKind::Infer)
      continue;
    const AdamWSpec &hp =
        *kind == GraphKind::Pretrain ? spec.pretrain.adamw : spec.finetune.adamw;
    GraphBuilder g(module, (train.getSymName() + "_adamw").str(), spec, 1);
    OpBuilder &b = g.builder();
    g.setScope("adamw");
    Value lr = g.input("lr", {});
    Value step = g.input("step", {}, /*isI64=*/true);
    Value beta1 = g.inputWithDefault("beta1", hp.betas[0]);
    Value beta2 = g.inputWithDefault("beta2", hp.betas[1]);
    Value weightDecay = g.inputWithDefault("weight_decay", hp.weightDecay);
    auto scalar = RankedTensorType::get({}, b.getF32Type());
    Value noDecay = arith::ConstantOp::create(b, g.loc(), DenseElementsAttr::get(scalar, 0.0f));
    SmallVector<std::pair<std::string, Value>> outputs;
    for (unsigned i = 0; i < train.getNumArguments(); ++i) {
      auto name = train.getArgAttrOfType<StringAttr>(i, "amae.param");
      if (!name || train.getArgAttr(i, "amae.frozen"))
        continue;
      std::string p = name.str();
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(train.getArgument(i).getType()).getShape();
      Value param = g.input(p, shape), grad = g.input("grad." + p, shape),
            m = g.input("m." + p, shape), v = g.input("v." + p, shape);
      auto [decay, scale] = adamwGroup(spec, *kind, p, shape.size());
      Value rate = lr;
      if (scale != 1.0) {
        Value s = arith::ConstantOp::create(
            b, g.loc(), DenseElementsAttr::get(scalar, static_cast<float>(scale)));
        rate = arith::MulFOp::create(b, g.loc(), lr, s);
      }
      auto update = AdamwUpdateOp::create(
          b, g.loc(), param.getType(), param.getType(), param.getType(), param, grad, m,
          v, rate, step, beta1, beta2, decay ? weightDecay : noDecay,
          b.getF64FloatAttr(hp.eps));
      outputs.push_back({p, update.getNewParam()});
      outputs.push_back({"m." + p, update.getNewM()});
      outputs.push_back({"v." + p, update.getNewV()});
    }
    SmallVector<std::pair<StringRef, Value>> named;
    for (auto &[n, v] : outputs)
      named.push_back({n, v});
    g.finish(named);
  }
}

LogicalResult appendFusedSteps(ModuleOp module) {
  SmallVector<func::FuncOp> graphs(module.getOps<func::FuncOp>());
  for (func::FuncOp train : graphs) {
    std::optional<GraphKind> kind = parseGraphName(train.getSymName());
    auto adamw = module.lookupSymbol<func::FuncOp>((train.getSymName() + "_adamw").str());
    if (!kind || *kind == GraphKind::Infer || !adamw || train.isExternal())
      continue;
    auto step = cast<func::FuncOp>(train->clone());
    step.setSymName((train.getSymName() + "_step").str());
    module.insert(std::next(Block::iterator(adamw)), step);
    MLIRContext *ctx = module.getContext();
    auto ret = cast<func::ReturnOp>(step.front().getTerminator());

    // The graph's outputs but its gradients, which feed the updates.
    llvm::StringMap<Value> byName;
    SmallVector<Value> results;
    SmallVector<Attribute> resultNames;
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      auto name = step.getResultAttrOfType<StringAttr>(i, "amae.output");
      if (!name)
        return step.emitError("result #") << i << " has no amae.output name";
      if (name.getValue().starts_with("grad.")) {
        byName[name.getValue()] = value;
        continue;
      }
      results.push_back(value);
      resultNames.push_back(name);
    }
    for (BlockArgument arg : step.getArguments())
      if (auto name = step.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "amae.param"))
        byName[name.getValue()] = arg;

    // The optimizer's inputs: a parameter or gradient of the graph, else
    // (moments, rate, step, betas, decay) a new input of the same name.
    IRMapping map;
    for (BlockArgument arg : adamw.getArguments()) {
      auto name = adamw.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "amae.input");
      if (!name)
        return adamw.emitError("argument #") << arg.getArgNumber() << " has no amae.input name";
      auto it = byName.find(name.getValue());
      if (it != byName.end()) {
        map.map(arg, it->second);
        continue;
      }
      unsigned at = step.getNumArguments();
      if (failed(step.insertArgument(at, arg.getType(), adamw.getArgAttrDict(arg.getArgNumber()),
                                     arg.getLoc())))
        return failure();
      map.map(arg, step.getArgument(at));
    }
    OpBuilder b(ret);
    auto adamwRet = cast<func::ReturnOp>(adamw.front().getTerminator());
    for (Operation &op : adamw.front().without_terminator())
      b.clone(op, map);
    for (auto [i, value] : llvm::enumerate(adamwRet.getOperands())) {
      results.push_back(map.lookup(value));
      resultNames.push_back(adamw.getResultAttr(i, "amae.output"));
    }
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    step.setFunctionType(FunctionType::get(ctx, step.getArgumentTypes(), types));
    SmallVector<DictionaryAttr> attrs;
    for (Attribute name : resultNames)
      attrs.push_back(DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "amae.output"), name)}));
    step.setAllResultAttrs(attrs);
  }
  return orderGraphArguments(module);
}

} // namespace amae
