//===- amae-gradcheck.cpp - Finite-difference checks of compiled gradients ===//
//
//   amae-compile ops.mlir --grads -o ops.so && amae-gradcheck ops.so
//
// For every graph with a `loss` output and `grad.P` outputs, compares each
// gradient with central finite differences of the compiled loss, refined by
// Richardson extrapolation (D(h) and D(h/2) -> (4 D(h/2) - D(h)) / 3, error
// O(h^4)). The ops compute in float32 (the dialect's only float type); the
// differences, the extrapolation and the comparison are done in float64.
// An element's error is |fd - grad| divided by the largest |grad| of its
// parameter (the gradient's scale), so tiny elements of a large gradient are
// judged by what matters to an optimizer step.
//
// Inputs are drawn uniform in [0, 1) (noise, masks, targets, labels), i64
// inputs (seeds) are 1, parameters uniform in [-1, 1] (`*tau` in [0.5, 1.5],
// where a temperature lives).
//
//===----------------------------------------------------------------------===//

#include "runtime/Model.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-gradcheck options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required, cl::desc("<model.so>"),
                               cl::cat(category));
cl::list<std::string> graphs("graph", cl::desc("Graphs to check (default: all with a loss)"),
                             cl::CommaSeparated, cl::cat(category));
cl::opt<unsigned> samples("samples", cl::init(12),
                          cl::desc("Elements probed per parameter"), cl::cat(category));
cl::opt<double> step("step", cl::init(1e-2), cl::desc("Finite-difference step h"),
                     cl::cat(category));
cl::opt<double> tolerance("tolerance", cl::init(1e-2),
                          cl::desc("Largest error, relative to the gradient's scale"),
                                   cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::init(0), cl::desc("Seed of the values and probes"),
                       cl::cat(category));
cl::opt<double> perturb("perturb-gradients", cl::init(0), cl::Hidden,
                        cl::desc("Testing: add this to every analytic gradient"),
                                 cl::cat(category));

int fail(const Twine &message) {
  WithColor::error(errs(), "amae-gradcheck") << message << "\n";
  return 2;
}

/// Runs `graph` and returns its loss.
Expected<double> lossOf(const amae::BoundGraph &graph,
                        const std::map<std::string, amae::TensorView> &inputs,
                        size_t lossIndex) {
  auto outputs = graph.run(inputs);
  if (!outputs)
    return outputs.takeError();
  return *static_cast<const float *>((*outputs)[lossIndex].data());
}

/// Checks one graph; returns whether every probe is within tolerance.
Expected<bool> check(const amae::Model &model, const amae::GraphSignature &sig,
                     std::mt19937_64 &rng) {
  std::optional<size_t> lossIndex;
  std::map<std::string, size_t> gradIndex;
  for (auto [i, out] : enumerate(sig.outputs)) {
    if (out.name == "loss")
      lossIndex = i;
    else if (StringRef(out.name).starts_with("grad."))
      gradIndex[out.name.substr(5)] = i;
  }
  // Parameters and inputs.
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  amae::Checkpoint weights;
  for (const amae::TensorSpec &p : sig.params) {
    int64_t n = std::accumulate(p.shape.begin(), p.shape.end(), int64_t(1),
                                std::multiplies<int64_t>());
    std::vector<uint8_t> bytes(n * 4);
    bool tau = StringRef(p.name).ends_with("tau");
    for (int64_t i = 0; i < n; ++i) {
      float v = tau ? 0.5f + unit(rng) : 2 * unit(rng) - 1;
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    weights.addOwned(p.name, amae::DType::F32, p.shape, std::move(bytes));
  }
  std::vector<amae::HostTensor> inputTensors;
  std::map<std::string, amae::TensorView> inputs;
  for (const amae::TensorSpec &in : sig.inputs) {
    amae::HostTensor t(in.dtype, in.shape);
    if (in.dtype == amae::DType::I64)
      std::fill_n(static_cast<int64_t *>(t.data()), t.bytes() / 8, int64_t(1));
    else
      for (int64_t i = 0; i < t.bytes() / 4; ++i)
        static_cast<float *>(t.data())[i] = unit(rng);
    inputTensors.push_back(std::move(t));
  }
  for (auto [spec, t] : zip(sig.inputs, inputTensors))
    inputs[spec.name] = t.view();
  auto bound = model.bind(sig.name, weights);
  if (!bound)
    return bound.takeError();
  auto outputs = bound->run(inputs);
  if (!outputs)
    return outputs.takeError();
  // A graph must not write into its arguments: the probes below rerun it
  // with the same bound buffers.
  auto again = lossOf(*bound, inputs, *lossIndex);
  if (!again)
    return again.takeError();
  if (*again != *static_cast<const float *>((*outputs)[*lossIndex].data()))
    return createStringError("a second run gives another loss: the graph writes into its "
                             "arguments or is not deterministic");

  bool ok = true;
  double worstOverall = 0;
  int probes = 0;
  std::string details;
  for (const amae::TensorSpec &p : sig.params) {
    auto g = gradIndex.find(p.name);
    if (g == gradIndex.end())
      continue;
    const auto *grad = static_cast<const float *>((*outputs)[g->second].data());
    amae::HostTensor *value = bound->param(p.name);
    auto *x = static_cast<float *>(value->data());
    int64_t n = value->bytes() / 4;
    double scale = 1e-6;
    for (int64_t i = 0; i < n; ++i)
      scale = std::max(scale, std::abs(double(grad[i])));
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(std::min<int64_t>(n, samples));
    double worst = 0;
    for (int64_t i : order) {
      float original = x[i];
      auto at = [&](double offset) -> Expected<double> {
        x[i] = static_cast<float>(original + offset);
        // The difference actually taken is the float32 step, not `offset`.
        return lossOf(*bound, inputs, *lossIndex);
      };
      auto central = [&](double h) -> Expected<double> {
        float up = static_cast<float>(original + h), down = static_cast<float>(original - h);
        auto plus = at(h), minus = at(-h);
        if (!plus || !minus)
          return plus ? minus.takeError() : plus.takeError();
        return (*plus - *minus) / (double(up) - double(down));
      };
      auto d1 = central(step), d2 = central(step / 2);
      x[i] = original;
      if (!d1 || !d2)
        return d1 ? d2.takeError() : d1.takeError();
      double fd = (4 * *d2 - *d1) / 3;
      double analytic = grad[i] + perturb;
      worst = std::max(worst, std::abs(fd - analytic) / scale);
      ++probes;
    }
    worstOverall = std::max(worstOverall, worst);
    ok &= worst <= tolerance;
    details += formatv("  {0,-28} {1} probes, scale {2:E1}, worst {3:E2}{4}\n", p.name,
                       order.size(), scale, worst, worst <= tolerance ? "" : "  FAIL")
                   .str();
  }
  outs() << formatv("{0} {1}: {2} probes, worst error {3:E2} of the gradient scale "
                    "(tolerance {4:E1})\n",
                    ok ? "ok  " : "FAIL", sig.name, probes, worstOverall, double(tolerance))
         << details;
  return ok;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "amae-gradcheck: finite-difference checks of compiled "
                              "gradients\n");
  auto model = amae::Model::load(modelPath);
  if (!model)
    return fail(toString(model.takeError()));
  std::mt19937_64 rng(seed);
  int checked = 0, failed = 0;
  for (const amae::GraphSignature &sig : (*model)->manifest().graphs) {
    bool hasLoss = llvm::any_of(sig.outputs, [](const auto &o) { return o.name == "loss"; });
    bool wanted = graphs.empty() || llvm::is_contained(graphs, sig.name);
    if (!hasLoss || !wanted)
      continue;
    auto ok = check(**model, sig, rng);
    if (!ok)
      return fail(sig.name + ": " + toString(ok.takeError()));
    ++checked;
    failed += !*ok;
  }
  if (!checked)
    return fail("no graph with a loss output to check");
  outs() << formatv("{0} graphs checked, {1} failed\n", checked, failed);
  return failed ? 1 : 0;
}
