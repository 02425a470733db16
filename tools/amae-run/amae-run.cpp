//===- amae-run.cpp - Run a compiled amae model ---------------------------===//
//
//   amae-run model.so --graph=infer --weights=W --inputs=I.safetensors -o O.safetensors
//   amae-run model.so --graph=infer --weights=W --inputs=I --repeat=20
//   amae-run model.so --weights=W a.wav b.flac ... [--labels=L.csv] [--top-k=5]
//            [--embeddings=E.safetensors]
//   amae-run model.so --weights=W long.flac --window=10 --hop=5 [--aggregate=max]
//            [--per-window=W.csv|W.jsonl]
//
// Inputs and outputs use the names of the graph signature (see --list).
// --repeat runs the graph N times after one warm-up and prints the median
// and minimum time per run; loading and binding the weights is not timed.
//
//===----------------------------------------------------------------------===//

#include "runtime/Audio.h"
#include "runtime/CompiledFrontEnd.h"
#include "runtime/Dataset.h"
#include "runtime/SpectrogramImage.h"
#include "runtime/Model.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
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
cl::opt<double> windowSeconds(
    "window", cl::init(0), cl::value_desc("seconds"),
    cl::desc("Score every window of this length (at most the model's input) instead of the "
             "first 10 s of each file; the file's result aggregates its windows"),
    cl::cat(category));
cl::opt<double> hopSeconds("hop", cl::init(0), cl::value_desc("seconds"),
                           cl::desc("With --window: seconds between window starts (default: "
                                    "the window length)"),
                           cl::cat(category));
enum class Aggregate { Mean, Max };
cl::opt<Aggregate> aggregate(
    "aggregate", cl::init(Aggregate::Mean),
    cl::desc("With --window: a file's class probabilities from its windows'"),
    cl::values(clEnumValN(Aggregate::Mean, "mean", "the mean over windows"),
               clEnumValN(Aggregate::Max, "max", "the maximum over windows")),
    cl::cat(category));
cl::opt<std::string> perWindowPath(
    "per-window", cl::value_desc("FILE.csv|FILE.jsonl"),
    cl::desc("With --window: each window's start, end and top classes (CSV: file,start,end,"
             "rank,label,probability; JSON lines for .jsonl; - for stdout)"),
    cl::cat(category));
cl::opt<bool> zeroNonFinite("zero-nonfinite-samples",
                            cl::desc("Zero NaN/inf audio samples instead of rejecting the file"),
                            cl::cat(category));

/// A CSV field, quoted when it holds a comma, a quote or a line break.
std::string csvField(StringRef text) {
  if (text.find_first_of(",\"\n\r") == StringRef::npos)
    return text.str();
  std::string quoted = "\"";
  for (char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

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

/// Decodes an audio file for a graph: channel 0 at the model's rate.
Expected<std::vector<float>> loadAudio(StringRef path, const amae::Manifest &m) {
  return amae::loadChannel0(path, m.sampleRate, {zeroNonFinite});
}

/// A distinct picture name per file: its path below the files' common
/// folder, without the extension, folders joined by '-' (seven/a.wav and
/// three/a.wav give seven-a and three-a); a file given twice gets -2.
std::vector<std::string> pictureNames(ArrayRef<std::string> files) {
  std::vector<SmallVector<StringRef>> parts;
  for (StringRef f : files) {
    parts.emplace_back();
    for (auto it = sys::path::begin(f), end = sys::path::end(f); it != end; ++it)
      if (*it != "." && *it != "/")
        parts.back().push_back(*it);
  }
  // Folders shared by every file from the front; the file name always stays.
  size_t common = 0;
  for (bool same = !parts.empty(); same; ++common)
    for (const auto &p : parts)
      if (common + 1 >= p.size() || p[common] != parts[0][common]) {
        same = false;
        break;
      }
  common = common ? common - 1 : 0;
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const auto &p : parts) {
    std::string name;
    for (size_t i = common; i < p.size(); ++i)
      name += (name.empty() ? "" : "-") +
              (i + 1 == p.size() ? sys::path::stem(p[i]) : p[i]).str();
    std::string unique = name;
    for (int k = 2; !used.insert(unique).second; ++k)
      unique = name + "-" + std::to_string(k);
    names.push_back(unique);
  }
  return names;
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
  auto bound = amae::CompiledFrontEnd::bind(model);
  if (!bound)
    return fail(toString(bound.takeError()));
  const amae::CompiledFrontEnd &fe = *bound;
  if (fe.frames() != frames || fe.bins() != bins)
    return fail(formatv("the model's front end makes {0}x{1} images, graph '{2}' takes {3}x{4}",
                        fe.frames(), fe.bins(), sig.name, frames, bins));
  std::mt19937_64 rng(maskSeed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<std::string> pngNames = pictureNames(audioFiles);
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
    std::vector<std::vector<float>> waves;
    for (size_t r = 0; r < rows; ++r) {
      auto wave = loadAudio(audioFiles[first + r], model.manifest());
      if (!wave)
        return fail(toString(wave.takeError()));
      waves.push_back(std::move(*wave));
    }
    auto images = fe.images(waves);
    if (!images)
      return fail(toString(images.takeError()));
    std::copy(images->begin(), images->end(), static_cast<float *>(inputs["imgs"].data()));
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
      rec.title = audioFiles[first + r];
      SmallString<256> out(pngDir);
      sys::path::append(out, pngNames[first + r] + ".png");
      if (Error err = amae::writeReconstructionPng(out, rec))
        return fail(toString(std::move(err)));
      outs() << audioFiles[first + r] << " -> " << out << "\n";
    }
  }
  return 0;
}

/// Seconds of audio one input image of `frames` covers (25 ms windows every 10 ms).
double inputSeconds(int64_t frames) { return (frames - 1) * 0.010 + 0.025; }

/// One scored stretch of a file: its samples and where it lies.
struct Window {
  size_t file;
  double start, end; // seconds
  std::vector<float> wave;
};

/// What a file's windows add up to (clip-level probabilities and embedding).
struct FileResult {
  std::vector<double> probs, embedding;
  size_t windows = 0, pending = 0;
  bool loaded = false, failed = false;
};

/// The windows of one waveform: the whole file as one clip (cropped to the
/// model's input by the front end), or every --hop seconds a --window of it.
/// Each is a row of its own, so the front end removes each one's mean, as
/// the official loader does per clip.
std::vector<Window> windowsOf(size_t file, std::vector<float> wave, int64_t rate,
                              int64_t frames) {
  std::vector<Window> out;
  double seconds = static_cast<double>(wave.size()) / rate;
  if (windowSeconds == 0) {
    out.push_back({file, 0, std::min(seconds, inputSeconds(frames)), std::move(wave)});
    return out;
  }
  auto length = static_cast<size_t>(std::llround(windowSeconds * rate));
  auto hop = static_cast<size_t>(std::llround((hopSeconds ? hopSeconds : windowSeconds) * rate));
  for (size_t start = 0;; start += hop) {
    size_t end = std::min(wave.size(), start + length);
    std::vector<float> piece(wave.begin() + std::min(start, wave.size()), wave.begin() + end);
    out.push_back({file, static_cast<double>(start) / rate, static_cast<double>(end) / rate,
                   std::move(piece)});
    if (start + length >= wave.size())
      break;
  }
  return out;
}

/// Checks the window flags against the model; empty when they are fine.
std::string checkWindowFlags(int64_t frames) {
  bool windowed = windowSeconds.getNumOccurrences() > 0;
  if (!windowed && (hopSeconds.getNumOccurrences() || aggregate.getNumOccurrences() ||
                    !perWindowPath.empty()))
    return "--hop, --aggregate and --per-window need --window=SECONDS";
  if (!windowed)
    return "";
  double input = inputSeconds(frames);
  if (!(windowSeconds > 0) || !std::isfinite(windowSeconds))
    return "--window must be a positive number of seconds";
  if (windowSeconds > input + 1e-9) {
    std::string message;
    raw_string_ostream os(message);
    os << "--window=" << format("%g", windowSeconds.getValue())
       << formatv(" is longer than the model's input ({0:F3} s: {1} frames of 10 ms)", input,
                  frames);
    return message;
  }
  if (hopSeconds.getNumOccurrences() && (!(hopSeconds > 0) || !std::isfinite(hopSeconds)))
    return "--hop must be a positive number of seconds";
  return "";
}

/// Runs `infer_audio` (or `infer` after the compiled front end) on audio
/// files in batches of the model's batch size; with --window, on sliding
/// windows of each file, aggregated per file.
int runAudio(const amae::Model &model, const std::vector<amae::BoundGraph> &sizes) {
  // Full batches run at the largest size; the rest at the smallest that holds it.
  const amae::BoundGraph &graph = sizes.back();
  const amae::GraphSignature &sig = graph.signature();
  auto audioInput = amae::WaveformBatch::of(sig);
  bool fromAudio = bool(audioInput);
  if (!fromAudio)
    consumeError(audioInput.takeError());
  bool fromImages = sig.inputs.size() == 1 && sig.inputs[0].shape.size() == 4;
  if ((!fromAudio && !fromImages) || sig.outputs.size() < 2)
    return fail("audio files need infer_audio (waveform, length -> logits, embedding) or "
                "infer (imgs -> logits, embedding); graph '" + sig.name + "' is neither");
  auto bound = amae::CompiledFrontEnd::bind(model);
  if (!bound)
    return fail(toString(bound.takeError()));
  const amae::CompiledFrontEnd &fe = *bound;
  int64_t batch = sig.batch, frames = fe.frames(), bins = fe.bins();
  if (fromImages && (sig.inputs[0].shape[2] != frames || sig.inputs[0].shape[3] != bins))
    return fail(formatv("the model's front end makes {0}x{1} images, graph '{2}' takes {3}x{4}",
                        frames, bins, sig.name, sig.inputs[0].shape[2], sig.inputs[0].shape[3]));
  int64_t classes = sig.outputs[0].shape[1], width = sig.outputs[1].shape[1];
  if (std::string problem = checkWindowFlags(frames); !problem.empty())
    return fail(problem);
  std::vector<std::string> labels;
  if (!labelsPath.empty()) {
    auto read = amae::readClassLabels(labelsPath);
    if (!read)
      return fail(toString(read.takeError()));
    labels = std::move(*read);
  }
  auto label = [&](int64_t c) {
    return c < static_cast<int64_t>(labels.size()) && !labels[c].empty()
               ? labels[c]
               : "class " + std::to_string(c);
  };
  auto topClasses = [&](ArrayRef<double> p) {
    std::vector<int64_t> order(classes);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int64_t a, int64_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    order.resize(std::min<int64_t>(topK, classes));
    return order;
  };
  std::unique_ptr<raw_fd_ostream> table;
  bool jsonLines = StringRef(perWindowPath).ends_with(".jsonl");
  if (!perWindowPath.empty()) {
    std::error_code ec;
    table = std::make_unique<raw_fd_ostream>(perWindowPath, ec);
    if (ec)
      return fail(perWindowPath + ": " + ec.message());
    if (!jsonLines)
      *table << "file,start,end,rank,label,probability\n";
  }
  const amae::Manifest &m = model.manifest();
  size_t total = audioFiles.size();
  std::vector<FileResult> results(total);
  std::vector<float> windowEmbeddings, windowStarts;
  std::vector<int64_t> windowFiles;
  int failures = 0;
  // A progress bar on a terminal when the files take several batches.
  bool progress = total > static_cast<size_t>(batch) && errs().is_displayed();
  auto clearBar = [&] {
    if (progress)
      errs() << "\r\033[K";
  };
  auto report = [&](const Twine &message) {
    clearBar();
    WithColor::error(errs(), "amae-run") << message << "\n";
    ++failures;
  };

  // Windows wait here until a batch is full; each file's line is printed,
  // in order, once all its windows have run.
  std::vector<Window> pending;
  size_t printed = 0;
  auto printFinished = [&] {
    for (; printed < total && results[printed].loaded && results[printed].pending == 0;
         ++printed) {
      FileResult &r = results[printed];
      if (r.failed || (!embeddingsPath.empty() && labelsPath.empty()))
        continue;
      for (double &p : r.probs)
        p = aggregate == Aggregate::Mean ? p / r.windows : p;
      clearBar();
      outs() << audioFiles[printed] << ":";
      for (int64_t c : topClasses(r.probs))
        outs() << formatv(" {0} ({1:F3})", label(c), r.probs[c]);
      if (windowSeconds.getNumOccurrences())
        outs() << formatv("  [{0} of {1} windows]", aggregate == Aggregate::Mean ? "mean" : "max",
                          r.windows);
      outs() << "\n";
    }
  };
  std::map<int64_t, int> runsAt; // batch size -> runs
  auto runPending = [&]() -> bool {
    const amae::BoundGraph &graph = *llvm::find_if(sizes, [&](const amae::BoundGraph &g) {
      return g.signature().batch >= static_cast<int64_t>(pending.size());
    });
    const amae::GraphSignature &at = graph.signature();
    ++runsAt[at.batch];
    // Rows past the pending windows stay empty and are not read back.
    Expected<std::vector<amae::HostTensor>> outputs = std::vector<amae::HostTensor>();
    if (fromAudio) {
      auto input = amae::WaveformBatch::of(at);
      if (!input) {
        fail(toString(input.takeError()));
        return false;
      }
      for (size_t row = 0; row < pending.size(); ++row)
        input->set(row, pending[row].wave);
      outputs = graph.run(input->inputs());
    } else {
      std::vector<std::vector<float>> waves;
      // Only the windows' places are read after the run.
      for (Window &w : pending)
        waves.push_back(std::move(w.wave));
      auto images = fe.images(waves);
      if (!images) {
        fail(toString(images.takeError()));
        return false;
      }
      amae::HostTensor imgs(amae::DType::F32, at.inputs[0].shape);
      std::memset(imgs.data(), 0, imgs.bytes());
      std::copy(images->begin(), images->end(), static_cast<float *>(imgs.data()));
      outputs = graph.run({{at.inputs[0].name, imgs.view()}});
    }
    if (!outputs) {
      fail(toString(outputs.takeError()));
      return false;
    }
    auto *logits = static_cast<const float *>((*outputs)[0].data());
    auto *embedding = static_cast<const float *>((*outputs)[1].data());
    for (size_t row = 0; row < pending.size(); ++row) {
      const Window &w = pending[row];
      FileResult &r = results[w.file];
      std::vector<double> p(classes);
      for (int64_t c = 0; c < classes; ++c) {
        p[c] = 1.0 / (1.0 + std::exp(-logits[row * classes + c]));
        r.probs[c] = aggregate == Aggregate::Mean ? r.probs[c] + p[c] : std::max(r.probs[c], p[c]);
      }
      for (int64_t i = 0; i < width; ++i)
        r.embedding[i] += embedding[row * width + i];
      --r.pending;
      if (windowSeconds.getNumOccurrences()) {
        windowEmbeddings.insert(windowEmbeddings.end(), embedding + row * width,
                                embedding + (row + 1) * width);
        windowStarts.push_back(static_cast<float>(w.start));
        windowFiles.push_back(static_cast<int64_t>(w.file));
      }
      if (!table)
        continue;
      std::vector<int64_t> top = topClasses(p);
      if (jsonLines) {
        json::Array classesJson;
        for (int64_t c : top)
          classesJson.push_back(json::Object{{"label", label(c)}, {"probability", p[c]}});
        *table << formatv("{0}", json::Value(json::Object{{"file", audioFiles[w.file]},
                                                          {"start", w.start},
                                                          {"end", w.end},
                                                          {"top", std::move(classesJson)}}))
               << "\n";
      } else {
        for (size_t k = 0; k < top.size(); ++k)
          *table << formatv("{0},{1:F3},{2:F3},{3},{4},{5:F4}\n", csvField(audioFiles[w.file]),
                            w.start, w.end, k + 1, csvField(label(top[k])), p[top[k]]);
      }
    }
    pending.clear();
    printFinished();
    return true;
  };

  for (size_t f = 0; f < total; ++f) {
    FileResult &r = results[f];
    r.probs.assign(classes, 0.0);
    r.embedding.assign(width, 0.0);
    auto wave = loadAudio(audioFiles[f], m);
    if (!wave) {
      report(toString(wave.takeError()));
      r.failed = r.loaded = true;
      printFinished();
      continue;
    }
    std::vector<Window> windows = windowsOf(f, std::move(*wave), m.sampleRate, frames);
    r.windows = r.pending = windows.size();
    r.loaded = true;
    for (Window &w : windows) {
      pending.push_back(std::move(w));
      if (pending.size() == static_cast<size_t>(batch) && !runPending())
        return 1;
    }
    if (progress) {
      int bar = static_cast<int>(30 * (f + 1) / total);
      errs() << formatv("\r[{0}{1}] {2}/{3} files", std::string(bar, '#'),
                        std::string(30 - bar, ' '), f + 1, total);
      errs().flush();
    }
  }
  if (!pending.empty() && !runPending())
    return 1;
  if (progress)
    errs() << "\n";
  if (sizes.size() > 1) {
    errs() << "amae-run: ";
    for (auto [size, runs] : runsAt)
      errs() << (size == runsAt.begin()->first ? "" : ", ") << runs << " x batch " << size;
    errs() << "\n";
  }
  if (!embeddingsPath.empty()) {
    // Rows of files that failed are NaN, so row i is always file i.
    amae::Checkpoint out;
    std::vector<float> pooled(total * width, std::nanf(""));
    for (size_t f = 0; f < total; ++f)
      if (!results[f].failed)
        for (int64_t i = 0; i < width; ++i)
          pooled[f * width + i] = static_cast<float>(results[f].embedding[i] / results[f].windows);
    auto add = [&](StringRef name, auto &values, amae::DType dtype, std::vector<int64_t> shape) {
      std::vector<uint8_t> bytes(values.size() * sizeof(values[0]));
      std::memcpy(bytes.data(), values.data(), bytes.size());
      out.addOwned(name, dtype, std::move(shape), std::move(bytes));
    };
    add("embeddings", pooled, amae::DType::F32, {static_cast<int64_t>(total), width});
    if (windowSeconds.getNumOccurrences()) {
      auto n = static_cast<int64_t>(windowFiles.size());
      add("window_embeddings", windowEmbeddings, amae::DType::F32, {n, width});
      add("window_start", windowStarts, amae::DType::F32, {n});
      add("window_file", windowFiles, amae::DType::I64, {n});
    }
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
    if (!m.gpuArch.empty())
      outs() << "gpu " << m.gpuArch << ": GEMMs in " << m.gpuGemmPrecision << " on "
             << (m.gpuGemmLibrary == "cublas" ? "cuBLAS" : "cuBLASLt") << "\n";
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
    // Audio runs the fused graph when the artifact has it.
    if (!graphName.getNumOccurrences() && pngDir.empty() &&
        (*model)->manifest().find("infer_audio"))
      graphName = "infer_audio";
    auto graph = (*model)->bind(graphName, *weights);
    if (!graph)
      return fail(toString(graph.takeError()));
    if (!pngDir.empty())
      return runReconstruct(**model, *graph);
    // The other batch sizes of the graph share its weights.
    std::vector<amae::BoundGraph> sizes;
    sizes.push_back(std::move(*graph));
    for (const amae::GraphSignature &g : (*model)->manifest().graphs) {
      StringRef rest = g.name;
      if (!rest.consume_front(graphName + "_b") || rest.empty() ||
          !llvm::all_of(rest, llvm::isDigit))
        continue;
      auto other = (*model)->rebind(sizes.front(), g.name);
      if (!other)
        return fail(toString(other.takeError()));
      sizes.push_back(std::move(*other));
    }
    llvm::sort(sizes, [](const amae::BoundGraph &a, const amae::BoundGraph &b) {
      return a.signature().batch < b.signature().batch;
    });
    return runAudio(**model, sizes);
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
    std::vector<double> ms, gpu;
    for (unsigned i = 0; i < repeat; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto again = graph->run(named);
      auto stop = std::chrono::steady_clock::now();
      if (!again)
        return fail(toString(again.takeError()));
      ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
      if (graph->lastDeviceMilliseconds() >= 0)
        gpu.push_back(graph->lastDeviceMilliseconds());
    }
    std::sort(ms.begin(), ms.end());
    std::sort(gpu.begin(), gpu.end());
    outs() << formatv("{0}: {1} runs, median {2:F3} ms, min {3:F3} ms", graphName, repeat,
                      ms[ms.size() / 2], ms.front());
    // A CUDA artifact's own time on the GPU, from events around each run.
    if (gpu.size() == ms.size())
      outs() << formatv("; on the GPU median {0:F3} ms, min {1:F3} ms", gpu[gpu.size() / 2],
                        gpu.front());
    outs() << "\n";
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
