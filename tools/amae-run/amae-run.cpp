//===- amae-run.cpp - Run a compiled amae model ---------------------------===//
//
//   amae-run model.so --graph=infer --weights=W --inputs=I.safetensors -o O.safetensors
//   amae-run model.so --graph=infer --weights=W --inputs=I --repeat=20
//   amae-run model.so --weights=W a.wav b.flac ... [--labels=L.csv] [--top-k=5]
//            [--embeddings=E.safetensors]
//
// Inputs and outputs use the names of the graph signature (see --list).
// --repeat runs the graph N times after one warm-up and prints the median
// and minimum time per run; loading and binding the weights is not timed.
//
//===----------------------------------------------------------------------===//

#include "runtime/Audio.h"
#include "runtime/Dataset.h"
#include "runtime/SpectrogramImage.h"
#include "runtime/Model.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <chrono>
#include <set>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-run options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required, cl::desc("<model.so>"),
                               cl::cat(category));
cl::opt<std::string> graphName("graph", cl::init("infer"), cl::desc("Graph to run"),
                               cl::cat(category));
cl::opt<std::string> weightsPath("weights", cl::value_desc("checkpoint"),
                                 cl::desc("Weights (.safetensors or .pth)"),
                                 cl::cat(category));
cl::opt<std::string> inputsPath("inputs", cl::value_desc("file.safetensors"),
                                cl::desc("Input tensors by name"), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::value_desc("file.safetensors"),
                                cl::desc("Write the outputs"), cl::cat(category));
cl::opt<unsigned> repeat("repeat", cl::init(0),
                         cl::desc("Time N runs after a warm-up"), cl::cat(category));
cl::opt<bool> list("list", cl::desc("Print the model's graphs and signatures"),
                   cl::cat(category));
cl::list<std::string> audioFiles(cl::Positional, cl::desc("<audio files>"),
                                 cl::cat(category));
cl::opt<std::string> labelsPath("labels", cl::value_desc("class_labels_indices.csv"),
                                cl::desc("Class names (AudioSet's CSV format)"),
                                cl::cat(category));
cl::opt<std::string> pngDir("png", cl::value_desc("DIR"),
                           cl::desc("With --graph=pretrain and audio files: write DIR/<file>.png "
                                    "(input, masked input, reconstruction)"),
                           cl::cat(category));
cl::opt<bool> normPix("norm-pix", cl::init(true),
                      cl::desc("--png: the model predicts per-patch normalised pixels "
                               "(norm_pix_loss, the official recipe)"),
                      cl::cat(category));
cl::opt<uint64_t> maskSeed("seed", cl::init(0),
                           cl::desc("--png: seed of the masking noise"), cl::cat(category));
cl::opt<unsigned> topK("top-k", cl::init(5), cl::desc("Classes to print per file"),
                       cl::cat(category));
cl::opt<std::string> embeddingsPath("embeddings", cl::value_desc("E.safetensors"),
                                    cl::desc("Write the embedding of each file"),
                                    cl::cat(category));
cl::opt<unsigned> threads("num-threads", cl::init(0),
                          cl::desc("Threads of a model built with --parallel (default: "
                                   "AMAE_NUM_THREADS, else all cores)"),
                          cl::cat(category));
cl::opt<bool> zeroNonFinite("zero-nonfinite-samples",
                            cl::desc("Zero NaN/inf audio samples instead of rejecting the file"),
                            cl::cat(category));

int fail(const Twine &message) {
  WithColor::error(errs(), "amae-run") << message << "\n";
  return 1;
}

void printSignature(const amae::GraphSignature &g) {
  auto show = [](StringRef what, const std::vector<amae::TensorSpec> &ts) {
    for (const amae::TensorSpec &t : ts) {
      outs() << "  " << what << " " << t.name << " " << amae::dtypeName(t.dtype)
             << " " << amae::formatShape(t.shape) << (t.frozen ? " frozen" : "");
      if (t.defaultValue)
        outs() << " default " << format("%g", *t.defaultValue);
      outs() << "\n";
    }
  };
  outs() << "graph " << g.name << "\n";
  show("input", g.inputs);
  outs() << "  " << g.params.size() << " parameters\n";
  show("output", g.outputs);
}

amae::FrontEnd frontEnd(const amae::Manifest &m, int64_t frames, int64_t bins) {
  amae::FrontEnd fe;
  fe.sampleRate = m.sampleRate;
  fe.frames = frames;
  fe.bins = bins;
  fe.mean = m.normMean;
  fe.std = m.normStd;
  fe.audio.zeroNonFinite = zeroNonFinite;
  return fe;
}

/// Runs `pretrain` on audio files and draws each input next to its masked
/// version and its reconstruction.
int runReconstruct(const amae::Model &model, const amae::BoundGraph &graph) {
  const amae::GraphSignature &sig = graph.signature();
  const amae::TensorSpec *imgs = nullptr;
  int64_t patch = 0;
  for (const amae::TensorSpec &in : sig.inputs)
    if (in.name == "imgs")
      imgs = &in;
  for (const amae::TensorSpec &p : sig.params)
    if (p.name == "patch_embed.proj.weight" && p.shape.size() == 4)
      patch = p.shape[2];
  std::map<std::string, size_t> outputIndex;
  for (auto [i, out] : llvm::enumerate(sig.outputs))
    outputIndex[out.name] = i;
  if (!imgs || !patch || !outputIndex.count("pred") || !outputIndex.count("mask"))
    return fail("--png needs the pretrain graph (imgs -> pred, mask)");
  if (std::error_code ec = sys::fs::create_directories(pngDir))
    return fail(pngDir + ": " + ec.message());
  int64_t batch = imgs->shape[0], frames = imgs->shape[2], bins = imgs->shape[3];
  std::mt19937_64 rng(maskSeed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::set<std::string> usedNames;
  for (size_t first = 0; first < audioFiles.size(); first += batch) {
    size_t rows = std::min<size_t>(batch, audioFiles.size() - first);
    std::map<std::string, amae::HostTensor> inputs;
    for (const amae::TensorSpec &in : sig.inputs) {
      amae::HostTensor h(in.dtype, in.shape);
      std::memset(h.data(), 0, h.bytes());
      if (in.dtype == amae::DType::F32 && in.name != "imgs")
        for (int64_t i = 0; i < h.bytes() / 4; ++i)
          static_cast<float *>(h.data())[i] = uniform(rng);
      inputs[in.name] = std::move(h);
    }
    for (size_t r = 0; r < rows; ++r) {
      auto mono = amae::loadMonoClip(audioFiles[first + r], model.manifest().sampleRate,
                                      {zeroNonFinite});
      if (!mono)
        return fail(toString(mono.takeError()));
      std::vector<float> image =
          amae::clipImage(*mono, frontEnd(model.manifest(), frames, bins), {}, rng);
      std::copy(image.begin(), image.end(),
                static_cast<float *>(inputs["imgs"].data()) + r * frames * bins);
    }
    std::map<std::string, amae::TensorView> views;
    for (auto &[name, t] : inputs)
      views[name] = t.view();
    auto outputs = graph.run(views);
    if (!outputs)
      return fail(toString(outputs.takeError()));
    const amae::HostTensor &pred = (*outputs)[outputIndex["pred"]];
    const amae::HostTensor &mask = (*outputs)[outputIndex["mask"]];
    int64_t patches = mask.shape()[1], width = pred.shape()[2];
    for (size_t r = 0; r < rows; ++r) {
      amae::Reconstruction rec;
      rec.frames = frames;
      rec.bins = bins;
      rec.patch = patch;
      rec.normPix = normPix;
      const float *in = static_cast<const float *>(inputs["imgs"].data()) + r * frames * bins;
      rec.input.assign(in, in + frames * bins);
      const float *p = static_cast<const float *>(pred.data()) + r * patches * width;
      rec.prediction.assign(p, p + patches * width);
      const float *mk = static_cast<const float *>(mask.data()) + r * patches;
      rec.mask.assign(mk, mk + patches);
      // Clips of the same name from different folders get the folder's name.
      StringRef file = audioFiles[first + r];
      std::string name = sys::path::stem(file).str();
      if (!usedNames.insert(name).second)
        name = sys::path::filename(sys::path::parent_path(file)).str() + "-" + name;
      SmallString<256> out(pngDir);
      sys::path::append(out, name + ".png");
      if (Error err = amae::writeReconstructionPng(out, rec))
        return fail(toString(std::move(err)));
      outs() << audioFiles[first + r] << " -> " << out << "\n";
    }
  }
  return 0;
}

/// Runs `infer` on audio files in batches of the model's batch size.
int runAudio(const amae::Model &model, const amae::BoundGraph &graph) {
  const amae::GraphSignature &sig = graph.signature();
  if (sig.inputs.size() != 1 || sig.inputs[0].shape.size() != 4 ||
      sig.outputs.size() < 2)
    return fail("audio files need the infer graph (imgs -> logits, embedding)");
  std::vector<int64_t> imgShape = sig.inputs[0].shape;
  int64_t batch = imgShape[0], frames = imgShape[2], bins = imgShape[3];
  int64_t classes = sig.outputs[0].shape[1], width = sig.outputs[1].shape[1];
  std::vector<std::string> labels;
  if (!labelsPath.empty()) {
    auto read = amae::readClassLabels(labelsPath);
    if (!read)
      return fail(toString(read.takeError()));
    labels = std::move(*read);
  }
  const amae::Manifest &m = model.manifest();
  std::mt19937_64 rng(0); // unused: no augmentation
  size_t total = audioFiles.size();
  // Rows of files that fail stay NaN, so row i is always file i.
  std::vector<float> embeddings(total * width, std::nanf(""));
  int failures = 0;
  // A progress bar on a terminal when the files take several batches.
  bool progress = total > static_cast<size_t>(batch) && errs().is_displayed();
  auto report = [&](const Twine &message) {
    if (progress)
      errs() << "\r\033[K";
    WithColor::error(errs(), "amae-run") << message << "\n";
    ++failures;
  };

  for (size_t first = 0; first < total; first += batch) {
    amae::HostTensor imgs(amae::DType::F32, imgShape);
    std::vector<size_t> slots; // batch row -> file index
    for (size_t f = first; f < std::min(total, first + batch); ++f) {
      auto mono = amae::loadMonoClip(audioFiles[f], m.sampleRate, {zeroNonFinite});
      if (!mono) {
        report(toString(mono.takeError()));
        continue;
      }
      std::vector<float> image = amae::clipImage(*mono, frontEnd(m, frames, bins), {}, rng);
      std::copy(image.begin(), image.end(),
                static_cast<float *>(imgs.data()) + slots.size() * frames * bins);
      slots.push_back(f);
    }
    if (slots.empty())
      continue;
    auto outputs = graph.run({{sig.inputs[0].name, imgs.view()}});
    if (!outputs)
      return fail(toString(outputs.takeError()));
    auto *logits = static_cast<const float *>((*outputs)[0].data());
    auto *embedding = static_cast<const float *>((*outputs)[1].data());
    for (size_t row = 0; row < slots.size(); ++row) {
      size_t f = slots[row];
      std::copy(embedding + row * width, embedding + (row + 1) * width,
                embeddings.begin() + f * width);
      if (!embeddingsPath.empty() && labelsPath.empty())
        continue;
      std::vector<int64_t> order(classes);
      std::iota(order.begin(), order.end(), 0);
      const float *l = logits + row * classes;
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return l[a] > l[b]; });
      if (progress)
        errs() << "\r\033[K";
      outs() << audioFiles[f] << ":";
      for (unsigned k = 0; k < std::min<int64_t>(topK, classes); ++k) {
        int64_t c = order[k];
        std::string name = c < static_cast<int64_t>(labels.size()) && !labels[c].empty()
                               ? labels[c]
                               : "class " + std::to_string(c);
        outs() << formatv(" {0} ({1:F3})", name, 1.0 / (1.0 + std::exp(-l[c])));
      }
      outs() << "\n";
    }
    if (progress) {
      size_t done = std::min(total, first + batch);
      int bar = static_cast<int>(30 * done / total);
      errs() << formatv("\r[{0}{1}] {2}/{3} files", std::string(bar, '#'),
                        std::string(30 - bar, ' '), done, total);
      errs().flush();
    }
  }
  if (progress)
    errs() << "\n";
  if (!embeddingsPath.empty()) {
    amae::Checkpoint out;
    std::vector<uint8_t> bytes(embeddings.size() * sizeof(float));
    std::memcpy(bytes.data(), embeddings.data(), bytes.size());
    out.addOwned("embeddings", amae::DType::F32,
                 {static_cast<int64_t>(total), width}, std::move(bytes));
    std::string files;
    for (const std::string &f : audioFiles)
      files += (files.empty() ? "" : "\n") + f;
    out.setMetadata("files", files);
    if (Error err = amae::writeSafetensors(embeddingsPath, out))
      return fail(toString(std::move(err)));
  }
  return failures ? 1 : 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae model runner\n");

  auto model = amae::Model::load(modelPath);
  if (!model)
    return fail(toString(model.takeError()));
  if (threads.getNumOccurrences() && !(*model)->setThreads(threads))
    return fail("--num-threads must be in [1, 1024]");
  if (list) {
    const amae::Manifest &m = (*model)->manifest();
    if (!m.cpu.empty())
      outs() << "cpu " << m.cpu << ": " << join(m.cpuFeatures, " ") << "\n";
    if (m.threads)
      outs() << "threads " << m.threads << " (tuned; AMAE_NUM_THREADS or --num-threads "
             << "override it)\n";
    for (const amae::GraphSignature &g : (*model)->manifest().graphs)
      printSignature(g);
    return 0;
  }
  if (inputsPath.empty() && audioFiles.empty())
    return fail("give --inputs=I.safetensors or audio files");
  // A graph without parameters (a front end) needs no weights.
  auto weights = weightsPath.empty() ? Expected<amae::Checkpoint>(amae::Checkpoint())
                                     : amae::Checkpoint::open(weightsPath);
  if (!weights)
    return fail(toString(weights.takeError()));
  if (!audioFiles.empty()) {
    auto graph = (*model)->bind(graphName, *weights);
    if (!graph)
      return fail(toString(graph.takeError()));
    return pngDir.empty() ? runAudio(**model, *graph) : runReconstruct(**model, *graph);
  }
  auto inputs = amae::Checkpoint::open(inputsPath);
  if (!inputs)
    return fail(toString(inputs.takeError()));
  auto graph = (*model)->bind(graphName, *weights);
  if (!graph)
    return fail(toString(graph.takeError()));

  std::map<std::string, amae::TensorView> named;
  for (const std::string &name : inputs->names())
    named[name] = *inputs->find(name);

  auto outputs = graph->run(named);
  if (!outputs)
    return fail(inputsPath + ": " + toString(outputs.takeError()));

  if (repeat > 0) {
    std::vector<double> ms;
    for (unsigned i = 0; i < repeat; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto again = graph->run(named);
      auto stop = std::chrono::steady_clock::now();
      if (!again)
        return fail(toString(again.takeError()));
      ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(ms.begin(), ms.end());
    outs() << formatv("{0}: {1} runs, median {2:F3} ms, min {3:F3} ms\n", graphName,
                      repeat, ms[ms.size() / 2], ms.front());
  }

  if (!outputPath.empty()) {
    amae::Checkpoint out;
    const auto &specs = graph->signature().outputs;
    for (size_t i = 0; i < specs.size(); ++i)
      (*outputs)[i].copyInto(out, specs[i].name);
    if (Error err = amae::writeSafetensors(outputPath, out))
      return fail(toString(std::move(err)));
  }
  return 0;
}
