//===- Trainer.cpp - The training loop over compiled graphs ---------------===//

#include "runtime/Trainer.h"
#include "dialects/Amae/ModelMath.h"
#include "runtime/ParamInit.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

namespace amae {

//===----------------------------------------------------------------------===//
// Configuration
//===----------------------------------------------------------------------===//

llvm::json::Value TrainConfig::toJSON() const {
  return llvm::json::Object{
      {"mode", mode},          {"lr", lr},
      {"min_lr", minLr},       {"warmup", warmup},
      {"epochs", epochs},      {"steps", steps},
      {"beta1", beta1},        {"beta2", beta2},
      {"weight_decay", weightDecay},
      // As a string: JSON numbers are doubles, a seed is 64 bits.
      {"seed", std::to_string(seed)},
      {"save_every", saveEvery},
      {"gain", augment.gain},  {"mixup", augment.mixup},
      {"freqm", augment.freqm}, {"timem", augment.timem}};
}

llvm::Expected<TrainConfig> TrainConfig::fromJSON(llvm::StringRef text) {
  auto fail = [](const llvm::Twine &what) {
    return llvm::createStringError("malformed training configuration: " + what);
  };
  llvm::Expected<llvm::json::Value> root = parseJSONObject(text);
  if (!root)
    return fail(llvm::toString(root.takeError()));
  const llvm::json::Object *o = root->getAsObject();
  TrainConfig c;
  auto number = [&](llvm::StringRef key, double &out) {
    std::optional<double> v = o->getNumber(key);
    if (v)
      out = *v;
    return v.has_value();
  };
  auto integer = [&](llvm::StringRef key, int64_t &out) {
    std::optional<int64_t> v = o->getInteger(key);
    if (v)
      out = *v;
    return v.has_value();
  };
  std::optional<llvm::StringRef> mode = o->getString("mode"), seed = o->getString("seed");
  if (!mode || !seed || llvm::StringRef(*seed).getAsInteger(10, c.seed))
    return fail("no mode or seed");
  c.mode = mode->str();
  double mixup = 0;
  bool ok = number("lr", c.lr) && number("min_lr", c.minLr) && number("warmup", c.warmup) &&
            number("epochs", c.epochs) && integer("steps", c.steps) &&
            number("beta1", c.beta1) && number("beta2", c.beta2) &&
            number("weight_decay", c.weightDecay) && integer("save_every", c.saveEvery) &&
            number("mixup", mixup) && integer("freqm", c.augment.freqm) &&
            integer("timem", c.augment.timem);
  c.augment.mixup = mixup;
  c.augment.gain = o->getBoolean("gain").value_or(false);
  if (!ok)
    return fail("a field is missing");
  return c;
}

//===----------------------------------------------------------------------===//
// Set-up
//===----------------------------------------------------------------------===//

/// A generator for one purpose of one step or epoch of a run.
static std::mt19937_64 generator(uint64_t seed, uint64_t purpose, uint64_t index) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(purpose), static_cast<uint32_t>(index),
                    static_cast<uint32_t>(index >> 32)};
  return std::mt19937_64(seq);
}
enum Purpose : uint64_t { kShuffle = 1, kBatch = 2, kInit = 3, kSample = 4 };

static llvm::Expected<HostTensor> tensorFrom(const Checkpoint &c, llvm::StringRef name,
                                             const TensorSpec &spec) {
  const TensorView *view = c.find(name);
  if (!view)
    return checkpointError(c.path(), "has no tensor '" + name + "'");
  if (view->shape != spec.shape)
    return checkpointError(c.path(), "tensor '" + name + "' has shape " +
                                         formatShape(view->shape) + ", the model needs " +
                                         formatShape(spec.shape));
  if (llvm::Error err = checkFinite(*view, c.path(), name))
    return std::move(err);
  return HostTensor::from(*view, spec.dtype);
}

static HostTensor zerosLike(const TensorSpec &spec) {
  HostTensor t(spec.dtype, spec.shape);
  std::memset(t.data(), 0, t.bytes());
  return t;
}

llvm::Expected<std::unique_ptr<Trainer>>
Trainer::create(const Model &model, TrainConfig config, TrainData data,
                const Checkpoint *init, const Checkpoint *resume,
                std::vector<std::string> &initialised, Communicator *comm) {
  const Manifest &manifest = model.manifest();
  const GraphSignature *train = manifest.find(config.mode);
  const GraphSignature *step = manifest.find(config.mode + "_adamw");
  if (!train || !step)
    return llvm::createStringError(
        "the model has no '" + config.mode + "' graph with its optimizer step '" +
        config.mode + "_adamw'; compile it with amae-compile --grads --optimizer");
  std::unique_ptr<Trainer> t(new Trainer());
  t->model = &model;
  t->comm = comm;
  t->cfg = std::move(config);
  t->data = std::move(data);
  t->batch = manifest.batch;

  // The image geometry and the patch grid, from the signature.
  const TensorSpec *imgs = nullptr, *labels = nullptr;
  for (const TensorSpec &in : train->inputs) {
    if (in.name == "imgs")
      imgs = &in;
    if (in.name == "labels")
      labels = &in;
  }
  if (!imgs || imgs->shape.size() != 4)
    return llvm::createStringError("graph '" + train->name + "' takes no imgs input");
  t->frames = imgs->shape[2];
  t->bins = imgs->shape[3];
  if (t->data.data || t->data.eval) {
    auto fe = CompiledFrontEnd::bind(model);
    if (!fe)
      return fe.takeError();
    if (fe->frames() != t->frames || fe->bins() != t->bins)
      return llvm::createStringError(
          llvm::formatv("the model's front end makes {0}x{1} images, graph '{2}' takes {3}x{4}",
                        fe->frames(), fe->bins(), train->name, t->frames, t->bins)
              .str());
    t->frontEnd = std::move(*fe);
    t->trainCache = std::make_unique<FeatureCache>(t->data.featureCacheBytes);
    t->evalCache = std::make_unique<FeatureCache>(t->data.featureCacheBytes);
  }
  t->classes = labels ? labels->shape[1] : 0;
  // A SpecAugment mask wider than its axis would blank whole images (the
  // official AudioSet widths, 48 bins and 192 frames, exceed small models).
  const Augmentations &aug = t->cfg.augment;
  if (aug.freqm > t->bins || aug.timem > t->frames)
    return llvm::createStringError(
        llvm::formatv("--freqm={0} --timem={1}: SpecAugment masks must fit the model's "
                      "input of {2} frames x {3} mel bins (--freqm <= {3}, --timem <= {2})",
                      aug.freqm, aug.timem, t->frames, t->bins)
            .str());
  PatchGeometry geometry;
  for (const TensorSpec &p : train->params)
    if (p.name == "patch_embed.proj.weight" && p.shape.size() == 4) {
      geometry.patchArea = p.shape[1] * p.shape[2] * p.shape[3];
      geometry.gridT = t->frames / p.shape[2];
      geometry.gridF = t->bins / p.shape[3];
    }

  // Parameters and moments.
  std::mt19937_64 initRng = generator(t->cfg.seed, kInit, 0);
  for (const TensorSpec &p : train->params) {
    auto initial = [&]() -> llvm::Expected<HostTensor> {
      if (resume)
        return tensorFrom(*resume, p.name, p);
      if (init && init->contains(p.name))
        return tensorFrom(*init, p.name, p);
      auto fresh = initialParameter(p.name, p.shape, geometry, initRng);
      if (!fresh)
        return fresh.takeError();
      HostTensor h(p.dtype, p.shape);
      std::memcpy(h.data(), fresh->data(), h.bytes());
      initialised.push_back(p.name);
      return std::move(h);
    };
    llvm::Expected<HostTensor> value = initial();
    if (!value)
      return value.takeError();
    if (!p.frozen) {
      t->trainable.push_back(p.name);
      for (const char *prefix : {"m.", "v."}) {
        std::string name = prefix + p.name;
        if (resume) {
          auto moment = tensorFrom(*resume, name, p);
          if (!moment)
            return moment.takeError();
          t->state[name] = std::move(*moment);
        } else {
          t->state[name] = zerosLike(p);
        }
      }
    }
    t->state[p.name] = std::move(*value);
  }
  // The graph takes the parameters over (a copy would stay in the heap).
  auto boundTrain = model.bindOwned(t->cfg.mode, t->state);
  if (!boundTrain)
    return boundTrain.takeError();
  t->train = std::move(*boundTrain);
  auto boundStep = model.bind(step->name, Checkpoint());
  if (!boundStep)
    return boundStep.takeError();
  t->optimizer = std::move(*boundStep);
  // One graph per step where there is one and no gradients are to be
  // averaged between ranks first.
  if (t->cfg.fusedStep && t->worldSize() == 1 && manifest.find(t->cfg.mode + "_step")) {
    auto fused = model.rebind(*t->train, t->cfg.mode + "_step");
    if (!fused)
      return fused.takeError();
    t->fusedStep = std::move(*fused);
  }

  // Batches per epoch (the official loaders drop the last partial batch).
  int64_t global = t->globalBatchSize();
  if (t->data.data) {
    int64_t clips = t->data.data->clips.size();
    if (clips < global)
      return llvm::createStringError(
          "the data set has " + llvm::Twine(clips) + " clips, fewer than one batch of " +
          llvm::Twine(global) +
          (t->worldSize() > 1 ? " (" + llvm::Twine(t->worldSize()) + " ranks x " +
                                    llvm::Twine(t->batch) + ")"
                              : llvm::Twine("")));
    t->perEpoch = clips / global;
    if (labels && static_cast<int64_t>(t->data.data->classes.size()) != t->classes)
      return llvm::createStringError(
          "the data set has " + llvm::Twine(t->data.data->classes.size()) +
          " classes, the model's head has " + llvm::Twine(t->classes));
  } else if (!t->data.fixedBatch) {
    return llvm::createStringError("no training data (--data or --batch-from)");
  } else if (t->worldSize() > 1) {
    return llvm::createStringError("a fixed batch (--batch-from) cannot be split between " +
                                   llvm::Twine(t->worldSize()) + " ranks; use --data");
  }
  if (resume) {
    auto it = resume->metadata().find("amae.step");
    if (it == resume->metadata().end() ||
        llvm::StringRef(it->second).getAsInteger(10, t->done))
      return checkpointError(resume->path(), "is not a training checkpoint (no amae.step)");
    // The step count means a position in the epoch only for the global
    // batch it was counted in; re-sharding is not supported.
    int64_t savedWorld = 1;
    auto world = resume->metadata().find("amae.world_size");
    if (world != resume->metadata().end() &&
        llvm::StringRef(world->second).getAsInteger(10, savedWorld))
      return checkpointError(resume->path(), "has a malformed amae.world_size");
    if (savedWorld != t->worldSize())
      return checkpointError(
          resume->path(),
          llvm::formatv("was written by a run of {0} rank(s) x batch {1}; resume it with the "
                        "same world size (mpirun -np {0}), not {2}",
                        savedWorld, t->batch, t->worldSize())
              .str());
  }
  return std::move(t);
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

llvm::Expected<std::map<std::string, HostTensor>> Trainer::nextInputs() {
  const GraphSignature &sig = train->signature();
  int64_t s = done + 1;
  // Per step: the dropout seed. Per sample, keyed by its index in the run
  // (this rank's slice of the global batch): augmentation and masking noise,
  // the same whatever the number of ranks.
  std::mt19937_64 rng = generator(cfg.seed, kBatch, s);
  int rank = comm ? comm->rank() : 0;
  int64_t firstSample = (s - 1) * globalBatchSize() + rank * batch;
  std::vector<std::mt19937_64> rows;
  for (int64_t i = 0; i < batch; ++i)
    rows.push_back(generator(cfg.seed, kSample, firstSample + i));
  std::map<std::string, HostTensor> inputs;
  if (data.fixedBatch) {
    for (const TensorSpec &in : sig.inputs)
      if (const TensorView *v = data.fixedBatch->find(in.name)) {
        if (v->shape != in.shape)
          return checkpointError(data.fixedBatch->path(),
                                 "tensor '" + in.name + "' has shape " +
                                     formatShape(v->shape) + ", the graph needs " +
                                     formatShape(in.shape));
        auto h = HostTensor::from(*v, in.dtype);
        if (!h)
          return h.takeError();
        inputs[in.name] = std::move(*h);
      }
    if (!inputs.count("imgs"))
      return checkpointError(data.fixedBatch->path(), "has no tensor 'imgs'");
  } else {
    int64_t epoch = (s - 1) / perEpoch, it = (s - 1) % perEpoch;
    std::vector<int64_t> order(data.data->clips.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle = generator(cfg.seed, kShuffle, epoch);
    std::shuffle(order.begin(), order.end(), shuffle);
    auto first = order.begin() + it * globalBatchSize() + rank * batch;
    std::vector<int64_t> clips(first, first + batch);
    auto b = loadBatch(*data.data, clips, *frontEnd, data.audio, classes, cfg.augment, rows,
                       trainCache.get());
    if (!b)
      return b.takeError();
    for (const TensorSpec &in : sig.inputs) {
      const std::vector<float> *source = in.name == "imgs"     ? &b->images
                                         : in.name == "labels" ? &b->labels
                                                               : nullptr;
      if (!source)
        continue;
      HostTensor h(DType::F32, in.shape);
      std::memcpy(h.data(), source->data(), h.bytes());
      inputs[in.name] = std::move(h);
    }
  }
  // Everything else is random: masking noise uniform in [0, 1), a row per
  // sample; the seed of dropout and drop-path, whose masks are keyed by the
  // index of the batch's first sample.
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (const TensorSpec &in : sig.inputs) {
    if (inputs.count(in.name))
      continue;
    HostTensor h(in.dtype, in.shape);
    int64_t count = h.bytes() / dtypeSize(in.dtype);
    bool perRow = !in.shape.empty() && in.shape[0] == batch;
    int64_t rowLength = perRow ? count / batch : count;
    for (int64_t i = 0; i < count; ++i) {
      std::mt19937_64 &g = perRow ? rows[i / rowLength] : rng;
      if (in.dtype == DType::I64)
        static_cast<int64_t *>(h.data())[i] =
            in.name == "first_sample" ? firstSample : static_cast<int64_t>(g() >> 1);
      else
        static_cast<float *>(h.data())[i] = uniform(g);
    }
    inputs[in.name] = std::move(h);
  }
  return inputs;
}

//===----------------------------------------------------------------------===//
// Evaluation and checkpoints
//===----------------------------------------------------------------------===//

/// Average precision of one class (sklearn average_precision_score).
static double averagePrecision(const std::vector<std::pair<float, bool>> &scored) {
  std::vector<std::pair<float, bool>> sorted = scored;
  llvm::sort(sorted, [](const auto &a, const auto &b) { return a.first > b.first; });
  double hits = 0, sum = 0;
  int64_t positives = llvm::count_if(sorted, [](const auto &s) { return s.second; });
  for (size_t k = 0; k < sorted.size(); ++k)
    if (sorted[k].second)
      sum += ++hits / static_cast<double>(k + 1);
  return positives ? sum / positives : 0.0;
}

std::pair<int64_t, int64_t> Trainer::frontEndCounts() const {
  if (!trainCache)
    return {0, 0};
  return {trainCache->misses() + evalCache->misses(), trainCache->hits() + evalCache->hits()};
}

llvm::Expected<EvalRecord> Trainer::evaluate() {
  if (!data.eval)
    return llvm::createStringError("no held-out data (--eval)");
  Checkpoint weights = parameters();
  auto infer = model->bind("infer", weights);
  if (!infer)
    return infer.takeError();
  const GraphSignature &sig = infer->signature();
  int64_t n = data.eval->clips.size();
  std::vector<float> logits(n * classes);
  Augmentations none;
  std::mt19937_64 unused(0);
  for (int64_t first = 0; first < n; first += batch) {
    // The last batch is filled up with its first clip; those rows are dropped.
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < batch; ++i)
      rows.push_back(first + i < n ? first + i : first);
    auto b = loadBatch(*data.eval, rows, *frontEnd, data.audio, classes, none, unused,
                       evalCache.get());
    if (!b)
      return b.takeError();
    HostTensor imgs(DType::F32, sig.inputs[0].shape);
    std::memcpy(imgs.data(), b->images.data(), imgs.bytes());
    auto out = infer->run({{sig.inputs[0].name, imgs.view()}});
    if (!out)
      return out.takeError();
    const float *l = static_cast<const float *>((*out)[0].data());
    for (int64_t i = 0; i < batch && first + i < n; ++i)
      std::copy(l + i * classes, l + (i + 1) * classes, logits.begin() + (first + i) * classes);
  }
  EvalRecord record;
  record.step = done;
  record.clips = n;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float *row = logits.data() + i * classes;
    int64_t best = std::max_element(row, row + classes) - row;
    correct += llvm::is_contained(data.eval->clips[i].labels, best);
  }
  record.accuracy = static_cast<double>(correct) / n;
  double apSum = 0;
  int64_t scoredClasses = 0;
  for (int64_t c = 0; c < classes; ++c) {
    std::vector<std::pair<float, bool>> scored;
    for (int64_t i = 0; i < n; ++i)
      scored.push_back({logits[i * classes + c],
                        llvm::is_contained(data.eval->clips[i].labels, c)});
    if (llvm::any_of(scored, [](const auto &s) { return s.second; })) {
      apSum += averagePrecision(scored);
      ++scoredClasses;
    }
  }
  record.meanAveragePrecision = scoredClasses ? apSum / scoredClasses : 0.0;
  return record;
}

uint64_t Trainer::stateDigest() const {
  uint64_t h = 0;
  for (const TensorSpec &p : train->signature().params) {
    const HostTensor *t = train->param(p.name);
    h = digest(t->data(), t->bytes(), h);
  }
  for (const auto &[name, tensor] : state)
    h = digest(tensor.data(), tensor.bytes(), h);
  return h;
}

void Trainer::perturbForTesting() {
  HostTensor *p = train->param(trainable.front());
  static_cast<float *>(p->data())[0] += 1e-3f;
}

// Views, not copies: a copy of the parameters and both moments was three
// times the model's size at every checkpoint (1 GB for the base model), the
// largest term of a run's peak memory.
Checkpoint Trainer::parameters() const {
  Checkpoint c;
  for (const TensorSpec &p : train->signature().params)
    c.addView(p.name, train->param(p.name)->view());
  return c;
}

Checkpoint Trainer::checkpoint() const {
  Checkpoint c = parameters();
  for (const std::string &p : trainable)
    for (const char *prefix : {"m.", "v."})
      c.addView(prefix + p, state.at(prefix + p).view());
  c.setMetadata("amae.step", std::to_string(done));
  c.setMetadata("amae.world_size", std::to_string(worldSize()));
  std::string config;
  llvm::raw_string_ostream os(config);
  os << cfg.toJSON();
  c.setMetadata("amae.config", config);
  return c;
}

} // namespace amae
