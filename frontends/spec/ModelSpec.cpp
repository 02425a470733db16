//===- ModelSpec.cpp - Parse and validate the YAML model spec -------------===//
//
// LLVM's YAML I/O does the parsing: it rejects unknown keys, malformed
// numbers and unknown enumeration values with the file, line and column.
// The `validate` hooks add the model's own rules; each is reported at the
// mapping it concerns. Mappings are visited in the order of the `mapping`
// calls below (not the document's order), so a later section can check
// itself against an earlier one (the decoder window against the patch grid).
//
//===----------------------------------------------------------------------===//

#include "frontends/spec/ModelSpec.h"
#include "dialects/Amae/ModelMath.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace amae;
using llvm::formatv;
using llvm::yaml::IO;

LLVM_YAML_IS_FLOW_SEQUENCE_VECTOR(amae::GraphKind)

namespace {
/// The spec being parsed, reachable from every nested mapping.
ModelSpec &specOf(IO &io) { return *static_cast<ModelSpec *>(io.getContext()); }

/// True once the parser reported an error: validation then stays quiet,
/// since the sections hold partial values that only produce follow-on noise.
bool hadError(IO &io) {
  return static_cast<bool>(static_cast<llvm::yaml::Input &>(io).error());
}

/// Sizes past these are refused: they are far beyond any AudioMAE and keep
/// every product of sizes inside int64.
constexpr int64_t kMaxSize = 1 << 20;
constexpr int64_t kMaxWidth = 1 << 16;
constexpr double kMaxMlpRatio = 64;

/// "a ratio in [0, 1) that keeps at least one of `count`".
std::string checkRatio(llvm::StringRef name, double ratio, int64_t count) {
  if (!(ratio >= 0 && ratio < 1))
    return formatv("{0} must be in [0, 1), got {1}", name, ratio).str();
  if (mlir::amae::math::keptCount(count, ratio) < 1)
    return formatv("{0} {1} keeps none of {2}", name, ratio, count).str();
  return "";
}

/// Shared rules of the encoder and decoder transformer stacks.
std::string checkStack(llvm::StringRef what, int64_t dim, int64_t depth,
                       int64_t heads, double mlpRatio) {
  if (dim <= 0 || depth <= 0 || heads <= 0)
    return formatv("{0} dim, depth and heads must be positive", what).str();
  if (dim > kMaxWidth || depth > 1024)
    return formatv("{0} dim must be at most {1} and depth at most 1024", what,
                   kMaxWidth)
        .str();
  if (dim % heads != 0)
    return formatv("{0} heads ({1}) must divide dim ({2})", what, heads, dim).str();
  if (dim % 4 != 0)
    return formatv("{0} dim ({1}) must be a multiple of 4 for the sin-cos "
                   "position table",
                   what, dim)
        .str();
  if (!(mlpRatio > 0 && mlpRatio <= kMaxMlpRatio) ||
      static_cast<int64_t>(dim * mlpRatio) < 1)
    return formatv("{0} mlp_ratio must be in (0, {1}], got {2}", what,
                   kMaxMlpRatio, mlpRatio)
        .str();
  return "";
}
/// mapOptional for a list with a default: YAML I/O reads a sequence into
/// the existing vector element by element, so `[2]` over a default `[4, 4]`
/// would give `[2, 4]`. Read into a fresh vector and replace.
template <typename T>
void mapList(IO &io, const char *key, std::vector<T> &list) {
  std::optional<std::vector<T>> given;
  io.mapOptional(key, given);
  if (given)
    list = std::move(*given);
}
} // namespace

namespace llvm::yaml {

template <> struct ScalarEnumerationTraits<GraphKind> {
  static void enumeration(IO &io, GraphKind &value) {
    io.enumCase(value, "infer", GraphKind::Infer);
    io.enumCase(value, "pretrain", GraphKind::Pretrain);
    io.enumCase(value, "finetune", GraphKind::Finetune);
  }
};

template <> struct ScalarEnumerationTraits<DecoderAttention> {
  static void enumeration(IO &io, DecoderAttention &value) {
    io.enumCase(value, "window", DecoderAttention::Window);
    io.enumCase(value, "global", DecoderAttention::Global);
  }
};

template <> struct MappingTraits<InputSpec> {
  static void mapping(IO &io, InputSpec &s) {
    io.mapOptional("frames", s.frames);
    io.mapOptional("mel_bins", s.melBins);
    io.mapOptional("sample_rate", s.sampleRate);
    io.mapOptional("mean", s.mean);
    io.mapOptional("std", s.std);
  }
  static std::string validate(IO &io, InputSpec &s) {
    if (hadError(io))
      return "";
    int64_t patch = specOf(io).patch;
    if (s.frames <= 0 || s.melBins <= 0)
      return "input frames and mel_bins must be positive";
    if (s.frames > kMaxSize || s.melBins > kMaxSize)
      return formatv("input frames and mel_bins must be at most {0}", kMaxSize).str();
    // The rule every fbank op and audio file is held to.
    std::string rate = mlir::amae::math::sampleRateError(static_cast<double>(s.sampleRate));
    if (!rate.empty())
      return "input " + rate;
    if (!(s.std > 0))
      return formatv("input std must be positive, got {0}", s.std).str();
    if (patch > 0 && (s.frames % patch != 0 || s.melBins % patch != 0))
      return formatv("input {0} x {1} is not a whole number of {2} x {2} "
                     "patches",
                     s.frames, s.melBins, patch)
          .str();
    return "";
  }
};

template <> struct MappingTraits<EncoderSpec> {
  static void mapping(IO &io, EncoderSpec &s) {
    io.mapOptional("dim", s.dim);
    io.mapOptional("depth", s.depth);
    io.mapOptional("heads", s.heads);
    io.mapOptional("mlp_ratio", s.mlpRatio);
  }
  static std::string validate(IO &io, EncoderSpec &s) {
    if (hadError(io))
      return "";
    return checkStack("encoder", s.dim, s.depth, s.heads, s.mlpRatio);
  }
};

template <> struct MappingTraits<DecoderSpec> {
  static void mapping(IO &io, DecoderSpec &s) {
    io.mapOptional("dim", s.dim);
    io.mapOptional("depth", s.depth);
    io.mapOptional("heads", s.heads);
    io.mapOptional("mlp_ratio", s.mlpRatio);
    io.mapOptional("attention", s.attention);
    mapList(io, "window", s.window);
    mapList(io, "shift", s.shift);
    io.mapOptional("bias_hidden", s.biasHidden);
    io.mapOptional("bias_dropout", s.biasDropout);
  }
  static std::string validate(IO &io, DecoderSpec &s) {
    if (hadError(io))
      return "";
    std::string err = checkStack("decoder", s.dim, s.depth, s.heads, s.mlpRatio);
    if (!err.empty())
      return err;
    if (s.window.size() != 2 || s.window[0] <= 0 || s.window[1] <= 0 ||
        s.window[0] > kMaxSize || s.window[1] > kMaxSize)
      return "decoder window must be two positive sizes [time, frequency]";
    if (s.shift.size() != 2 || s.shift[0] < 0 || s.shift[1] < 0)
      return "decoder shift must be two non-negative sizes [time, frequency]";
    if (s.biasHidden <= 0 || s.biasHidden > kMaxWidth)
      return formatv("decoder bias_hidden must be in [1, {0}]", kMaxWidth).str();
    if (!(s.biasDropout >= 0 && s.biasDropout < 1))
      return formatv("decoder bias_dropout must be in [0, 1), got {0}",
                     s.biasDropout)
          .str();
    const ModelSpec &spec = specOf(io);
    if (s.attention != DecoderAttention::Window || !spec.hasValidGrid())
      return "";
    std::array<int64_t, 2> window = spec.effectiveWindow();
    std::array<int64_t, 2> shift = spec.effectiveShift();
    if (spec.gridT() % window[0] != 0 || spec.gridF() % window[1] != 0)
      return formatv("decoder window [{0}, {1}] does not tile the {2} x {3} "
                     "patch grid",
                     window[0], window[1], spec.gridT(), spec.gridF())
          .str();
    if (shift[0] >= window[0] || shift[1] >= window[1])
      return formatv("decoder shift [{0}, {1}] must be smaller than the "
                     "window [{2}, {3}]",
                     shift[0], shift[1], window[0], window[1])
          .str();
    return "";
  }
};

template <> struct MappingTraits<AdamWSpec> {
  static void mapping(IO &io, AdamWSpec &s) {
    mapList(io, "betas", s.betas);
    io.mapOptional("eps", s.eps);
    io.mapOptional("weight_decay", s.weightDecay);
    io.mapOptional("layer_decay", s.layerDecay);
  }
  static std::string validate(IO &io, AdamWSpec &s) {
    if (hadError(io))
      return "";
    if (s.betas.size() != 2 || !(s.betas[0] >= 0 && s.betas[0] < 1) ||
        !(s.betas[1] >= 0 && s.betas[1] < 1))
      return "adamw betas must be two values in [0, 1)";
    if (!(s.eps > 0) || !(s.weightDecay >= 0) || !(s.layerDecay > 0 && s.layerDecay <= 1))
      return "adamw needs eps > 0, weight_decay >= 0 and layer_decay in (0, 1]";
    return "";
  }
};

template <> struct MappingTraits<PretrainSpec> {
  static void mapping(IO &io, PretrainSpec &s) {
    io.mapOptional("mask_ratio", s.maskRatio);
    io.mapOptional("norm_pix_loss", s.normPixLoss);
    io.mapOptional("adamw", s.adamw);
  }
  static std::string validate(IO &io, PretrainSpec &s) {
    if (hadError(io))
      return "";
    const ModelSpec &spec = specOf(io);
    if (!spec.hasValidGrid())
      return "";
    return checkRatio("pretrain mask_ratio", s.maskRatio, spec.numPatches());
  }
};

template <> struct MappingTraits<FinetuneSpec> {
  static void mapping(IO &io, FinetuneSpec &s) {
    io.mapOptional("classes", s.classes);
    io.mapOptional("mask_t", s.maskT);
    io.mapOptional("mask_f", s.maskF);
    io.mapOptional("drop_path", s.dropPath);
    io.mapOptional("adamw", s.adamw);
  }
  static std::string validate(IO &io, FinetuneSpec &s) {
    if (hadError(io))
      return "";
    const ModelSpec &spec = specOf(io);
    if (s.classes <= 0 || s.classes > kMaxSize)
      return formatv("finetune classes must be in [1, {0}]", kMaxSize).str();
    if (!spec.hasValidGrid())
      return "";
    std::string err = checkRatio("finetune mask_t", s.maskT, spec.gridT());
    if (err.empty())
      err = checkRatio("finetune mask_f", s.maskF, spec.gridF());
    if (err.empty() && !(s.dropPath >= 0 && s.dropPath < 1))
      err = formatv("finetune drop_path must be in [0, 1), got {0}", s.dropPath);
    return err;
  }
};

template <> struct MappingTraits<ModelSpec> {
  static void mapping(IO &io, ModelSpec &s) {
    // Order matters: sections validate against the ones mapped before them.
    io.mapOptional("name", s.name);
    io.mapOptional("patch", s.patch);
    io.mapOptional("input", s.input);
    io.mapOptional("encoder", s.encoder);
    io.mapOptional("decoder", s.decoder);
    io.mapOptional("pretrain", s.pretrain);
    io.mapOptional("finetune", s.finetune);
    mapList(io, "graphs", s.graphs);
  }
  static std::string validate(IO &io, ModelSpec &s) {
    if (hadError(io))
      return "";
    if (s.patch <= 0 || s.patch > 1024)
      return formatv("patch must be in [1, 1024], got {0}", s.patch).str();
    // Sections left out keep their defaults, which must also fit the rest
    // (the default window against a small grid): check them all again.
    for (std::string err :
         {MappingTraits<InputSpec>::validate(io, s.input),
          MappingTraits<EncoderSpec>::validate(io, s.encoder),
          MappingTraits<DecoderSpec>::validate(io, s.decoder),
          MappingTraits<PretrainSpec>::validate(io, s.pretrain),
          MappingTraits<FinetuneSpec>::validate(io, s.finetune)})
      if (!err.empty())
        return err;
    if (s.graphs.empty())
      return "graphs must name at least one of infer, pretrain, finetune";
    std::set<GraphKind> seen;
    for (GraphKind kind : s.graphs)
      if (!seen.insert(kind).second)
        return formatv("graph '{0}' is listed twice", graphName(kind)).str();
    return "";
  }
};

} // namespace llvm::yaml

//===----------------------------------------------------------------------===//
// ModelSpec
//===----------------------------------------------------------------------===//

std::array<int64_t, 2> ModelSpec::effectiveWindow() const {
  int64_t grid[2] = {gridT(), gridF()};
  std::array<int64_t, 2> window;
  for (int axis = 0; axis < 2; ++axis)
    window[axis] = grid[axis] <= decoder.window[axis] ? grid[axis]
                                                       : decoder.window[axis];
  return window;
}

std::array<int64_t, 2> ModelSpec::effectiveShift() const {
  int64_t grid[2] = {gridT(), gridF()};
  std::array<int64_t, 2> shift;
  for (int axis = 0; axis < 2; ++axis)
    shift[axis] = grid[axis] <= decoder.window[axis] ? 0 : decoder.shift[axis];
  return shift;
}

bool ModelSpec::hasValidGrid() const {
  return patch > 0 && patch <= 1024 && input.frames >= patch &&
         input.melBins >= patch && input.frames <= kMaxSize &&
         input.melBins <= kMaxSize && input.frames % patch == 0 &&
         input.melBins % patch == 0;
}

bool ModelSpec::hasGraph(GraphKind kind) const {
  return llvm::is_contained(graphs, kind);
}

llvm::StringRef amae::graphName(GraphKind kind) {
  switch (kind) {
  case GraphKind::Infer:
    return "infer";
  case GraphKind::Pretrain:
    return "pretrain";
  case GraphKind::Finetune:
    return "finetune";
  }
  llvm_unreachable("unknown graph kind");
}

std::optional<GraphKind> amae::parseGraphName(llvm::StringRef name) {
  for (GraphKind kind : {GraphKind::Infer, GraphKind::Pretrain, GraphKind::Finetune})
    if (graphName(kind) == name)
      return kind;
  return std::nullopt;
}

std::optional<ModelSpec> amae::parseModelSpec(llvm::MemoryBufferRef buffer,
                                              llvm::raw_ostream &diagnostics) {
  ModelSpec spec;
  llvm::yaml::Input yin(
      buffer, &spec,
      [](const llvm::SMDiagnostic &diag, void *os) {
        diag.print(nullptr, *static_cast<llvm::raw_ostream *>(os));
      },
      &diagnostics);
  yin >> spec;
  if (yin.error())
    return std::nullopt;
  return spec;
}

std::optional<ModelSpec> amae::parseModelSpecFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    llvm::errs() << path << ": error: cannot read the model spec: "
                 << buffer.getError().message() << "\n";
    return std::nullopt;
  }
  return parseModelSpec((*buffer)->getMemBufferRef(), llvm::errs());
}
