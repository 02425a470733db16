//===- GraphBuilder.cpp - Build amae graphs from a model spec -------------===//

#include "frontends/spec/GraphBuilder.h"
#include "dialects/Amae/AmaeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

namespace amae {
using namespace mlir;
using namespace mlir::amae;


static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type element) {
  return RankedTensorType::get(shape, element);
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

GraphBuilder::GraphBuilder(ModuleOp module, StringRef name, const ModelSpec &spec,
                           int64_t batch)
    : spec_(spec), batch_(batch), b(module.getContext()),
      currentLoc(NameLoc::get(b.getStringAttr(name))) {
  b.setInsertionPointToEnd(module.getBody());
  func = func::FuncOp::create(b, currentLoc, name, b.getFunctionType({}, {}));
  b.setInsertionPointToEnd(func.addEntryBlock());
}

void GraphBuilder::setScope(StringRef name) {
  currentLoc = NameLoc::get(b.getStringAttr(name));
}

Value GraphBuilder::addArgument(Type type, DictionaryAttr attrs) {
  argAttrs.push_back(attrs);
  return func.getBody().front().addArgument(type, func.getLoc());
}

Value GraphBuilder::input(StringRef name, ArrayRef<int64_t> shape, bool isI64) {
  Type element = isI64 ? Type(b.getI64Type()) : Type(b.getF32Type());
  return addArgument(tensorOf(shape, element),
                     b.getDictionaryAttr(b.getNamedAttr("amae.input",
                                                        b.getStringAttr(name))));
}

Value GraphBuilder::inputWithDefault(StringRef name, double value) {
  return addArgument(tensorOf({}, b.getF32Type()),
                     b.getDictionaryAttr({b.getNamedAttr("amae.input", b.getStringAttr(name)),
                                          b.getNamedAttr("amae.default",
                                                         b.getF64FloatAttr(value))}));
}

Value GraphBuilder::param(StringRef name, ArrayRef<int64_t> shape, bool frozen) {
  auto it = params.find(name.str());
  if (it != params.end())
    return it->second;
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("amae.param", b.getStringAttr(name))};
  if (frozen)
    attrs.push_back(b.getNamedAttr("amae.frozen", b.getUnitAttr()));
  Value arg = addArgument(tensorOf(shape, b.getF32Type()),
                          b.getDictionaryAttr(attrs));
  params.emplace(name.str(), arg);
  return arg;
}

Value GraphBuilder::seed() {
  if (!seedValue)
    seedValue = input("seed", {}, /*isI64=*/true);
  return seedValue;
}

Value GraphBuilder::firstSample() {
  // Default 0: a graph run on its own is the start of the run; the trainer
  // gives each data-parallel rank the index of its slice's first sample.
  if (!firstSampleValue)
    firstSampleValue = addArgument(
        tensorOf({}, b.getI64Type()),
        b.getDictionaryAttr({b.getNamedAttr("amae.input", b.getStringAttr("first_sample")),
                             b.getNamedAttr("amae.default", b.getF64FloatAttr(0))}));
  return firstSampleValue;
}

void GraphBuilder::finish(ArrayRef<std::pair<StringRef, Value>> outputs) {
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (auto &[name, value] : outputs) {
    results.push_back(value);
    resultTypes.push_back(value.getType());
  }
  func::ReturnOp::create(b, func.getLoc(), results);
  Block &body = func.getBody().front();
  func.setFunctionType(b.getFunctionType(body.getArgumentTypes(), resultTypes));
  for (auto [i, attrs] : llvm::enumerate(argAttrs))
    func.setArgAttrs(i, attrs);
  for (auto [i, output] : llvm::enumerate(outputs))
    func.setResultAttr(i, "amae.output", b.getStringAttr(output.first));
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

Value GraphBuilder::linear(Value x, StringRef prefix, int64_t out) {
  int64_t in = shapeOf(x).back();
  Value weight = param((prefix + ".weight").str(), {out, in});
  Value bias = param((prefix + ".bias").str(), {out});
  return LinearOp::create(b, currentLoc, x, weight, bias);
}

Value GraphBuilder::layerNorm(Value x, StringRef prefix) {
  int64_t width = shapeOf(x).back();
  Value weight = param((prefix + ".weight").str(), {width});
  Value bias = param((prefix + ".bias").str(), {width});
  return LayerNormOp::create(b, currentLoc, x, weight, bias, 1e-6);
}

Value GraphBuilder::mlp(Value x, StringRef prefix, int64_t hidden) {
  int64_t width = shapeOf(x).back();
  Value h = linear(x, (prefix + ".fc1").str(), hidden);
  h = GeluOp::create(b, currentLoc, h);
  return linear(h, (prefix + ".fc2").str(), width);
}

Value GraphBuilder::dropout(Value x, double rate, int64_t stream) {
  if (rate == 0)
    return x;
  // Dropout sites are the position-bias tables, which have no sample axis.
  return DropoutOp::create(b, currentLoc, x.getType(), x, seed(), /*first_sample=*/Value(),
                           b.getF64FloatAttr(rate), b.getI64IntegerAttr(stream));
}

Value GraphBuilder::dropPath(Value x, double rate, int64_t stream) {
  if (rate == 0)
    return x;
  return DropPathOp::create(b, currentLoc, x.getType(), x, seed(), firstSample(),
                            b.getF64FloatAttr(rate), b.getI64IntegerAttr(stream));
}

Value GraphBuilder::add(Value lhs, Value rhs) {
  return arith::AddFOp::create(b, currentLoc, lhs, rhs);
}

Value GraphBuilder::tokens(Value x, int64_t begin, int64_t count) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(begin),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(shape[0]),
                                     b.getIndexAttr(count),
                                     b.getIndexAttr(shape[2])};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, currentLoc, x, offsets, sizes, strides);
}

Value GraphBuilder::vitBlock(Value x, StringRef prefix, int64_t heads,
                             int64_t hidden, double dropPathRate, int64_t stream) {
  setScope((prefix + ".attn").str());
  int64_t width = shapeOf(x).back();
  Value h = layerNorm(x, (prefix + ".norm1").str());
  Value qkv = linear(h, (prefix + ".attn.qkv").str(), 3 * width);
  auto split = SplitQkvOp::create(b, currentLoc, qkv, heads);
  // timm: head_dim ** -0.5, applied to q k^T in float32.
  float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(width / heads)));
  Value o = AttentionOp::create(b, currentLoc, split.getQ(), split.getK(),
                                split.getV(), scale);
  Value a = linear(MergeHeadsOp::create(b, currentLoc, o),
                   (prefix + ".attn.proj").str(), width);
  x = add(x, dropPath(a, dropPathRate, stream));

  setScope((prefix + ".mlp").str());
  Value f = mlp(layerNorm(x, (prefix + ".norm2").str()),
                (prefix + ".mlp").str(), hidden);
  return add(x, dropPath(f, dropPathRate, stream + 1));
}

Value GraphBuilder::swinBlock(Value x, int64_t index) {
  const DecoderSpec &dec = spec_.decoder;
  std::string prefix = "decoder_blocks." + std::to_string(index);
  std::array<int64_t, 2> window = spec_.effectiveWindow();
  std::array<int64_t, 2> shift = {0, 0};
  if (index % 2 == 1) // Odd blocks shift, even blocks do not.
    shift = spec_.effectiveShift();
  int64_t width = shapeOf(x).back();
  int64_t stream = 1000 + 4 * index;

  // Continuous position bias: meta-MLP over log-spaced relative coordinates,
  // with dropout after the ReLU and after the output layer.
  setScope(prefix + ".attn.meta_mlp");
  int64_t p = window[0] * window[1];
  Value coords = LogRelativeCoordsOp::create(
      b, currentLoc, tensorOf({p * p, 2}, b.getF32Type()),
      b.getDenseI64ArrayAttr(window));
  Value h = linear(coords, prefix + ".attn.meta_mlp.fc1", dec.biasHidden);
  h = dropout(ReluOp::create(b, currentLoc, h), dec.biasDropout, stream);
  Value bias = linear(h, prefix + ".attn.meta_mlp.fc2", dec.heads);
  bias = dropout(bias, dec.biasDropout, stream + 1);

  setScope(prefix + ".attn");
  Value qkv = linear(x, prefix + ".attn.qkv", 3 * width);
  auto split = SplitQkvOp::create(b, currentLoc, qkv, dec.heads);
  Value tau = param(prefix + ".attn.tau", {dec.heads});
  Value o = WindowAttentionOp::create(
      b, currentLoc, split.getQ().getType(), split.getQ(), split.getK(),
      split.getV(), tau, bias,
      b.getDenseI64ArrayAttr({spec_.gridT(), spec_.gridF()}),
      b.getDenseI64ArrayAttr(window), b.getDenseI64ArrayAttr(shift));
  Value a = linear(MergeHeadsOp::create(b, currentLoc, o), prefix + ".attn.proj",
                   width);
  // Post-norm: the norm is applied to the branch, not to its input.
  x = add(x, layerNorm(a, prefix + ".norm1"));

  setScope(prefix + ".mlp");
  Value f = mlp(x, prefix + ".mlp", spec_.decoderHidden());
  return add(x, layerNorm(f, prefix + ".norm2"));
}

} // namespace amae
