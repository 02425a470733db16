//===- Trainer.h - The training loop over compiled graphs -------*- C++ -*-===//
//
// Runs a compiled training graph (`pretrain` or `finetune`, with gradients)
// and its optimizer step (`<graph>_adamw`) over batches of audio:
//
//   step s:  batch(seed, s) -> loss, grad.* -> lr(s) -> AdamW -> params, m, v
//
// Every random draw of step s comes from generators seeded by counters: the
// batch order of its epoch by (seed, epoch), the dropout seed by (seed, s),
// a sample's augmentations and masking noise by (seed, its index in the
// run). So the state to resume a run is the step count (a checkpoint holds
// the parameters, the AdamW moments and the configuration, and a resumed
// run continues the same loss curve), and a sample draws the same wherever
// it lands, whatever the number of data-parallel ranks.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_TRAINER_H
#define AMAE_RUNTIME_TRAINER_H

#include "runtime/Dataset.h"
#include "runtime/Distributed.h"
#include "runtime/Model.h"

#include "llvm/Support/JSON.h"

#include <chrono>
#include <functional>
#include <optional>

namespace amae {

struct TrainConfig {
  std::string mode;                  // "pretrain" or "finetune"
  double lr = 0, minLr = 0, warmup = 0;
  double epochs = 0;                 // the schedule's length, fractional
  int64_t steps = 0;                 // total steps
  double beta1 = 0.9, beta2 = 0.999, weightDecay = 0;
  uint64_t seed = 0;
  int64_t saveEvery = 0;             // steps; 0 = at the end of each epoch
  // Run `<mode>_step` (forward, backward and AdamW as one graph, gradients
  // never returned) where the artifact has it and the job is one process.
  // Not saved with the configuration: the numbers are the same either way.
  bool fusedStep = true;
  Augmentations augment;

  llvm::json::Value toJSON() const;
  static llvm::Expected<TrainConfig> fromJSON(llvm::StringRef text);
};

/// Where the batches come from: a data set, or one fixed tensor batch.
struct TrainData {
  std::optional<DataSet> data;
  std::optional<Checkpoint> fixedBatch; // imgs, [labels], [noise...], [seed]
  std::optional<DataSet> eval;          // held-out clips (fine-tuning)
  AudioPolicy audio;                    // non-finite samples: reject or zero
  // Images kept so that a run without waveform augmentation transforms each
  // clip once (per data set); beyond it clips are transformed again.
  int64_t featureCacheBytes = int64_t(2) << 30;
};

struct StepRecord {
  int64_t step = 0;
  double epoch = 0, lr = 0, loss = 0, clipsPerSecond = 0;
  double commSeconds = 0; // in the gradient allreduce (data-parallel runs)
};

struct EvalRecord {
  int64_t step = 0, clips = 0;
  double accuracy = 0, meanAveragePrecision = 0;
};

class Trainer {
public:
  /// Binds `config.mode` and its optimizer graph. Parameters come from
  /// `resume` (with the moments), else from `init`, else the official
  /// initialisation; `initialised` receives the names initialised afresh.
  /// With `comm`, this is one rank of a data-parallel job: each global batch
  /// of comm->size() x the compiled batch is split between the ranks
  /// (rank r takes the r-th slice of the epoch's shuffled order), and the
  /// gradients are averaged over the ranks before the optimizer step, so
  /// every rank keeps the same parameters.
  static llvm::Expected<std::unique_ptr<Trainer>>
  create(const Model &model, TrainConfig config, TrainData data,
         const Checkpoint *init, const Checkpoint *resume,
         std::vector<std::string> &initialised, Communicator *comm = nullptr);

  const TrainConfig &config() const { return cfg; }
  int64_t step() const { return done; }
  int64_t stepsPerEpoch() const { return perEpoch; }
  /// The compiled (per-rank) batch and the global one over all ranks.
  int64_t batchSize() const { return batch; }
  int64_t globalBatchSize() const { return batch * worldSize(); }
  int worldSize() const { return comm ? comm->size() : 1; }
  /// Gradients are averaged in buckets of about this many bytes (one
  /// allreduce each); set before the first step.
  size_t bucketBytes = 25u << 20;

  /// Runs one step; fails on a non-finite loss. The two-graph step then
  /// leaves the state unchanged; the fused one has applied the update, so
  /// the state is not to be saved (amae-train stops at the last checkpoint).
  llvm::Expected<StepRecord> runStep();
  /// Clip images the compiled front end computed, and those reused from
  /// the feature caches, so far.
  std::pair<int64_t, int64_t> frontEndCounts() const;
  /// Top-1 accuracy and mAP of the `infer` graph on the held-out data.
  llvm::Expected<EvalRecord> evaluate();

  /// The trainable and frozen parameters under their official names, as
  /// views of the trainer's buffers: valid until the next step.
  Checkpoint parameters() const;
  /// Parameters, moments (`m.P`, `v.P`) and the configuration and step as
  /// metadata; views like parameters().
  Checkpoint checkpoint() const;
  /// A digest of the parameters and moments, equal on every rank of a
  /// healthy data-parallel job.
  uint64_t stateDigest() const;
  /// Testing (amae-train --fault=perturb): nudges one parameter of this
  /// rank, as a silent divergence would.
  void perturbForTesting();

private:
  Trainer() = default;
  llvm::Expected<std::map<std::string, HostTensor>> nextInputs();
  llvm::Expected<StepRecord> runFusedStep(std::map<std::string, TensorView> &views,
                                          StepRecord record,
                                          std::chrono::steady_clock::time_point start);
  StepRecord finishStep(StepRecord record, std::chrono::steady_clock::time_point start);
  llvm::Error averageOverRanks(llvm::ArrayRef<HostTensor *> grads, HostTensor &loss,
                               double &seconds);

  const Model *model = nullptr;
  TrainConfig cfg;
  TrainData data;
  std::optional<BoundGraph> train, optimizer;
  // `<mode>_step`, bound to the training graph's parameters, when used.
  std::optional<BoundGraph> fusedStep;
  std::vector<HostTensor> fusedOutputs; // its outputs but parameters and moments
  // m.P and v.P; the parameters live only in the training graph, which binds
  // every one of them (train->param).
  std::map<std::string, HostTensor> state;
  // The two graphs' outputs, kept across steps: written over each step, and
  // the optimizer's swapped with the parameters and moments, so a step
  // allocates and copies nothing.
  std::vector<HostTensor> trainOutputs, stepOutputs;
  std::vector<std::string> trainable;
  int64_t batch = 1, classes = 0, perEpoch = 1, done = 0;
  // The model's compiled front end, when batches come from audio files.
  std::optional<CompiledFrontEnd> frontEnd;
  std::unique_ptr<FeatureCache> trainCache, evalCache;
  int64_t frames = 0, bins = 0;
  Communicator *comm = nullptr;
  std::vector<float> bucket;
};

} // namespace amae

#endif // AMAE_RUNTIME_TRAINER_H
