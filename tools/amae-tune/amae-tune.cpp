//===- amae-tune.cpp - Measure compile options, keep the fastest ----------===//
//
//   amae-tune SPEC.yaml --graph=infer [--batch=N] [--options=fuse,threads]
//             [--search=greedy|grid] [--repeat=5] [-o tuning.json]
//
// Compiles one graph of a spec with each setting of the chosen options
// (through amae-compile, so a setting that crashes the compiler only loses
// its row), runs it on the same weights and inputs, checks that its outputs
// agree with the default setting's, and prints the medians. The fastest
// setting whose outputs agree goes to a tuning file for
// `amae-compile --tuning=FILE`. A greedy search (the default) varies one
// option at a time from the defaults and keeps the best value of each
// before the next: one compile per value instead of one per combination.
//
//===----------------------------------------------------------------------===//

#include "abi/Tuning.h"
#include "runtime/Model.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-tune options");
cl::opt<std::string> specPath(cl::Positional, cl::Required, cl::desc("<model spec .yaml>"),
                              cl::cat(category));
cl::opt<std::string> graphName("graph", cl::init("infer"),
                               cl::desc("The graph to time (infer, pretrain, finetune)"),
                               cl::cat(category));
cl::opt<int64_t> batch("batch", cl::init(1), cl::desc("Batch size"), cl::cat(category));
cl::opt<bool> grads("grads", cl::desc("Time the graph with its gradients (amae-compile --grads)"),
                    cl::cat(category));
cl::list<std::string> optionNames(
    "options", cl::CommaSeparated, cl::value_desc("name,..."),
    cl::desc("Options to sweep (default fuse,fused-attention,interchange,vectorize,vector-size,"
             "vector-width,parallel-min-iterations,O,threads; also blas, parallel, bias-epilogue, "
             "static-buffer-plan)"),
    cl::cat(category));
cl::list<std::string> valueLists(
    "values", cl::value_desc("name=v1:v2:..."),
    cl::desc("Values to try for an option instead of the built-in ones (first is the start)"),
    cl::cat(category));
enum class Search { Greedy, Grid };
cl::opt<Search> searchMode("search", cl::init(Search::Greedy), cl::desc("How to sweep"),
                       cl::values(clEnumValN(Search::Greedy, "greedy",
                                             "one option at a time, keeping the best of each"),
                                  clEnumValN(Search::Grid, "grid", "every combination")),
                       cl::cat(category));
cl::opt<unsigned> repeat("repeat", cl::init(5), cl::desc("Timed runs per setting (after one "
                                                         "warm-up run)"),
                         cl::cat(category));
cl::opt<double> rtol("rtol", cl::init(1e-4),
                     cl::desc("Largest output difference from the default setting, relative "
                              "to the output's largest magnitude"),
                     cl::cat(category));
cl::opt<double> gradRtol("grad-rtol", cl::init(1e-3),
                         cl::desc("The same for gradient outputs (grad.*), whose sums of "
                                  "many terms reorder with tiling: the golden suite's 1e-3"),
                         cl::cat(category));
cl::opt<std::string> weightsPath("weights", cl::value_desc("checkpoint"),
                                 cl::desc("Weights to run with (default: random)"),
                                 cl::cat(category));
cl::opt<std::string> inputsPath("inputs", cl::value_desc("file.safetensors"),
                                cl::desc("Inputs to run with (default: random)"),
                                cl::cat(category));
cl::opt<std::string> outputPath("o", cl::init("tuning.json"), cl::value_desc("file"),
                                cl::desc("Where the best setting goes (default tuning.json)"),
                                cl::cat(category));

[[noreturn]] void fail(const Twine &message) {
  errs() << "amae-tune: error: " << message << "\n";
  std::exit(1);
}

/// An option being swept and the values it takes (the first is the start).
struct Dim {
  const amae::TunableOption *option;
  std::vector<int64_t> values;
};
using Setting = std::vector<int64_t>; // one value per Dim

struct Row {
  Setting setting;
  double median = 0, min = 0;
  std::string problem; // empty: timed and agrees with the reference
};

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

std::vector<int64_t> builtinValues(const amae::TunableOption &o) {
  StringRef name = o.name;
  if (o.kind == amae::TunableOption::Bool)
    return {1, 0};
  if (o.kind == amae::TunableOption::Choice) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < o.choices.size(); ++i)
      v.push_back(static_cast<int64_t>(i));
    return v;
  }
  if (name == "vector-width") {
    std::vector<int64_t> v = {0, 128, 256};
    if (sys::getHostCPUFeatures().lookup("avx512f"))
      v.push_back(512);
    return v;
  }
  if (name == "parallel-min-iterations")
    return {32768, 4096, 262144};
  if (name == "vector-size")
    return {16, 8, 32};
  if (name == "attention-block-rows")
    return {0, 32, 64, 256};
  if (name == "O")
    return {2, 3};
  std::vector<int64_t> threads = {cores()}; // "threads"
  for (int64_t t = 1; t < cores(); t *= 2)
    threads.push_back(t);
  return threads;
}

std::vector<Dim> dimensions() {
  std::vector<std::string> names(optionNames.begin(), optionNames.end());
  if (names.empty())
    names = {"fuse",        "fused-attention", "interchange", "vectorize",
             "vector-size", "vector-width",    "parallel-min-iterations",
             "attention-block-rows",           "gemm",
             "O",           "threads"};
  std::vector<Dim> dims;
  for (const std::string &name : names) {
    const amae::TunableOption *o = amae::findTunableOption(name);
    if (!o) {
      std::vector<std::string> known;
      for (const amae::TunableOption &k : amae::tunableOptions())
        known.push_back(k.name);
      fail("--options: unknown option '" + name + "' (known: " + join(known, ", ") + ")");
    }
    if (any_of(dims, [&](const Dim &d) { return d.option == o; }))
      fail("--options: '" + name + "' is given twice");
    dims.push_back({o, builtinValues(*o)});
  }
  for (StringRef list : valueLists) {
    StringRef name = list.split('=').first, values = list.split('=').second;
    auto dim = find_if(dims, [&](const Dim &d) { return name == d.option->name; });
    if (dim == dims.end())
      fail("--values=" + list + ": '" + name + "' is not among the swept --options");
    dim->values.clear();
    SmallVector<StringRef> parts;
    values.split(parts, ':');
    for (StringRef v : parts) {
      int64_t value;
      if (dim->option->kind == amae::TunableOption::Choice) {
        std::optional<int64_t> index = amae::choiceIndex(*dim->option, v);
        if (!index)
          fail("--values=" + list + ": '" + v + "' is not one of " +
               join(dim->option->choices, ", "));
        value = *index;
      } else if (v == "true" || v == "false")
        value = v == "true";
      else if (v.getAsInteger(10, value))
        fail("--values=" + list + ": '" + v + "' is not a number");
      if (Error err = amae::checkTunableValue(*dim->option, value))
        fail("--values=" + list + ": " + toString(std::move(err)));
      dim->values.push_back(value);
    }
  }
  return dims;
}

/// `v` as amae-compile's flag takes it.
std::string flagValue(const Dim &d, int64_t v) {
  if (d.option->kind == amae::TunableOption::Bool)
    return v ? "true" : "false";
  if (d.option->kind == amae::TunableOption::Choice)
    return d.option->choices[v];
  return std::to_string(v);
}

/// `v` as the table prints it.
std::string show(const Dim &d, int64_t v) {
  if (StringRef(d.option->name) == "vector-width" && v == 0)
    return "target";
  return flagValue(d, v);
}

std::string describe(const std::vector<Dim> &dims, const Setting &s) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? " " : "") + std::string(dims[i].option->name) + "=" + show(dims[i], s[i]);
  return text;
}

/// "model name" of /proc/cpuinfo (lscpu's Model name) and LLVM's CPU name.
std::string cpuDescription() {
  std::string model = "unknown CPU";
  if (auto info = MemoryBuffer::getFileAsStream("/proc/cpuinfo")) {
    SmallVector<StringRef> lines;
    (*info)->getBuffer().split(lines, '\n');
    for (StringRef line : lines)
      if (line.starts_with("model name")) {
        model = line.split(':').second.trim().str();
        break;
      }
  }
  return model + " (" + sys::getHostCPUName().str() + "), " + std::to_string(cores()) + " cores";
}

/// Prints where the sweep stands: a redrawn bar on a terminal, a line per
/// step into a log.
class Progress {
public:
  explicit Progress(size_t total) : total(total), tty(sys::Process::StandardErrIsDisplayed()) {}
  void step(size_t done, const std::string &what) {
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!tty) {
      errs() << formatv("amae-tune: [{0}/{1}] {2}\n", done + 1, total, what);
      return;
    }
    const size_t width = 24;
    size_t filled = total ? width * done / total : width;
    errs() << formatv("\r\x1b[K[{0}{1}] {2}/{3} {4:F0}s {5}", std::string(filled, '#'),
                      std::string(width - filled, '.'), done, total, seconds, what);
  }
  void finish() {
    if (tty)
      errs() << "\r\x1b[K";
  }

private:
  using Clock = std::chrono::steady_clock;
  size_t total;
  bool tty;
  Clock::time_point start = Clock::now();
};

/// Random weights for the graph's parameters (N(0, 0.02): timing does not
/// care what they are, and the outputs stay finite).
amae::Checkpoint randomWeights(const amae::GraphSignature &sig) {
  amae::Checkpoint ckpt;
  std::mt19937_64 rng(0);
  std::normal_distribution<float> normal(0.f, 0.02f);
  for (const amae::TensorSpec &p : sig.params) {
    int64_t n = amae::checkedNumElements(p.shape).value_or(0);
    std::vector<float> values(n);
    for (float &v : values)
      v = normal(rng);
    std::vector<uint8_t> bytes(n * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    ckpt.addOwned(p.name, amae::DType::F32, p.shape, std::move(bytes));
  }
  return ckpt;
}

/// Random inputs: floats N(0, 1), integers their default (a seed) or 0.
amae::Checkpoint randomInputs(const amae::GraphSignature &sig) {
  amae::Checkpoint ckpt;
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (const amae::TensorSpec &t : sig.inputs) {
    amae::HostTensor h(t.dtype, t.shape);
    int64_t n = amae::checkedNumElements(t.shape).value_or(0);
    if (t.dtype == amae::DType::F32)
      for (int64_t i = 0; i < n; ++i)
        static_cast<float *>(h.data())[i] = normal(rng);
    else if (t.dtype == amae::DType::I64)
      for (int64_t i = 0; i < n; ++i)
        static_cast<int64_t *>(h.data())[i] = static_cast<int64_t>(t.defaultValue.value_or(0));
    else
      fail("input '" + t.name + "' has a dtype amae-tune cannot make up; give --inputs");
    h.copyInto(ckpt, t.name);
  }
  return ckpt;
}

/// The largest difference of `got` from `want`, relative to want's largest
/// magnitude; infinity when either holds a non-finite value.
double relativeDifference(const amae::HostTensor &got, const amae::HostTensor &want) {
  int64_t n = got.bytes() / amae::dtypeSize(got.dtype());
  if (got.dtype() != amae::DType::F32)
    return std::memcmp(got.data(), want.data(), got.bytes()) ? INFINITY : 0.0;
  const float *a = static_cast<const float *>(got.data());
  const float *b = static_cast<const float *>(want.data());
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
      return INFINITY;
    diff = std::max(diff, double(std::fabs(a[i] - b[i])));
    scale = std::max(scale, double(std::fabs(b[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

class Tuner {
public:
  Tuner(std::vector<Dim> dims, std::string compiler, std::string workDir)
      : dims(std::move(dims)), compiler(std::move(compiler)), workDir(std::move(workDir)) {}

  /// Compiles (once per compile-time setting), runs and times `s`.
  Row measure(const Setting &s) {
    Row row;
    row.setting = s;
    std::string key;
    int64_t threads = cores();
    for (size_t i = 0; i < dims.size(); ++i) {
      if (StringRef(dims[i].option->name) == "threads")
        threads = s[i] ? s[i] : cores();
      else
        key += describe({dims[i]}, {s[i]}) + " ";
    }
    if (!loadedKey || key != *loadedKey) {
      model.reset();
      bound.reset();
      loadedKey = key;
      if (!(problem = compile(s)).empty())
        return row.problem = problem, row;
    }
    if (!problem.empty())
      return row.problem = problem, row;
    model->setThreads(threads);
    std::vector<amae::HostTensor> outputs;
    auto timed = [&]() -> Expected<double> {
      auto begin = std::chrono::steady_clock::now();
      if (Error err = bound->runInto(inputViews, outputs))
        return std::move(err);
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
          .count();
    };
    Expected<double> warmup = timed();
    if (!warmup)
      return row.problem = "run failed: " + toString(warmup.takeError()), row;
    if (reference.empty()) {
      reference = std::move(outputs);
    } else {
      for (size_t i = 0; i < outputs.size(); ++i) {
        const std::string &name = bound->signature().outputs[i].name;
        double d = relativeDifference(outputs[i], reference[i]);
        if (!(d <= (StringRef(name).starts_with("grad.") ? gradRtol : rtol)))
          return row.problem = formatv("output {0} differs from the default setting's "
                                       "({1:e2} relative)",
                                       name, d),
                 row;
      }
    }
    // A setting far slower than the best so far is not worth its repeats
    // (judged on a timed run: the warm-up pays first-touch page faults).
    std::vector<double> times;
    for (unsigned r = 0; r < repeat; ++r) {
      Expected<double> t = timed();
      if (!t)
        return row.problem = "run failed: " + toString(t.takeError()), row;
      times.push_back(*t);
      if (r == 0 && bestMedian > 0 && *t > 5 * bestMedian)
        break;
    }
    std::sort(times.begin(), times.end());
    row.median = times[times.size() / 2];
    row.min = times.front();
    if (times.size() == 1 && repeat > 1)
      row.problem = formatv("stopped after one run: over 5x the best ({0:F1} ms)", bestMedian);
    else if (!(bestMedian > 0) || row.median < bestMedian)
      bestMedian = row.median;
    return row;
  }

  const amae::GraphSignature *signature() const { return bound ? &bound->signature() : nullptr; }

private:
  std::string compile(const Setting &s) {
    std::string lib = workDir + "/v" + std::to_string(compiles++) + ".so";
    std::string log = workDir + "/compile.log";
    std::vector<std::string> args = {compiler, specPath, "--graphs=" + graphName,
                                     "--batch=" + std::to_string(batch), "--progress-after=1e9",
                                     "-o", lib};
    if (grads)
      args.push_back("--grads");
    for (size_t i = 0; i < dims.size(); ++i)
      if (!dims[i].option->runtime)
        args.push_back(std::string("--") + dims[i].option->name + "=" + flagValue(dims[i], s[i]));
    SmallVector<StringRef> argRefs(args.begin(), args.end());
    std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log), StringRef(log)};
    std::string error;
    int rc = sys::ExecuteAndWait(compiler, argRefs, std::nullopt, redirects, 0, 0, &error);
    if (rc != 0) {
      auto text = MemoryBuffer::getFile(log);
      std::string tail = text ? (*text)->getBuffer().trim().rsplit('\n').second.str() : error;
      if (tail.empty() && text)
        tail = (*text)->getBuffer().trim().str();
      return "compile failed: " + (tail.empty() ? "exit status " + std::to_string(rc) : tail);
    }
    auto loaded = amae::Model::load(lib);
    if (!loaded)
      return "load failed: " + toString(loaded.takeError());
    model = std::move(*loaded);
    const amae::GraphSignature *sig = model->manifest().find(graphName);
    if (!sig)
      return "the library has no graph '" + graphName + "'";
    if (!weights) {
      Expected<amae::Checkpoint> w = weightsPath.empty() ? randomWeights(*sig)
                                                         : amae::Checkpoint::open(weightsPath);
      if (!w)
        fail(toString(w.takeError()));
      Expected<amae::Checkpoint> in = inputsPath.empty() ? randomInputs(*sig)
                                                         : amae::Checkpoint::open(inputsPath);
      if (!in)
        fail(toString(in.takeError()));
      weights = std::move(*w);
      inputs = std::move(*in);
      for (const std::string &name : inputs->names())
        inputViews[name] = *inputs->find(name);
    }
    auto b = model->bind(graphName, *weights);
    if (!b)
      fail(toString(b.takeError())); // the same for every setting: not the setting's fault
    bound = std::move(*b);
    return "";
  }

  std::vector<Dim> dims;
  std::string compiler, workDir;
  unsigned compiles = 0;
  std::optional<std::string> loadedKey;
  std::string problem; // why the loaded compile-time setting cannot run
  std::unique_ptr<amae::Model> model;
  std::optional<amae::BoundGraph> bound;
  std::optional<amae::Checkpoint> weights, inputs;
  std::map<std::string, amae::TensorView> inputViews;
  std::vector<amae::HostTensor> reference;
  double bestMedian = 0;
};

/// Every setting a grid search visits, defaults first.
std::vector<Setting> grid(const std::vector<Dim> &dims) {
  std::vector<Setting> all = {{}};
  for (const Dim &d : dims) {
    std::vector<Setting> next;
    for (const Setting &s : all)
      for (int64_t v : d.values) {
        next.push_back(s);
        next.back().push_back(v);
      }
    all = std::move(next);
  }
  return all;
}

bool better(const Row &a, const Row &b) {
  return a.problem.empty() && (!b.problem.empty() || a.median < b.median);
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "amae-tune: time compile options of one graph, keep the fastest\n");
  if (batch < 1)
    fail("--batch must be at least 1");
  if (repeat < 1)
    fail("--repeat must be at least 1");
  if (!(rtol >= 0) || !(gradRtol >= 0))
    fail("--rtol and --grad-rtol must be at least 0");
  if (!sys::fs::exists(specPath))
    fail(specPath + ": no such file");
  std::vector<Dim> dims = dimensions();
  std::string compiler = sys::path::parent_path(sys::fs::getMainExecutable(
                                                    argv[0], reinterpret_cast<void *>(&fail)))
                             .str() +
                         "/amae-compile";
  if (!sys::fs::can_execute(compiler))
    fail(compiler + " not found (amae-tune runs the amae-compile installed next to it)");
  SmallString<128> workDir;
  if (std::error_code ec = sys::fs::createUniqueDirectory("amae-tune", workDir))
    fail("cannot create a work directory: " + ec.message());
  scope_exit cleanup([&] { sys::fs::remove_directories(workDir); });

  Tuner tuner(dims, compiler, workDir.str().str());
  std::vector<Row> rows;
  Setting start;
  for (const Dim &d : dims)
    start.push_back(d.values.front());
  size_t total = 1;
  for (const Dim &d : dims)
    total = searchMode == Search::Grid ? total * d.values.size() : total + d.values.size() - 1;
  Progress progress(total);
  auto run = [&](const Setting &s) -> const Row & {
    progress.step(rows.size(), describe(dims, s));
    rows.push_back(tuner.measure(s));
    if (rows.size() == 1 && !rows[0].problem.empty())
      fail("the starting setting " + describe(dims, s) + ": " + rows[0].problem);
    return rows.back();
  };
  if (searchMode == Search::Grid) {
    for (const Setting &s : grid(dims))
      run(s);
  } else {
    Row best = run(start);
    for (size_t i = 0; i < dims.size(); ++i) {
      for (int64_t v : dims[i].values) {
        if (v == best.setting[i])
          continue;
        Setting s = best.setting;
        s[i] = v;
        const Row &r = run(s);
        if (better(r, best))
          best = r;
      }
    }
  }
  progress.finish();

  const Row *best = &rows.front();
  for (const Row &r : rows)
    if (better(r, *best))
      best = &r;
  const Row &defaults = rows.front();
  outs() << formatv("amae-tune: {0}, graph {1}, batch {2}{3}; {4}; median of {5} runs\n",
                    specPath, graphName, batch, grads ? " with gradients" : "", cpuDescription(),
                    repeat);
  outs() << formatv("{0,12} {1,12}", "median ms", "min ms");
  std::vector<size_t> widths;
  for (size_t i = 0; i < dims.size(); ++i) {
    widths.push_back(strlen(dims[i].option->name));
    for (int64_t v : dims[i].values)
      widths.back() = std::max(widths.back(), show(dims[i], v).size());
    outs() << "  " << left_justify(dims[i].option->name, widths[i]);
  }
  outs() << "\n";
  // Fastest first; ties and failures keep the order they ran in.
  std::vector<const Row *> order;
  for (const Row &r : rows)
    order.push_back(&r);
  llvm::sort(order, [](const Row *a, const Row *b) {
    return better(*a, *b) || (!better(*b, *a) && a < b);
  });
  for (const Row *r : order) {
    if (r->median > 0)
      outs() << formatv("{0,12:F3} {1,12:F3}", r->median, r->min);
    else
      outs() << formatv("{0,12} {1,12}", "-", "-");
    for (size_t i = 0; i < dims.size(); ++i)
      outs() << "  " << left_justify(show(dims[i], r->setting[i]), widths[i]);
    if (r == best)
      outs() << "  <- best";
    if (r == &defaults)
      outs() << "  (start)";
    if (!r->problem.empty())
      outs() << "  " << r->problem;
    outs() << "\n";
  }

  amae::Tuning tuning;
  for (size_t i = 0; i < dims.size(); ++i)
    tuning.options[dims[i].option->name] = best->setting[i];
  tuning.spec = specPath;
  tuning.graph = graphName;
  tuning.batch = batch;
  tuning.cpu = cpuDescription();
  tuning.medianMs = std::round(best->median * 1000) / 1000;
  if (Error err = tuning.write(outputPath))
    fail(toString(std::move(err)));
  outs() << formatv("best: {0}, {1:F3} ms ({2:F2}x the start's speed); written to {3} for "
                    "amae-compile --tuning={3}\n",
                    describe(dims, best->setting), best->median, defaults.median / best->median,
                    outputPath);
  return 0;
}
