//===- amae-run.cpp - Run a compiled amae model ---------------------------===//
//
//   amae-run model.so --graph=infer --weights=W --inputs=I.safetensors -o O.safetensors
//   amae-run model.so --graph=infer --weights=W --inputs=I --repeat=20
//
// Inputs and outputs use the names of the graph signature (see --list).
// --repeat runs the graph N times after one warm-up and prints the median
// and minimum time per run; loading and binding the weights is not timed.
//
//===----------------------------------------------------------------------===//

#include "runtime/Model.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

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

int fail(const Twine &message) {
  WithColor::error(errs(), "amae-run") << message << "\n";
  return 1;
}

void printSignature(const amae::GraphSignature &g) {
  auto show = [](StringRef what, const std::vector<amae::TensorSpec> &ts) {
    for (const amae::TensorSpec &t : ts)
      outs() << "  " << what << " " << t.name << " " << amae::dtypeName(t.dtype)
             << " " << amae::formatShape(t.shape) << (t.frozen ? " frozen" : "")
             << "\n";
  };
  outs() << "graph " << g.name << "\n";
  show("input", g.inputs);
  outs() << "  " << g.params.size() << " parameters\n";
  show("output", g.outputs);
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae model runner\n");

  auto model = amae::Model::load(modelPath);
  if (!model)
    return fail(toString(model.takeError()));
  if (list) {
    for (const amae::GraphSignature &g : (*model)->manifest().graphs)
      printSignature(g);
    return 0;
  }
  if (weightsPath.empty())
    return fail("--weights is required");
  if (inputsPath.empty())
    return fail("--inputs is required");
  auto weights = amae::Checkpoint::open(weightsPath);
  if (!weights)
    return fail(toString(weights.takeError()));
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
    for (size_t i = 0; i < specs.size(); ++i) {
      const amae::HostTensor &t = (*outputs)[i];
      auto *bytes = static_cast<const uint8_t *>(t.data());
      out.addOwned(specs[i].name, t.dtype(), t.shape(),
                   std::vector<uint8_t>(bytes, bytes + t.bytes()));
    }
    if (Error err = amae::writeSafetensors(outputPath, out))
      return fail(toString(std::move(err)));
  }
  return 0;
}
