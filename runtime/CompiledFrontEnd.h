//===- CompiledFrontEnd.h - Waveforms to images by the model's graph -*- C++ -*-===//
//
// Every number of a model input comes from the compiled `frontend` graph
// (mean removal, Kaldi fbank, pad/crop, normalisation); the runtime only
// decodes files and resamples them to the model's rate. A recording longer
// than the graph's waveform buffer is cut to it: the frames past the
// model's input would be cropped anyway.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_COMPILEDFRONTEND_H
#define AMAE_RUNTIME_COMPILEDFRONTEND_H

#include "runtime/Audio.h"
#include "runtime/Model.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace amae {

/// Decodes `path`, keeps its first channel and resamples it to
/// `sampleRate`: all the runtime does to audio before a graph.
llvm::Expected<std::vector<float>> loadChannel0(llvm::StringRef path, int64_t sampleRate,
                                                const AudioPolicy &policy = {});

/// The `waveform` (N, S) and `length` (N) inputs of a graph that starts
/// from audio (`frontend`, `infer_audio`), filled row by row.
class WaveformBatch {
public:
  /// An error unless `sig` takes `waveform` f32 [N, S] and `length` i64 [N].
  static llvm::Expected<WaveformBatch> of(const GraphSignature &sig);
  int64_t rows() const { return shape[0]; }
  int64_t samples() const { return shape[1]; }
  /// Row `row` holds the first samples() of `wave` and its length; the rest
  /// is zero. Rows never set stay empty (length 0).
  void set(int64_t row, llvm::ArrayRef<float> wave);
  /// Empties every row.
  void clear();
  std::map<std::string, TensorView> inputs() const;

private:
  std::vector<int64_t> shape;
  HostTensor waveform, length;
};

/// A model's `frontend` graph (its largest batch variant), bound.
class CompiledFrontEnd {
public:
  /// An error naming the artifact's graphs when it has no front end.
  static llvm::Expected<CompiledFrontEnd> bind(const Model &model);
  int64_t sampleRate() const { return rate; }
  int64_t frames() const { return frames_; }
  int64_t bins() const { return bins_; }
  /// Samples of the waveform buffer: the audio the frames read.
  int64_t samples() const { return samples_; }
  /// What a zero log-mel value becomes, (0 - mean) / (2 std) as the graph
  /// computes it: the value of a SpecAugment mask (the official code masks
  /// before normalising).
  float zeroLevel() const { return zero; }
  /// The images (n x frames x bins, row-major) of `waves`.
  llvm::Expected<std::vector<float>> images(llvm::ArrayRef<std::vector<float>> waves) const;

private:
  std::optional<BoundGraph> graph;
  int64_t rate = 0, frames_ = 0, bins_ = 0, samples_ = 0;
  float zero = 0;
};

/// Images already computed, by clip index, up to a byte budget: a training
/// run without waveform augmentation transforms each clip once.
class FeatureCache {
public:
  explicit FeatureCache(int64_t budgetBytes) : budget(budgetBytes) {}
  /// The cached image of `clip`, or null.
  const std::vector<float> *find(int64_t clip) const;
  /// Keeps `image` while the budget allows.
  void insert(int64_t clip, std::vector<float> image);
  /// Counts `n` images computed without asking the cache (waveform
  /// augmentation makes every image new).
  void computed(int64_t n) {
    std::lock_guard<std::mutex> guard(lock);
    misses_ += n;
  }
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }

private:
  int64_t budget, used = 0;
  mutable int64_t hits_ = 0, misses_ = 0;
  mutable std::mutex lock;
  std::map<int64_t, std::vector<float>> images;
};

} // namespace amae

#endif // AMAE_RUNTIME_COMPILEDFRONTEND_H
