//===- EmitGraphs.cpp - Model spec to amae IR -----------------------------===//
//
// The graphs of AudioMAE as the official code runs them:
// - frontend: waveforms to input images (dataset.py `_wav2fbank`), always;
// - infer: the fine-tuning model in eval mode (no masking, no drop-path),
//   and infer_audio, which calls the front end and infer;
// - pretrain: the MAE with random masking, its decoder and the masked loss;
// - finetune: the classifier with time+frequency token dropping, drop-path
//   and the BCE loss.
//
//===----------------------------------------------------------------------===//

#include "frontends/spec/EmitGraphs.h"
#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "frontends/spec/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace amae {
using namespace mlir;
using namespace mlir::amae;


namespace {

Type scalarF32(OpBuilder &b) { return RankedTensorType::get({}, b.getF32Type()); }

std::string indexed(StringRef prefix, int64_t i) {
  return (prefix + "." + std::to_string(i)).str();
}

/// imgs (N, 1, T, F): the normalised fbank, time on the H axis.
Value imagesInput(GraphBuilder &g) {
  const ModelSpec &s = g.spec();
  return g.input("imgs", {g.batch(), 1, s.input.frames, s.input.melBins});
}

/// The patch embedding's parameters and pos_embed, declared in this order.
struct PatchEmbedParams {
  Value weight, bias, pos;
};
PatchEmbedParams patchEmbedParams(GraphBuilder &g) {
  const ModelSpec &s = g.spec();
  int64_t dim = s.encoder.dim;
  g.setScope("patch_embed");
  return {g.param("patch_embed.proj.weight", {dim, 1, s.patch, s.patch}),
          g.param("patch_embed.proj.bias", {dim}),
          g.param("pos_embed", {1, s.numPatches() + 1, dim}, /*frozen=*/true)};
}

/// Patch embedding plus pos_embed[1:]: (N, L, D).
Value embedPatches(GraphBuilder &g, Value imgs) {
  OpBuilder &b = g.builder();
  PatchEmbedParams p = patchEmbedParams(g);
  Value x = PatchEmbedOp::create(b, g.loc(), imgs, p.weight, p.bias);
  return AddPositionOp::create(b, g.loc(), x.getType(), x, p.pos, b.getI64IntegerAttr(1));
}

/// The official model embeds all L patches, adds pos_embed[1:] and keeps
/// (1 - mask_ratio) of the tokens. The embedding and the addition work per
/// patch, so masking the patches' pixels (`pixels`, N x L x p*p) first and
/// embedding only the kept ones gives the same tokens with a fifth of the
/// work (at 80% masking), in the forward and in the weight's gradient. The
/// kept rows of the table come from masking it, broadcast, with the same
/// noise (the kept ids depend on the noise alone). Returns the kept tokens
/// (N, K, D); `masking` is the pixels' masking (its mask and ids are the
/// graph's).
Value embedKeptPatches(GraphBuilder &g, Value pixels, Value noise, RandomMaskingOp &masking) {
  const ModelSpec &s = g.spec();
  OpBuilder &b = g.builder();
  PatchEmbedParams p = patchEmbedParams(g);
  g.setScope("random_masking");
  masking = RandomMaskingOp::create(b, g.loc(), pixels, noise, s.pretrain.maskRatio);
  g.setScope("patch_embed");
  Value flat = tensor::CollapseShapeOp::create(
      b, g.loc(), p.weight, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value x = LinearOp::create(b, g.loc(), masking.getKept(), flat, p.bias);
  auto tokenType = RankedTensorType::get({g.batch(), s.numPatches(), s.encoder.dim},
                                         b.getF32Type());
  Value zeros = arith::ConstantOp::create(
      b, g.loc(), DenseElementsAttr::get(tokenType, b.getF32FloatAttr(0.0f)));
  Value table = AddPositionOp::create(b, g.loc(), tokenType, zeros, p.pos, b.getI64IntegerAttr(1));
  auto keptRows = RandomMaskingOp::create(b, g.loc(), table, noise, s.pretrain.maskRatio);
  return arith::AddFOp::create(b, g.loc(), x, keptRows.getKept());
}

/// Prepends cls_token + pos_embed[0] after the patch tokens got theirs.
Value prependCls(GraphBuilder &g, Value x) {
  const ModelSpec &s = g.spec();
  OpBuilder &b = g.builder();
  g.setScope("cls_token");
  Value cls = g.param("cls_token", {1, 1, s.encoder.dim});
  Value pos = g.param("pos_embed", {1, s.numPatches() + 1, s.encoder.dim}, true);
  Value clsPos = AddPositionOp::create(b, g.loc(), cls.getType(), cls, pos,
                                       b.getI64IntegerAttr(0));
  return PrependTokenOp::create(b, g.loc(), x, clsPos);
}

/// The encoder blocks; `dropPath` is the rate of the last block (timm's
/// linspace(0, rate, depth)).
Value encoderBlocks(GraphBuilder &g, Value x, double dropPath) {
  const ModelSpec &s = g.spec();
  int64_t depth = s.encoder.depth;
  for (int64_t i = 0; i < depth; ++i) {
    double rate = depth > 1 ? dropPath * i / (depth - 1) : 0.0;
    x = g.vitBlock(x, indexed("blocks", i), s.encoder.heads, s.encoderHidden(),
                   rate, /*stream=*/2 * i);
  }
  return x;
}

/// Mean of the patch tokens (CLS attends but is not pooled), fc_norm, head.
std::pair<Value, Value> classifierHead(GraphBuilder &g, Value x) {
  OpBuilder &b = g.builder();
  g.setScope("fc_norm");
  Value pooled = MeanPoolOp::create(b, g.loc(), x, /*skip=*/1);
  Value embedding = g.layerNorm(pooled, "fc_norm");
  g.setScope("head");
  Value logits = g.linear(embedding, "head", g.spec().finetune.classes);
  return {logits, embedding};
}

/// waveform (N, S) and its valid lengths (N) -> mean removal -> fbank ->
/// pad/crop -> normalise -> imgs (N, 1, T, F). S is the samples that T
/// frames read, so a longer recording is cut to S before it comes here.
Value frontEnd(GraphBuilder &g) {
  const ModelSpec &s = g.spec();
  OpBuilder &b = g.builder();
  auto framing = math::fbankFraming(static_cast<double>(s.input.sampleRate), 25.0, 10.0, true);
  int64_t samples = (s.input.frames - 1) * framing.hop + framing.windowSize;
  Value wave = g.input("waveform", {g.batch(), samples});
  Value length = g.input("length", {g.batch()}, /*isI64=*/true);
  g.setScope("frontend");
  Value centred = RemoveMeanOp::create(b, g.loc(), wave.getType(), wave, length);
  Value fbank = FbankOp::create(b, g.loc(), centred, length, s.input.sampleRate, s.input.melBins);
  Value padded = PadFramesOp::create(b, g.loc(), fbank, s.input.frames);
  Value image = NormalizeOp::create(b, g.loc(), padded.getType(), padded,
                                    b.getF64FloatAttr(s.input.mean),
                                    b.getF64FloatAttr(s.input.std));
  auto imgs = RankedTensorType::get({g.batch(), 1, s.input.frames, s.input.melBins},
                                    b.getF32Type());
  return tensor::ExpandShapeOp::create(b, g.loc(), imgs, image,
                                       SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
}

void emitFrontend(ModuleOp module, const ModelSpec &s, int64_t batch) {
  GraphBuilder g(module, "frontend", s, batch);
  g.finish({{"imgs", frontEnd(g)}});
}

void emitInfer(ModuleOp module, const ModelSpec &s, int64_t batch) {
  GraphBuilder g(module, "infer", s, batch);
  Value x = prependCls(g, embedPatches(g, imagesInput(g)));
  auto [logits, embedding] = classifierHead(g, encoderBlocks(g, x, 0.0));
  g.finish({{"logits", logits}, {"embedding", embedding}});
}

/// infer_audio(waveform, length, params...) = infer(frontend(waveform,
/// length), params...): one entry point from audio that calls the two
/// graphs, so the encoder is compiled once for both.
void emitInferAudio(ModuleOp module) {
  auto frontend = module.lookupSymbol<func::FuncOp>("frontend");
  auto infer = module.lookupSymbol<func::FuncOp>("infer");
  OpBuilder b(module.getContext());
  b.setInsertionPointAfter(infer);
  SmallVector<Type> types(frontend.getArgumentTypes());
  SmallVector<DictionaryAttr> attrs;
  for (unsigned i = 0; i < frontend.getNumArguments(); ++i)
    attrs.push_back(frontend.getArgAttrDict(i));
  // infer's first argument is its image input; the rest are parameters.
  for (unsigned i = 1; i < infer.getNumArguments(); ++i) {
    types.push_back(infer.getArgument(i).getType());
    attrs.push_back(infer.getArgAttrDict(i));
  }
  auto f = func::FuncOp::create(b, infer.getLoc(), "infer_audio",
                                b.getFunctionType(types, infer.getResultTypes()));
  for (auto [i, dict] : llvm::enumerate(attrs))
    f.setArgAttrs(i, dict);
  for (unsigned i = 0; i < infer.getNumResults(); ++i)
    f.setResultAttrs(i, infer.getResultAttrDict(i));
  Block *entry = f.addEntryBlock();
  b.setInsertionPointToStart(entry);
  ValueRange args = entry->getArguments();
  unsigned audioInputs = frontend.getNumArguments();
  auto imgs = func::CallOp::create(b, f.getLoc(), frontend, args.take_front(audioInputs));
  SmallVector<Value> inferArgs = {imgs.getResult(0)};
  llvm::append_range(inferArgs, args.drop_front(audioInputs));
  auto out = func::CallOp::create(b, f.getLoc(), infer, inferArgs);
  func::ReturnOp::create(b, f.getLoc(), out.getResults());
}

/// decoder_embed -> unshuffle with mask_token -> decoder_pos_embed -> blocks
/// -> decoder_norm -> decoder_pred: the per-patch prediction (N, L, p*p).
Value decoder(GraphBuilder &g, Value latent, Value idsRestore) {
  const ModelSpec &s = g.spec();
  const DecoderSpec &dec = s.decoder;
  OpBuilder &b = g.builder();
  int64_t patches = s.numPatches();
  int64_t visible = cast<RankedTensorType>(latent.getType()).getDimSize(1) - 1;

  g.setScope("decoder_embed");
  Value y = g.linear(latent, "decoder_embed", dec.dim);
  Value maskToken = g.param("mask_token", {1, 1, dec.dim});
  Value full = UnshuffleOp::create(b, g.loc(), g.tokens(y, 1, visible),
                                   maskToken, idsRestore);
  Value pos = g.param("decoder_pos_embed", {1, patches + 1, dec.dim}, true);

  Value x;
  if (dec.attention == DecoderAttention::Window) {
    // The official code adds the table to [CLS, tokens] and then drops CLS:
    // only rows 1.. reach the shifted-window blocks.
    x = AddPositionOp::create(b, g.loc(), full.getType(), full, pos,
                              b.getI64IntegerAttr(1));
    for (int64_t j = 0; j < dec.depth; ++j)
      x = g.swinBlock(x, j);
  } else {
    // decoder_mode 0: timm blocks over [CLS, tokens].
    Value withCls = tensor::ConcatOp::create(
        b, g.loc(), /*dim=*/1, ValueRange{g.tokens(y, 0, 1), full});
    x = AddPositionOp::create(b, g.loc(), withCls.getType(), withCls, pos,
                              b.getI64IntegerAttr(0));
    for (int64_t j = 0; j < dec.depth; ++j)
      x = g.vitBlock(x, indexed("decoder_blocks", j), dec.heads,
                     s.decoderHidden(), 0.0, 1000 + 2 * j);
  }
  g.setScope("decoder_pred");
  x = g.layerNorm(x, "decoder_norm");
  Value pred = g.linear(x, "decoder_pred", s.patch * s.patch);
  if (dec.attention == DecoderAttention::Global)
    pred = g.tokens(pred, 1, patches);
  return pred;
}

void emitPretrain(ModuleOp module, const ModelSpec &s, int64_t batch) {
  GraphBuilder g(module, "pretrain", s, batch);
  OpBuilder &b = g.builder();
  Value imgs = imagesInput(g);
  Value noise = g.input("noise", {batch, s.numPatches()});
  if (s.decoder.attention == DecoderAttention::Window && s.decoder.biasDropout > 0)
    g.seed(); // Position-bias dropout.

  g.setScope("patch_embed");
  Value pixels = PatchifyOp::create(b, g.loc(), imgs, s.patch);
  RandomMaskingOp masking;
  Value x = embedKeptPatches(g, pixels, noise, masking);
  x = encoderBlocks(g, prependCls(g, x), 0.0);
  g.setScope("norm");
  Value latent = g.layerNorm(x, "norm");

  Value pred = decoder(g, latent, masking.getIdsRestore());
  g.setScope("forward_loss");
  Value loss = MaskedMseLossOp::create(b, g.loc(), scalarF32(b), pred, pixels,
                                       masking.getMask(), s.pretrain.normPixLoss);
  g.finish({{"loss", loss},
            {"pred", pred},
            {"mask", masking.getMask()},
            {"ids_restore", masking.getIdsRestore()},
            {"latent", latent}});
}

void emitFinetune(ModuleOp module, const ModelSpec &s, int64_t batch) {
  GraphBuilder g(module, "finetune", s, batch);
  OpBuilder &b = g.builder();
  const FinetuneSpec &ft = s.finetune;
  Value imgs = imagesInput(g);
  Value labels = g.input("labels", {batch, ft.classes});
  Value noiseT = g.input("noise_t", {batch, s.gridT()});
  Value noiseF = g.input("noise_f", {batch, s.gridF()});
  if (ft.dropPath > 0)
    g.seed();

  Value x = embedPatches(g, imgs);
  // The official model drops tokens only when a ratio is positive.
  if (ft.maskT > 0 || ft.maskF > 0) {
    g.setScope("random_masking_2d");
    x = TimeFreqMaskingOp::create(b, g.loc(), x, noiseT, noiseF, ft.maskT, ft.maskF)
            .getKept();
  }
  x = encoderBlocks(g, prependCls(g, x), ft.dropPath);
  auto [logits, embedding] = classifierHead(g, x);
  g.setScope("criterion");
  Value loss = BceWithLogitsLossOp::create(b, g.loc(), scalarF32(b), logits, labels);
  g.finish({{"loss", loss}, {"logits", logits}});
}

} // namespace

static TensorSpec tensorSpecOf(Type type, StringRef name) {
  auto tensor = cast<RankedTensorType>(type);
  TensorSpec spec;
  spec.name = name.str();
  spec.dtype = tensor.getElementType().isInteger(64) ? DType::I64 : DType::F32;
  spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  return spec;
}

/// The input whose buffer result `i` of `func` may share: an AdamW update's
/// new parameter or moment replacing its old value when nothing reads that
/// after the update (the update is one elementwise loop nest with identity
/// maps, so each element is read just before the same element is written;
/// in a fused step, the forward and backward read the parameter before).
static StringRef inPlaceInput(func::FuncOp func, unsigned i) {
  if (func.isExternal())
    return {};
  Value result = func.front().getTerminator()->getOperand(i);
  auto update = result.getDefiningOp<AdamwUpdateOp>();
  if (!update)
    return {};
  unsigned which = cast<OpResult>(result).getResultNumber();
  Value old = which == 0 ? update.getParam() : which == 1 ? update.getM() : update.getV();
  auto arg = dyn_cast<BlockArgument>(old);
  if (!arg || arg.getOwner()->getParentOp() != func)
    return {};
  Block &body = func.front();
  for (Operation *user : arg.getUsers()) {
    Operation *top = body.findAncestorOpInBlock(*user);
    if (user != update && (!top || !top->isBeforeInBlock(update)))
      return {};
  }
  for (const char *kind : {"amae.input", "amae.param"})
    if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kind))
      return name.getValue();
  return {};
}

Manifest manifestOf(ModuleOp module) {
  Manifest manifest;
  manifest.model = module.getSymName().value_or("model").str();
  if (auto batch = module->getAttrOfType<IntegerAttr>("amae.batch"))
    manifest.batch = batch.getInt();
  if (auto rate = module->getAttrOfType<IntegerAttr>("amae.sample_rate"))
    manifest.sampleRate = rate.getInt();
  if (auto mean = module->getAttrOfType<FloatAttr>("amae.norm_mean"))
    manifest.normMean = static_cast<float>(mean.getValueAsDouble());
  if (auto std = module->getAttrOfType<FloatAttr>("amae.norm_std"))
    manifest.normStd = static_cast<float>(std.getValueAsDouble());
  for (auto func : module.getOps<func::FuncOp>()) {
    GraphSignature graph;
    graph.name = func.getSymName().str();
    graph.batch = manifest.batch;
    if (auto b = func->getAttrOfType<IntegerAttr>("amae.batch"))
      graph.batch = b.getInt();
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      Type type = func.getArgument(i).getType();
      if (auto name = func.getArgAttrOfType<StringAttr>(i, "amae.input")) {
        graph.inputs.push_back(tensorSpecOf(type, name));
        if (auto value = func.getArgAttrOfType<FloatAttr>(i, "amae.default"))
          graph.inputs.back().defaultValue = value.getValueAsDouble();
      } else if (auto name = func.getArgAttrOfType<StringAttr>(i, "amae.param")) {
        graph.params.push_back(tensorSpecOf(type, name));
        graph.params.back().frozen = bool(func.getArgAttr(i, "amae.frozen"));
      }
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      if (auto name = func.getResultAttrOfType<StringAttr>(i, "amae.output")) {
        graph.outputs.push_back(tensorSpecOf(func.getResultTypes()[i], name));
        graph.outputs.back().inPlaceOf = inPlaceInput(func, i).str();
      }
    manifest.graphs.push_back(std::move(graph));
  }
  return manifest;
}

LogicalResult orderGraphArguments(ModuleOp module) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    unsigned n = func.getNumArguments();
    SmallVector<unsigned> order;
    for (unsigned i = 0; i < n; ++i) {
      bool isInput = bool(func.getArgAttr(i, "amae.input"));
      if (!isInput && !func.getArgAttr(i, "amae.param"))
        return func.emitError("argument #")
               << i << " has neither amae.input nor amae.param: the runtime cannot pass it";
      if (isInput)
        order.push_back(i);
    }
    for (unsigned i = 0; i < n; ++i)
      if (!func.getArgAttr(i, "amae.input"))
        order.push_back(i);
    if (llvm::equal(order, llvm::seq<unsigned>(0, n)))
      continue;
    Block &body = func.getBody().front();
    SmallVector<DictionaryAttr> attrs;
    SmallVector<Type> types;
    SmallVector<Value> fresh;
    for (unsigned i : order) {
      attrs.push_back(func.getArgAttrDict(i));
      types.push_back(func.getArgument(i).getType());
      fresh.push_back(body.addArgument(types.back(), func.getArgument(i).getLoc()));
    }
    for (auto [k, i] : llvm::enumerate(order))
      body.getArgument(i).replaceAllUsesWith(fresh[k]);
    body.eraseArguments(0, n);
    func.setFunctionType(FunctionType::get(func.getContext(), types, func.getResultTypes()));
    for (auto [k, dict] : llvm::enumerate(attrs))
      func.setArgAttrs(k, dict ? dict : DictionaryAttr::get(func.getContext()));
  }
  return success();
}

void loadGraphDialects(MLIRContext &context) {
  context.loadDialect<AmaeDialect, arith::ArithDialect, func::FuncDialect,
                      tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> emitGraphs(MLIRContext &context, const ModelSpec &spec,
                                       int64_t batch) {
  loadGraphDialects(context);
  OpBuilder b(&context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(
      FileLineColLoc::get(&context, spec.name, 0, 0));
  module->setSymName(spec.name);
  (*module)->setAttr("amae.batch", b.getI64IntegerAttr(batch));
  (*module)->setAttr("amae.sample_rate", b.getI64IntegerAttr(spec.input.sampleRate));
  (*module)->setAttr("amae.norm_mean", b.getF64FloatAttr(spec.input.mean));
  (*module)->setAttr("amae.norm_std", b.getF64FloatAttr(spec.input.std));
  // Every artifact can turn audio into its input images.
  emitFrontend(*module, spec, batch);
  for (GraphKind kind : spec.graphs) {
    switch (kind) {
    case GraphKind::Infer:
      emitInfer(*module, spec, batch);
      emitInferAudio(*module);
      break;
    case GraphKind::Pretrain:
      emitPretrain(*module, spec, batch);
      break;
    case GraphKind::Finetune:
      emitFinetune(*module, spec, batch);
      break;
    }
  }
  for (auto func : module->getOps<func::FuncOp>())
    func->setAttr("amae.batch", b.getI64IntegerAttr(batch));
  return module;
}

void appendBatchVariant(ModuleOp module, MLIRContext &context, const ModelSpec &spec,
                        int64_t batch) {
  OwningOpRef<ModuleOp> variant = emitGraphs(context, spec, batch);
  std::string suffix = "_b" + std::to_string(batch);
  for (auto func : llvm::make_early_inc_range(variant->getOps<func::FuncOp>())) {
    auto name = StringAttr::get(&context, func.getSymName() + suffix);
    if (failed(SymbolTable::replaceAllSymbolUses(func, name, *variant)))
      llvm::report_fatal_error("appendBatchVariant: cannot rename a graph");
    func.setSymName(name);
    func->moveBefore(module.getBody(), module.getBody()->end());
  }
}

} // namespace amae
