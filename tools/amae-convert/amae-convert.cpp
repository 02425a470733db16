//===- amae-convert.cpp - Convert and inspect checkpoints -----------------===//
//
//   amae-convert X.pth -o X.safetensors   # official PyTorch checkpoint in
//   amae-convert X.safetensors --list      # names, dtypes, shapes
//
// Reads safetensors or a torch.save checkpoint (its `model` state_dict) and
// writes safetensors with the same names, dtypes and shapes.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/Support/CommandLine.h"
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
cl::opt<bool> list("list", cl::desc("Print each tensor's name, dtype and shape"),
                   cl::cat(category));
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
    if (Error err = amae::writeSafetensors(outputPath, *checkpoint)) {
      WithColor::error(errs(), "amae-convert") << toString(std::move(err)) << "\n";
      return 1;
    }
  }
  return 0;
}
