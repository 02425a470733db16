//===- amae-convert.cpp - Convert and inspect checkpoints -----------------===//
//
//   amae-convert X.pth -o X.safetensors   # official PyTorch checkpoint in
//   amae-convert X.safetensors --list      # names, dtypes, shapes
//
// Reads safetensors or a torch.save checkpoint (its `model` state_dict) and
// writes safetensors with the same names, dtypes and shapes. The output is
// never the input, and an existing output is replaced only when it is a
// file amae-convert wrote (metadata amae.writer) or with --force.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::OptionCategory category("amae-convert options");
cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<checkpoint .pth|.safetensors>"),
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::value_desc("file.safetensors"),
                                cl::desc("Write the tensors as safetensors"),
                                cl::cat(category));
cl::opt<bool> force("force", cl::desc("Replace an existing output that amae-convert did not write"),
                    cl::cat(category));
cl::opt<bool> list("list", cl::desc("Print each tensor's name, dtype and shape"),
                   cl::cat(category));
constexpr const char *kWriterKey = "amae.writer";

/// Why writing `output` would lose data, or "" when it would not.
std::string overwriteProblem() {
  if (!sys::fs::exists(outputPath))
    return "";
  if (sys::fs::equivalent(inputPath, outputPath))
    return outputPath + " is the input file; write the output elsewhere";
  if (force)
    return "";
  Expected<amae::Checkpoint> existing = amae::Checkpoint::open(outputPath);
  if (existing && existing->metadata().count(kWriterKey))
    return "";
  consumeError(existing.takeError());
  return outputPath + " exists and was not written by amae-convert; --force replaces it";
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae checkpoint converter\n");
  if (outputPath.empty() && !list) {
    WithColor::error(errs(), "amae-convert") << "nothing to do: give -o FILE or --list\n";
    return 1;
  }

  Expected<amae::Checkpoint> checkpoint = amae::Checkpoint::open(inputPath);
  if (!checkpoint) {
    WithColor::error(errs(), "amae-convert") << toString(checkpoint.takeError()) << "\n";
    return 1;
  }
  if (list) {
    int64_t elements = 0, bytes = 0;
    for (const std::string &name : checkpoint->names()) {
      const amae::TensorView *t = checkpoint->find(name);
      outs() << name << " " << amae::dtypeName(t->dtype) << " "
             << amae::formatShape(t->shape) << "\n";
      elements += t->numElements();
      bytes += t->bytes.size();
    }
    outs() << checkpoint->names().size() << " tensors, " << elements
           << " elements, " << bytes << " bytes\n";
  }
  if (!outputPath.empty()) {
    if (std::string problem = overwriteProblem(); !problem.empty()) {
      WithColor::error(errs(), "amae-convert") << problem << "\n";
      return 1;
    }
    checkpoint->setMetadata(kWriterKey, "amae-convert");
    if (Error err = amae::writeSafetensors(outputPath, *checkpoint)) {
      WithColor::error(errs(), "amae-convert") << toString(std::move(err)) << "\n";
      return 1;
    }
  }
  return 0;
}
