//===- ModelSpec.h - The YAML model spec ------------------------*- C++ -*-===//
//
// The model spec is the one source of truth for a model's shapes. Defaults
// are the paper's base model (ViT-B/16 encoder, 16-block shifted-window
// decoder, AudioSet input). See docs/model-spec.md for the schema.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_FRONTENDS_SPEC_MODELSPEC_H
#define AMAE_FRONTENDS_SPEC_MODELSPEC_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace amae {

struct InputSpec {
  int64_t frames = 1024;
  int64_t melBins = 128;
  int64_t sampleRate = 16000;
  // AudioSet normalisation: x = (fbank - mean) / (2 std).
  double mean = -4.2677393;
  double std = 4.5689974;
};

struct EncoderSpec {
  int64_t dim = 768;
  int64_t depth = 12;
  int64_t heads = 12;
  double mlpRatio = 4.0;
};

enum class DecoderAttention { Window, Global };

struct DecoderSpec {
  int64_t dim = 512;
  int64_t depth = 16;
  int64_t heads = 16;
  double mlpRatio = 4.0;
  DecoderAttention attention = DecoderAttention::Window;
  std::vector<int64_t> window = {4, 4};
  std::vector<int64_t> shift = {2, 0};
  int64_t biasHidden = 384;
  double biasDropout = 0.1;
};

/// AdamW hyperparameters of a training graph (the official recipes).
struct AdamWSpec {
  std::vector<double> betas;
  double eps = 1e-8;
  double weightDecay;
  /// Layer-wise lr decay (fine-tuning); 1 disables it.
  double layerDecay = 1.0;
};

struct PretrainSpec {
  double maskRatio = 0.8;
  bool normPixLoss = true;
  AdamWSpec adamw{{0.9, 0.95}, 1e-8, 1e-4, 1.0};
};

struct FinetuneSpec {
  int64_t classes = 527;
  double maskT = 0.2;
  double maskF = 0.2;
  double dropPath = 0.1;
  AdamWSpec adamw{{0.9, 0.999}, 1e-8, 5e-4, 0.75};
};

enum class GraphKind { Infer, Pretrain, Finetune };

struct ModelSpec {
  std::string name = "audiomae-base";
  InputSpec input;
  int64_t patch = 16;
  EncoderSpec encoder;
  DecoderSpec decoder;
  PretrainSpec pretrain;
  FinetuneSpec finetune;
  std::vector<GraphKind> graphs = {GraphKind::Infer, GraphKind::Pretrain,
                                   GraphKind::Finetune};

  /// Patch grid: time patches T and frequency patches F.
  int64_t gridT() const { return input.frames / patch; }
  int64_t gridF() const { return input.melBins / patch; }
  int64_t numPatches() const { return gridT() * gridF(); }
  int64_t encoderHidden() const {
    return static_cast<int64_t>(encoder.dim * encoder.mlpRatio);
  }
  int64_t decoderHidden() const {
    return static_cast<int64_t>(decoder.dim * decoder.mlpRatio);
  }
  /// The decoder window after clamping: an axis of the grid that is not
  /// larger than the window gets a window of the whole axis and no shift, as
  /// the official Swin block does.
  std::array<int64_t, 2> effectiveWindow() const;
  std::array<int64_t, 2> effectiveShift() const;
  bool hasGraph(GraphKind kind) const;
  /// True when `patch` and the input size give a whole, non-empty patch
  /// grid; the grid accessors are meaningful only then.
  bool hasValidGrid() const;
};

llvm::StringRef graphName(GraphKind kind);
std::optional<GraphKind> parseGraphName(llvm::StringRef name);

/// Parses and validates a spec. Errors go to stderr as
/// `file:line:col: error: ...` with the offending line, the file name being
/// the buffer's identifier.
std::optional<ModelSpec> parseModelSpec(llvm::MemoryBufferRef buffer,
                                        llvm::raw_ostream &diagnostics);

/// Parses a spec file; I/O errors and spec errors go to stderr.
std::optional<ModelSpec> parseModelSpecFile(llvm::StringRef path);

} // namespace amae

#endif // AMAE_FRONTENDS_SPEC_MODELSPEC_H
