//===- amae-train.cpp - Train a compiled AudioMAE on audio files ----------===//
//
//   amae-train model.so --mode=pretrain --data=clips/ --out=run/
//   amae-train model.so --mode=finetune --data=train.csv --eval=test.csv \
//       --init=run/final.safetensors --out=ft/
//
// The model must be compiled with --grads --optimizer. Defaults are the
// official recipe of the mode (docs/training.md). OUT receives
// checkpoint.safetensors (parameters, AdamW moments, the step and the
// configuration; written atomically), log.jsonl (one line per step and per
// evaluation), curves.png (loss, learning rate and held-out accuracy and mAP
// over steps, redrawn at each checkpoint), class_labels_indices.csv
// (fine-tuning: the class order, in
// AudioSet's format, so `amae-run --labels` reads it) and final.safetensors
// (the parameters under the official key names).
//
// Under mpirun it is one rank of a data-parallel job (docs/training.md):
//
//   mpirun -np 4 amae-train model.so --mode=pretrain --data=clips/ --out=run/
//
// each rank trains on its slice of every global batch (ranks x --batch),
// gradients are averaged over the ranks, rank 0 alone writes OUT.
//
//===----------------------------------------------------------------------===//

#include "runtime/Distributed.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <csignal>
#include <sstream>
#include <thread>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-train options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required, cl::desc("<model.so>"),
                               cl::cat(category));
cl::opt<std::string> mode("mode", cl::Required, cl::desc("pretrain or finetune"),
                          cl::cat(category));
cl::opt<std::string> dataPath("data", cl::value_desc("DIR|LIST.csv"),
                              cl::desc("Training clips (labels: DIR/<label>/x.wav or "
                                       "file,label[;label] lines)"),
                              cl::cat(category));
cl::opt<std::string> evalPath("eval", cl::value_desc("DIR|LIST.csv"),
                              cl::desc("Held-out clips: accuracy and mAP after each epoch "
                                       "(fine-tuning)"),
                              cl::cat(category));
cl::opt<std::string> batchFrom("batch-from", cl::value_desc("I.safetensors"),
                               cl::desc("Train on this one batch (imgs, labels, noise...) "
                                        "every step instead of --data"),
                               cl::cat(category));
cl::opt<std::string> initPath("init", cl::value_desc("checkpoint"),
                              cl::desc("Initial parameters (safetensors or .pth); the "
                                       "rest get the official initialisation"),
                              cl::cat(category));
cl::opt<std::string> outDir("out", cl::Required, cl::value_desc("DIR"),
                            cl::desc("Output directory"), cl::cat(category));
cl::opt<int64_t> steps("steps", cl::init(0), cl::desc("Total steps (overrides --epochs)"),
                       cl::cat(category));
cl::opt<double> epochs("epochs", cl::init(0),
                       cl::desc("Epochs (default: 33 pretraining, 60 fine-tuning)"),
                       cl::cat(category));
cl::opt<int64_t> batchSize("batch", cl::init(0),
                           cl::desc("Batch size; must be the compiled one (amae-compile "
                                    "--batch)"),
                           cl::cat(category));
cl::opt<double> lr("lr", cl::init(-1),
                   cl::desc("Peak learning rate (default: blr x batch / 256 with blr 2e-4 "
                            "pretraining, 1e-3 fine-tuning)"),
                   cl::cat(category));
cl::opt<double> minLr("min-lr", cl::init(-1),
                      cl::desc("Final learning rate (default 0 pretraining, 1e-6 "
                               "fine-tuning)"),
                      cl::cat(category));
cl::opt<double> warmup("warmup", cl::init(-1),
                       cl::desc("Warm-up epochs (default 3 pretraining, 4 fine-tuning)"),
                       cl::cat(category));
cl::opt<double> weightDecay("weight-decay", cl::init(-1),
                            cl::desc("Weight decay (default: the compiled spec's)"),
                            cl::cat(category));
cl::opt<std::string> betas("betas", cl::value_desc("b1,b2"),
                           cl::desc("AdamW betas (default: the compiled spec's)"),
                           cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::init(0), cl::desc("Seed of every random draw"),
                       cl::cat(category));
cl::opt<int64_t> saveEvery("save-every", cl::init(0),
                           cl::desc("Checkpoint every N steps (default: each epoch)"),
                           cl::cat(category));
cl::opt<bool> fusedStep(
    "fused-step", cl::init(true),
    cl::desc("Run forward, backward and AdamW as one graph (<mode>_step) where the model has it "
             "and the job is one process: the gradients are never held whole (=false: the "
             "training graph, then <mode>_adamw)"),
    cl::cat(category));
cl::opt<bool> resume("resume", cl::desc("Continue from OUT/checkpoint.safetensors"),
                     cl::cat(category));
cl::opt<bool> gain("gain", cl::desc("Augment: random gain Beta(10,10)+0.5 (roll_mag_aug)"),
                   cl::cat(category));
cl::opt<double> mixup("mixup", cl::init(0),
                      cl::desc("Augment: waveform mixup probability (official 0.5)"),
                      cl::cat(category));
cl::opt<int64_t> freqm("freqm", cl::init(0),
                       cl::desc("Augment: SpecAugment frequency mask (official 48)"),
                       cl::cat(category));
cl::opt<int64_t> timem("timem", cl::init(0),
                       cl::desc("Augment: SpecAugment time mask (official 192)"),
                       cl::cat(category));
cl::opt<unsigned> threads("num-threads", cl::init(0),
                          cl::desc("Threads of a model built with --parallel (default: "
                                   "AMAE_NUM_THREADS, else all cores)"),
                          cl::cat(category));
cl::opt<int64_t> featureCacheMb(
    "feature-cache", cl::init(2048), cl::value_desc("MB"),
    cl::desc("Keep the images of up to this many MB of clips, so that without --gain and "
             "--mixup each clip goes through the front end once per run (0: never keep)"),
    cl::cat(category));
cl::opt<bool> skipBadFiles("skip-bad-files",
                           cl::desc("Leave out audio files that cannot be used (with a "
                                    "warning naming them) instead of stopping"),
                           cl::cat(category));
cl::opt<bool> zeroNonFinite("zero-nonfinite-samples",
                            cl::desc("Zero NaN/inf audio samples instead of rejecting the clip"),
                            cl::cat(category));
cl::opt<double> commTimeout("comm-timeout", cl::init(600),
                            cl::desc("Data-parallel runs: seconds a rank waits in a collective "
                                     "for the others (longer than rank 0's evaluation and "
                                     "checkpoint write) before the job ends naming the late "
                                     "rank"),
                            cl::cat(category));
cl::opt<int64_t> checkEvery("check-every", cl::init(100),
                            cl::desc("Data-parallel runs: compare a digest of the parameters "
                                     "across ranks every N steps (0: never)"),
                            cl::cat(category));
cl::opt<double> bucketMb("bucket-mb", cl::init(25),
                         cl::desc("Data-parallel runs: MiB of gradients per allreduce"),
                         cl::cat(category));
cl::opt<int64_t> haltAfter("halt-after", cl::init(0), cl::Hidden,
                           cl::desc("Testing: exit after this step as if killed"),
                           cl::cat(category));
cl::opt<std::string> fault("fault", cl::Hidden, cl::value_desc("KIND@RANK:STEP"),
                           cl::desc("Testing: at the start of STEP, rank RANK hangs, is "
                                    "killed (SIGKILL) or perturbs its parameters (after the "
                                    "step); KIND is hang, kill or perturb"),
                           cl::cat(category));

// The job of a data-parallel run; errors name the rank and end every rank.
amae::Communicator *job = nullptr;

int fail(const Twine &message) {
  // One write per line: under mpirun the launcher's abort banner would
  // otherwise land in the middle of it (errs() writes each piece at once).
  auto writeLine = [](const Twine &text) {
    std::string line;
    raw_string_ostream os(line);
    WithColor::error(os, "amae-train") << text << "\n";
    errs() << line;
  };
  if (job && job->size() > 1) {
    writeLine("rank " + Twine(job->rank()) + ": " + message);
    job->abort(1);
  }
  writeLine(message);
  return 1;
}

/// A parsed --fault.
struct Fault {
  std::string kind;
  int rank = -1;
  int64_t step = -1;
};

Expected<Fault> parseFault() {
  Fault f;
  if (fault.empty())
    return f;
  StringRef kind, rest, rank, step;
  std::tie(kind, rest) = StringRef(fault).split('@');
  std::tie(rank, step) = rest.split(':');
  if (!(kind == "hang" || kind == "kill" || kind == "perturb") || rank.getAsInteger(10, f.rank) ||
      step.getAsInteger(10, f.step))
    return createStringError("--fault wants KIND@RANK:STEP with KIND hang, kill or perturb");
  f.kind = kind.str();
  return f;
}

std::string duration(double seconds) {
  auto s = static_cast<int64_t>(std::max(0.0, seconds));
  return formatv("{0}:{1:2}:{2:2}", s / 3600, (s / 60) % 60, s % 60).str();
}

/// `flag`'s value when it was given, after checking it: a given value is
/// never replaced by a default, so a bad one is an error naming the flag.
template <typename T>
Error checkGiven(const cl::opt<T> &flag, T &into, bool valid, StringRef rule) {
  if (!flag.getNumOccurrences())
    return Error::success();
  if (!valid)
  {
    std::ostringstream shown; // as given: "nan", "-inf", "1e-09"
    shown << flag.getValue();
    return createStringError(formatv("--{0}={1}: {2}", flag.ArgStr, shown.str(), rule).str());
  }
  into = flag.getValue();
  return Error::success();
}

bool finiteAtLeast(double v, double low) { return std::isfinite(v) && v >= low; }

/// The recipe defaults of a mode, then the flags given.
Expected<amae::TrainConfig> configFromFlags(const amae::Manifest &manifest,
                                            int64_t globalBatch, int64_t stepsPerEpoch) {
  amae::TrainConfig c;
  c.mode = mode;
  bool pretrain = mode == "pretrain";
  double blr = pretrain ? 2e-4 : 1e-3;
  c.lr = blr * globalBatch / 256.0; // the official scaling, by the effective batch
  c.minLr = pretrain ? 0.0 : 1e-6;
  c.warmup = pretrain ? 3.0 : 4.0;
  double e = pretrain ? 33.0 : 60.0;
  int64_t givenSteps = 0;
  const amae::GraphSignature *step = manifest.find(mode + "_adamw");
  for (const amae::TensorSpec &in : step ? step->inputs : std::vector<amae::TensorSpec>{}) {
    if (in.name == "beta1" && in.defaultValue)
      c.beta1 = *in.defaultValue;
    if (in.name == "beta2" && in.defaultValue)
      c.beta2 = *in.defaultValue;
    if (in.name == "weight_decay" && in.defaultValue)
      c.weightDecay = *in.defaultValue;
  }
  // Every bad flag is reported, not just the first.
  Error bad = Error::success();
  auto check = [&](Error err) { bad = joinErrors(std::move(bad), std::move(err)); };
  check(checkGiven(lr, c.lr, std::isfinite(lr) && lr > 0, "must be a positive number"));
  check(checkGiven(minLr, c.minLr, finiteAtLeast(minLr, 0), "must be a non-negative number"));
  check(checkGiven(warmup, c.warmup, finiteAtLeast(warmup, 0),
                   "must be a non-negative number of epochs"));
  check(checkGiven(epochs, e, std::isfinite(epochs) && epochs > 0, "must be a positive number"));
  check(checkGiven(steps, givenSteps, steps > 0, "must be a positive integer"));
  check(checkGiven(weightDecay, c.weightDecay, finiteAtLeast(weightDecay, 0),
                   "must be a non-negative number"));
  check(checkGiven(saveEvery, c.saveEvery, saveEvery > 0, "must be a positive number of steps"));
  check(checkGiven(mixup, c.augment.mixup, mixup >= 0 && mixup <= 1,
                   "must be a probability in [0, 1]"));
  check(checkGiven(freqm, c.augment.freqm, freqm >= 0, "must be a non-negative width"));
  check(checkGiven(timem, c.augment.timem, timem >= 0, "must be a non-negative width"));
  if (bad)
    return std::move(bad);
  if (minLr.getNumOccurrences() && c.minLr > c.lr)
    return createStringError(formatv("the final learning rate {0:E2} (--min-lr) exceeds the "
                                     "peak {1:E2} (--lr)", c.minLr, c.lr).str());
  c.steps = givenSteps ? givenSteps : static_cast<int64_t>(std::llround(e * stepsPerEpoch));
  if (c.steps <= 0)
    return createStringError(formatv("--epochs={0} is less than one step of {1} per epoch",
                                     e, stepsPerEpoch).str());
  c.epochs = static_cast<double>(c.steps) / stepsPerEpoch;
  if (givenSteps && !warmup.getNumOccurrences())
    c.warmup = std::min(c.warmup, c.epochs / 10); // a short run keeps its warm-up short
  if (!betas.empty()) {
    StringRef b1, b2;
    std::tie(b1, b2) = StringRef(betas).split(',');
    if (b1.trim().getAsDouble(c.beta1) || b2.trim().getAsDouble(c.beta2) || !(c.beta1 >= 0) ||
        c.beta1 >= 1 || !(c.beta2 >= 0) || c.beta2 >= 1)
      return createStringError("--betas wants two numbers in [0, 1), like 0.9,0.95");
  }
  c.seed = seed;
  c.augment.gain = gain;
  if (c.augment.any() && !batchFrom.empty())
    return createStringError("augmentations need --data, not --batch-from");
  return c;
}

/// Every file of a data set is checked before the first step (a bad clip
/// found at its batch would fail again at the same step on every resume).
Error checkData(amae::DataSet &set, StringRef where, bool quiet) {
  std::vector<std::string> skipped;
  if (Error err = amae::checkClips(set, {zeroNonFinite}, skipBadFiles, skipped))
    return createStringError(where + ": " + toString(std::move(err)));
  if (!quiet)
    for (const std::string &problem : skipped)
      WithColor::warning(errs(), "amae-train") << "skipping " << problem << "\n";
  return Error::success();
}

/// Keeps the lines of log.jsonl up to `step`, so that a resumed run's log
/// reads as one uninterrupted run.
void truncateLog(const std::string &path, int64_t step) {
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return;
  std::string kept;
  SmallVector<StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (StringRef line : lines) {
    Expected<json::Value> v = json::parse(line);
    if (!v) {
      consumeError(v.takeError());
      continue;
    }
    std::optional<int64_t> s = v->getAsObject() ? v->getAsObject()->getInteger("step")
                                                : std::nullopt;
    if (s && *s <= step)
      kept += line.str() + "\n";
  }
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  os << kept;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae-train: train a compiled AudioMAE\n");
  if (mode != "pretrain" && mode != "finetune")
    return fail("--mode must be pretrain or finetune, got '" + mode + "'");
  if (featureCacheMb < 0 || featureCacheMb > (int64_t(1) << 20))
    return fail("--feature-cache must be a size in MB from 0 to 1048576, got " +
                Twine(featureCacheMb.getValue()));
  if (dataPath.empty() == batchFrom.empty())
    return fail("give exactly one of --data and --batch-from");
  auto faultPlan = parseFault();
  if (!faultPlan)
    return fail(toString(faultPlan.takeError()));
  auto communicator = amae::Communicator::fromEnvironment(argv[0]);
  if (!communicator)
    return fail(toString(communicator.takeError()));
  job = communicator->get();
  if (!(commTimeout > 0) || !(bucketMb > 0) || checkEvery < 0)
    return fail("--comm-timeout and --bucket-mb must be positive, --check-every non-negative");
  if (job)
    job->timeout = commTimeout;
  int world = job ? job->size() : 1;
  bool lead = !job || job->rank() == 0; // the rank that writes and reports

  auto model = amae::Model::load(modelPath);
  if (!model)
    return fail(toString(model.takeError()));
  if (threads.getNumOccurrences() && !(*model)->setThreads(threads))
    return fail("--num-threads must be in [1, 1024]");
  const amae::Manifest &manifest = (*model)->manifest();
  if (batchSize && batchSize != manifest.batch)
    return fail(formatv("--batch={0}, but {1} was compiled for batch {2}; recompile with "
                        "amae-compile --batch={0}",
                        int64_t(batchSize), modelPath, manifest.batch));
  if (std::error_code ec = sys::fs::create_directories(outDir))
    return fail(outDir + ": " + ec.message());
  // A run killed while writing a checkpoint leaves its temporary behind.
  for (const std::string &stale : lead ? amae::removeStaleTemporaries(outDir)
                                       : std::vector<std::string>{})
    errs() << "amae-train: removed " << stale << ", left by an interrupted checkpoint write\n";
  std::string checkpointPath = outDir + "/checkpoint.safetensors";
  std::string logPath = outDir + "/log.jsonl";

  // Data.
  amae::TrainData data;
  std::vector<std::string> classes;
  std::string classesPath = outDir + "/class_labels_indices.csv";
  if (resume || !initPath.empty()) {
    // Keep the class order of the run being resumed or fine-tuned from.
    for (StringRef dir : {StringRef(outDir), sys::path::parent_path(initPath)}) {
      std::string file = dir.str() + "/class_labels_indices.csv";
      if (!classes.empty() || mode != "finetune" || !sys::fs::exists(file))
        continue;
      auto names = amae::readClassLabels(file);
      if (!names)
        return fail(toString(names.takeError()));
      classes = std::move(*names);
    }
  }
  if (!dataPath.empty()) {
    auto set = amae::readDataSet(dataPath, mode == "finetune" ? classes
                                                              : std::vector<std::string>{});
    if (!set)
      return fail(toString(set.takeError()));
    data.data = std::move(*set);
    classes = data.data->classes;
    if (Error err = checkData(*data.data, dataPath, !lead))
      return fail(toString(std::move(err)));
  } else {
    auto fixed = amae::Checkpoint::open(batchFrom);
    if (!fixed)
      return fail(toString(fixed.takeError()));
    data.fixedBatch = std::move(*fixed);
  }
  if (!evalPath.empty()) {
    if (mode != "finetune")
      return fail("--eval needs --mode=finetune");
    auto set = amae::readDataSet(evalPath, classes);
    if (!set)
      return fail(toString(set.takeError()));
    data.eval = std::move(*set);
    if (Error err = checkData(*data.eval, evalPath, !lead))
      return fail(toString(std::move(err)));
  }
  data.audio.zeroNonFinite = zeroNonFinite;
  data.featureCacheBytes = featureCacheMb << 20;
  int64_t globalBatch = manifest.batch * world;
  int64_t stepsPerEpoch =
      data.data ? std::max<int64_t>(1, data.data->clips.size() / globalBatch) : 1;

  // Configuration: the flags, or the run being resumed.
  auto config = configFromFlags(manifest, globalBatch, stepsPerEpoch);
  if (!config)
    return fail(toString(config.takeError()));
  std::optional<amae::Checkpoint> resumed;
  if (resume) {
    auto c = amae::Checkpoint::open(checkpointPath);
    if (!c)
      return fail(toString(c.takeError()) + " (nothing to resume)");
    resumed = std::move(*c);
    auto it = resumed->metadata().find("amae.config");
    if (it == resumed->metadata().end())
      return fail(checkpointPath + " is not an amae-train checkpoint (no amae.config)");
    auto saved = amae::TrainConfig::fromJSON(it->second);
    if (!saved)
      return fail(checkpointPath + ": " + toString(saved.takeError()));
    if (saved->mode != mode)
      return fail(checkpointPath + " is a " + saved->mode + " run, not " + mode);
    // The resumed run keeps its configuration; a flag that says otherwise
    // is a mistake worth stopping for.
    json::Value given = config->toJSON(), kept = saved->toJSON();
    const std::pair<cl::Option *, std::vector<StringRef>> flagKeys[] = {
        {&lr, {"lr"}},           {&minLr, {"min_lr"}},
        {&warmup, {"warmup"}},   {&steps, {"steps"}},
        {&epochs, {"steps"}},    {&weightDecay, {"weight_decay"}},
        {&betas, {"beta1", "beta2"}}, {&seed, {"seed"}},
        {&gain, {"gain"}},       {&mixup, {"mixup"}},
        {&freqm, {"freqm"}},     {&timem, {"timem"}}};
    for (const auto &[flag, keys] : flagKeys)
      for (StringRef key : keys)
        if (flag->getNumOccurrences() &&
            *given.getAsObject()->get(key) != *kept.getAsObject()->get(key))
          return fail("--" + flag->ArgStr + " differs from the run being resumed (" +
                      checkpointPath + "); resume without it");
    *config = *saved;
  }

  std::optional<amae::Checkpoint> initWeights;
  if (!initPath.empty() && !resume) {
    auto c = amae::Checkpoint::open(initPath);
    if (!c)
      return fail(toString(c.takeError()));
    initWeights = std::move(*c);
  }
  // What every rank must agree on about the data (the files are checked on
  // each, and the training list decides every batch).
  std::string dataList;
  if (data.data && world > 1)
    for (const auto &clip : data.data->clips)
      dataList += clip.path + ";";
  std::vector<std::string> initialised;
  config->fusedStep = fusedStep;
  auto trainer = amae::Trainer::create(**model, *config, std::move(data),
                                       initWeights ? &*initWeights : nullptr,
                                       resumed ? &*resumed : nullptr, initialised, job);
  if (!trainer)
    return fail(toString(trainer.takeError()));
  // The trainer holds its own copies now; the files' pages (the base
  // model's parameters, and a resumed run's moments: up to 1 GB) would stay
  // resident for the whole run.
  initWeights.reset();
  resumed.reset();
  amae::Trainer &t = **trainer;
  const amae::TrainConfig &c = t.config();
  t.bucketBytes = static_cast<size_t>(bucketMb * (1 << 20));

  // Ranks that disagree on the configuration, the data or the starting
  // parameters (another checkout, another file list) would train apart. A
  // single process digests nothing.
  if (world > 1) {
    std::string setup = dataList;
    raw_string_ostream os(setup);
    os << c.toJSON() << manifest.batch << t.stepsPerEpoch();
    uint64_t mine = amae::digest(setup.data(), setup.size(), t.stateDigest());
    if (Error err = job->compare(mine, "configuration, data list or starting parameters"))
      return fail(toString(std::move(err)));
  }

  if (lead && mode == "finetune" && !classes.empty() && !resume) {
    std::error_code ec;
    raw_fd_ostream os(classesPath, ec);
    os << "index,mid,display_name\n";
    for (auto [i, name] : llvm::enumerate(classes))
      os << i << ",\"" << name << "\",\"" << name << "\"\n";
  }
  // Only rank 0 reports and writes; the others say nothing unless they fail.
  raw_ostream &say = lead ? errs() : nulls();
  say << formatv("amae-train: {0} {1} steps ({2:F2} epochs of {3} x batch {4}), lr {5:E2} "
                 "-> {6:E2}, warm-up {7:F2} epochs, betas ({8:F3}, {9:F3}), weight decay {10:E1}, "
                 "seed {11}\n",
                 mode, c.steps, c.epochs, t.stepsPerEpoch(), t.globalBatchSize(), c.lr, c.minLr,
                 c.warmup, c.beta1, c.beta2, c.weightDecay, c.seed);
  if (world > 1)
    say << formatv("amae-train: data-parallel over {0} ranks x batch {1} = effective batch {2}"
                   "{3}; gradients averaged in buckets of {4} MiB\n",
                   world, t.batchSize(), t.globalBatchSize(),
                   lr.getNumOccurrences() || resume
                       ? ""
                       : formatv(" (lr = blr x {0} / 256)", t.globalBatchSize()).str(),
                   double(bucketMb));
  if (!initialised.empty() && !resume)
    say << formatv("amae-train: {0} parameters initialised afresh{1}\n", initialised.size(),
                   initPath.empty() ? "" : (" (not in " + initPath + ")").c_str());
  if (resume)
    say << "amae-train: resuming at step " << t.step() << " from " << checkpointPath << "\n";

  // The log continues the resumed run's, or starts afresh.
  if (resume && lead)
    truncateLog(logPath, t.step());
  std::error_code ec;
  std::optional<raw_fd_ostream> logFile;
  if (lead) {
    logFile.emplace(logPath, ec, resume ? sys::fs::OF_Append : sys::fs::OF_None);
    if (ec)
      return fail(logPath + ": " + ec.message());
  }
  raw_ostream &log = logFile ? static_cast<raw_ostream &>(*logFile) : nulls();

  auto save = [&]() -> bool {
    if (!lead)
      return true;
    if (Error err = amae::writeSafetensors(checkpointPath, t.checkpoint())) {
      fail(toString(std::move(err)));
      return false;
    }
    return true;
  };
  // curves.png redrawn from the whole log at each checkpoint, evaluation
  // and at the end; a picture that cannot be written costs only a warning.
  std::string curvesPath = outDir + "/curves.png";
  auto drawCurves = [&] {
    if (!lead)
      return;
    log.flush();
    if (Error err = amae::writeTrainingCurvesPng(logPath, curvesPath))
      WithColor::warning(errs(), "amae-train") << toString(std::move(err)) << "\n";
  };
  int64_t lastSaved = t.step();
  bool tty = lead && errs().is_displayed();
  int64_t reportEvery = std::max<int64_t>(1, c.steps / 20);
  double smoothLoss = NAN, speed = 0, commTotal = 0, stepTotal = 0;
  auto started = std::chrono::steady_clock::now();
  int64_t firstStep = t.step();
  int rank = job ? job->rank() : 0;
  while (t.step() < c.steps) {
    if (faultPlan->rank == rank && faultPlan->step == t.step() + 1) {
      if (faultPlan->kind == "kill")
        std::raise(SIGKILL);
      if (faultPlan->kind == "hang")
        for (;;)
          std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    auto record = t.runStep();
    if (!record) {
      if (tty)
        errs() << "\n";
      std::string last = lastSaved > 0 ? formatv("{0} (step {1}) is the last good checkpoint",
                                                 checkpointPath, lastSaved)
                                             .str()
                                       : "no checkpoint was written yet";
      return fail(toString(record.takeError()) + "; training stopped, " + last);
    }
    if (faultPlan->kind == "perturb" && faultPlan->rank == rank && faultPlan->step == t.step())
      t.perturbForTesting();
    if (world > 1 && checkEvery > 0 && t.step() % checkEvery == 0)
      if (Error err = job->compare(t.stateDigest(),
                                   formatv("parameters after step {0}", t.step())))
        return fail(toString(std::move(err)) + " (the ranks have diverged)");
    smoothLoss = std::isnan(smoothLoss) ? record->loss : 0.9 * smoothLoss + 0.1 * record->loss;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    speed = (t.step() - firstStep) * t.globalBatchSize() / std::max(elapsed, 1e-9);
    double seconds = t.batchSize() / record->clipsPerSecond;
    commTotal += record->commSeconds;
    stepTotal += seconds;
    log << formatv("{{\"step\": {0}, \"epoch\": {1:F4}, \"lr\": {2:E6}, \"loss\": {3:E8}, "
                   "\"seconds\": {4:F4}, \"clips_per_s\": {5:F1}{6}}\n",
                   record->step, record->epoch, record->lr, record->loss, seconds,
                   record->clipsPerSecond * world,
                   world > 1 ? formatv(", \"comm_s\": {0:F4}", record->commSeconds).str() : "");
    double eta = (c.steps - t.step()) * t.globalBatchSize() / std::max(speed, 1e-9);
    if (tty || t.step() % reportEvery == 0 || t.step() == c.steps) {
      int bar = static_cast<int>(24 * t.step() / c.steps);
      say << formatv("{0}[{1}{2}] step {3}/{4}  loss {5:F4}  lr {6:E2}  {7:F1} clips/s{8}  "
                     "ETA {9}{10}",
                     tty ? "\r\033[K" : "", std::string(bar, '#'), std::string(24 - bar, '.'),
                     t.step(), c.steps, smoothLoss, record->lr, speed,
                     world > 1 ? formatv("  comm {0:F1}%", 100 * commTotal /
                                                              std::max(stepTotal, 1e-9))
                                     .str()
                               : "",
                     duration(eta), tty ? "" : "\n");
    }
    bool epochEnd = t.step() % t.stepsPerEpoch() == 0;
    if ((c.saveEvery > 0 ? t.step() % c.saveEvery == 0 : epochEnd) || t.step() == c.steps) {
      log.flush();
      if (!save())
        return 1;
      lastSaved = t.step();
      drawCurves();
    }
    if ((epochEnd || t.step() == c.steps) && !evalPath.empty() && lead) {
      auto eval = t.evaluate();
      if (!eval)
        return fail(toString(eval.takeError()));
      if (tty)
        errs() << "\n";
      errs() << formatv("amae-train: step {0}: held-out accuracy {1:F4}, mAP {2:F4} ({3} clips)\n",
                        eval->step, eval->accuracy, eval->meanAveragePrecision, eval->clips);
      log << formatv("{{\"step\": {0}, \"eval_accuracy\": {1:F6}, \"eval_map\": {2:F6}, "
                     "\"eval_clips\": {3}}\n",
                     eval->step, eval->accuracy, eval->meanAveragePrecision, eval->clips);
      drawCurves();
    }
    if (haltAfter && t.step() == haltAfter) {
      log.flush();
      say << "\namae-train: halted after step " << t.step() << " (--halt-after)\n";
      return 0;
    }
  }
  if (tty)
    errs() << "\n";
  if (world > 1)
    say << formatv("amae-train: {0:F1}% of the step time in the gradient allreduce "
                   "({1:F3} s per step)\n",
                   100 * commTotal / std::max(stepTotal, 1e-9),
                   commTotal / std::max<int64_t>(1, t.step() - firstStep));
  if (auto [transformed, reused] = t.frontEndCounts(); transformed || reused)
    say << formatv("amae-train: front end: {0} clip images computed, {1} reused\n", transformed,
                   reused);
  drawCurves();
  if (!lead)
    return 0;
  std::string finalPath = outDir + "/final.safetensors";
  if (Error err = amae::writeSafetensors(finalPath, t.parameters()))
    return fail(toString(std::move(err)));
  errs() << "amae-train: wrote " << finalPath << "\n";
  return 0;
}
