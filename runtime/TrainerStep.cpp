//===- TrainerStep.cpp - One training step ---------------------------------===//
//
// A step is the fused graph (`<mode>_step`: forward, backward and AdamW,
// parameters and moments updated in place), or, in data-parallel jobs and
// for artifacts without it, the training graph, the gradients averaged over
// the ranks, then the AdamW graph.
//
//===----------------------------------------------------------------------===//

#include "runtime/Trainer.h"
#include "dialects/Amae/ModelMath.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cmath>
#include <cstring>

namespace amae {

/// Averages the loss and the gradients over the ranks, packed into buckets
/// of `bucketBytes` (one allreduce each, not one per tensor). The loss too,
/// so that every rank logs and checks the same number.
llvm::Error Trainer::averageOverRanks(llvm::ArrayRef<HostTensor *> grads, HostTensor &loss,
                                      double &seconds) {
  auto start = std::chrono::steady_clock::now();
  std::vector<llvm::MutableArrayRef<float>> tensors;
  for (HostTensor *grad : grads)
    tensors.emplace_back(static_cast<float *>(grad->data()), grad->bytes() / sizeof(float));
  tensors.emplace_back(static_cast<float *>(loss.data()), 1);
  size_t capacity = std::max<size_t>(1, bucketBytes / sizeof(float));
  bucket.resize(capacity);
  float scale = 1.0f / static_cast<float>(comm->size());
  // (tensor, offset, count) pieces packed into the bucket so far.
  struct Piece {
    size_t tensor, offset, count;
  };
  std::vector<Piece> pieces;
  size_t fill = 0, buckets = 0;
  auto flush = [&]() -> llvm::Error {
    if (!fill)
      return llvm::Error::success();
    ++buckets;
    if (llvm::Error err = comm->allreduceSum(
            llvm::MutableArrayRef<float>(bucket.data(), fill),
            llvm::formatv("gradient allreduce of step {0} (bucket {1})", done + 1, buckets)))
      return err;
    size_t at = 0;
    for (const Piece &p : pieces)
      for (size_t i = 0; i < p.count; ++i)
        tensors[p.tensor][p.offset + i] = bucket[at++] * scale;
    pieces.clear();
    fill = 0;
    return llvm::Error::success();
  };
  for (size_t t = 0; t < tensors.size(); ++t)
    for (size_t offset = 0; offset < tensors[t].size();) {
      size_t count = std::min(capacity - fill, tensors[t].size() - offset);
      std::copy_n(tensors[t].data() + offset, count, bucket.data() + fill);
      pieces.push_back({t, offset, count});
      fill += count;
      offset += count;
      if (fill == capacity)
        if (llvm::Error err = flush())
          return err;
    }
  if (llvm::Error err = flush())
    return err;
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return llvm::Error::success();
}

namespace {
/// The scalar inputs of an AdamW step, as views the graph reads.
struct OptimizerScalars {
  OptimizerScalars(const StepRecord &record, const TrainConfig &cfg)
      : lr(static_cast<float>(record.lr)), b1(static_cast<float>(cfg.beta1)),
        b2(static_cast<float>(cfg.beta2)), wd(static_cast<float>(cfg.weightDecay)),
        step(record.step) {}
  std::map<std::string, TensorView> views() const {
    auto scalar = [](DType dtype, const void *value) {
      TensorView v;
      v.dtype = dtype;
      v.bytes = llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(value), dtypeSize(dtype));
      return v;
    };
    return {{"lr", scalar(DType::F32, &lr)},
            {"step", scalar(DType::I64, &step)},
            {"beta1", scalar(DType::F32, &b1)},
            {"beta2", scalar(DType::F32, &b2)},
            {"weight_decay", scalar(DType::F32, &wd)}};
  }
  float lr, b1, b2, wd;
  int64_t step;
};

llvm::Error checkLoss(const StepRecord &record) {
  if (std::isfinite(record.loss))
    return llvm::Error::success();
  return llvm::createStringError("the loss is " +
                                 std::string(std::isnan(record.loss) ? "NaN" : "infinite") +
                                 " at step " + llvm::Twine(record.step));
}
} // namespace

StepRecord Trainer::finishStep(StepRecord record, std::chrono::steady_clock::time_point start) {
  ++done;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record.clipsPerSecond = batch / std::max(seconds, 1e-9);
  return record;
}

llvm::Expected<StepRecord>
Trainer::runFusedStep(std::map<std::string, TensorView> &views, StepRecord record,
                      std::chrono::steady_clock::time_point start) {
  OptimizerScalars scalars(record, cfg);
  for (auto &[name, view] : scalars.views())
    views[name] = view;
  for (const std::string &p : trainable)
    for (const char *prefix : {"m.", "v."})
      views[prefix + p] = state.at(prefix + p).view();
  // Parameters and moments are written where they are (the manifest says
  // each may be); the other outputs (loss, logits) into buffers kept.
  const GraphSignature &sig = fusedStep->signature();
  if (fusedOutputs.empty())
    for (const TensorSpec &out : sig.outputs)
      if (out.inPlaceOf.empty())
        fusedOutputs.emplace_back(out.dtype, out.shape);
  std::vector<void *> targets;
  const HostTensor *loss = nullptr;
  size_t kept = 0;
  for (const TensorSpec &out : sig.outputs) {
    if (out.inPlaceOf != out.name) {
      if (!out.inPlaceOf.empty())
        return llvm::createStringError("graph '" + sig.name + "': output '" + out.name +
                                       "' may overwrite '" + out.inPlaceOf + "', not itself");
      if (out.name == "loss")
        loss = &fusedOutputs[kept];
      targets.push_back(fusedOutputs[kept++].data());
      continue;
    }
    HostTensor *bound = fusedStep->param(out.name);
    targets.push_back(bound ? bound->data() : state.at(out.name).data());
  }
  if (!loss)
    return llvm::createStringError("graph '" + sig.name + "' has no output 'loss'");
  if (llvm::Error err = fusedStep->runIntoBuffers(views, targets, /*inPlace=*/true))
    return std::move(err);
  record.loss = *static_cast<const float *>(loss->data());
  if (llvm::Error err = checkLoss(record))
    return std::move(err);
  return finishStep(record, start);
}

llvm::Expected<StepRecord> Trainer::runStep() {
  auto start = std::chrono::steady_clock::now();
  auto inputs = nextInputs();
  if (!inputs)
    return inputs.takeError();
  std::map<std::string, TensorView> views;
  for (auto &[name, tensor] : *inputs)
    views[name] = tensor.view();
  StepRecord record;
  record.step = done + 1;
  int64_t epoch = done / perEpoch, it = done % perEpoch;
  record.epoch = epoch + static_cast<double>(it) / perEpoch;
  record.lr = mlir::amae::math::scheduledLearningRate(record.epoch, cfg.lr, cfg.minLr,
                                                      cfg.warmup, cfg.epochs);
  if (fusedStep)
    return runFusedStep(views, record, start);
  if (llvm::Error err = train->runInto(views, trainOutputs))
    return std::move(err);
  const GraphSignature &sig = train->signature();
  std::map<std::string, HostTensor *> named;
  for (auto [spec, tensor] : llvm::zip(sig.outputs, trainOutputs))
    named[spec.name] = &tensor;
  std::vector<HostTensor *> grads; // in the order of `trainable`
  for (const std::string &p : trainable) {
    auto grad = named.find("grad." + p);
    if (grad == named.end())
      return llvm::createStringError("graph '" + sig.name + "' has no output 'grad." + p +
                                     "'; compile it with --grads");
    grads.push_back(grad->second);
  }
  if (comm && comm->size() > 1)
    if (llvm::Error err = averageOverRanks(grads, *named.at("loss"), record.commSeconds))
      return std::move(err);
  record.loss = *static_cast<const float *>(named.at("loss")->data());
  if (llvm::Error err = checkLoss(record))
    return std::move(err);

  // The optimizer step.
  OptimizerScalars scalars(record, cfg);
  std::map<std::string, TensorView> stepInputs = scalars.views();
  for (auto [p, grad] : llvm::zip(trainable, grads)) {
    stepInputs[p] = train->param(p)->view();
    stepInputs["m." + p] = state.at("m." + p).view();
    stepInputs["v." + p] = state.at("v." + p).view();
    stepInputs["grad." + p] = grad->view();
  }
  // Parameters and moments are updated in place when the compiler says the
  // step may overwrite them (every AdamW output names its input); an older
  // artifact writes new buffers, which then swap with the old ones.
  const std::vector<TensorSpec> &updated = optimizer->signature().outputs;
  auto target = [&](const TensorSpec &spec) {
    HostTensor *bound = train->param(spec.name);
    return bound ? bound : &state.at(spec.name);
  };
  if (llvm::all_of(updated, [](const TensorSpec &o) { return o.inPlaceOf == o.name; })) {
    std::vector<void *> targets;
    for (const TensorSpec &spec : updated)
      targets.push_back(target(spec)->data());
    if (llvm::Error err = optimizer->runIntoBuffers(stepInputs, targets, /*inPlace=*/true))
      return std::move(err);
  } else {
    if (llvm::Error err = optimizer->runInto(stepInputs, stepOutputs))
      return std::move(err);
    for (auto [spec, tensor] : llvm::zip(updated, stepOutputs))
      std::swap(*target(spec), tensor);
  }
  return finishStep(record, start);
}

} // namespace amae
