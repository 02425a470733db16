//===- amae-compile.cpp - Compile a model spec ----------------------------===//
//
//   amae-compile SPEC.yaml --emit=amae [--batch=N] [-o FILE]
//
// Reads a YAML model spec and emits the IR of every graph it lists.
//
//===----------------------------------------------------------------------===//

#include "frontends/spec/EmitGraphs.h"
#include "frontends/spec/ModelSpec.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {
enum class EmitKind { Amae };

cl::OptionCategory category("amae-compile options");
cl::opt<std::string> specPath(cl::Positional, cl::Required,
                              cl::desc("<model spec .yaml>"), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::init("-"), cl::value_desc("file"),
                                cl::desc("Output file ('-' for stdout)"),
                                cl::cat(category));
cl::opt<EmitKind> emit("emit", cl::init(EmitKind::Amae),
                       cl::desc("What to produce"),
                       cl::values(clEnumValN(EmitKind::Amae, "amae",
                                             "the amae-dialect IR of each graph")),
                       cl::cat(category));
cl::opt<int64_t> batch("batch", cl::init(1),
                       cl::desc("Batch size N, fixed at compile time"),
                       cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae model compiler\n");

  if (batch < 1) {
    errs() << "amae-compile: error: --batch must be at least 1, got " << batch
           << "\n";
    return 1;
  }
  std::optional<amae::ModelSpec> spec = amae::parseModelSpecFile(specPath);
  if (!spec)
    return 1;

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      amae::emitGraphs(context, *spec, batch);
  if (failed(mlir::verify(*module))) {
    errs() << specPath << ": internal error: the emitted IR does not verify\n";
    return 1;
  }

  std::error_code ec;
  ToolOutputFile output(outputPath, ec, sys::fs::OF_None);
  if (ec) {
    errs() << outputPath << ": error: " << ec.message() << "\n";
    return 1;
  }
  module->print(output.os());
  output.os() << "\n";
  output.keep();
  return 0;
}
