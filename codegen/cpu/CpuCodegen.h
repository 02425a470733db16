//===- CpuCodegen.h - amae IR to a native shared library --------*- C++ -*-===//
//
// The CPU path: amae -> linalg on tensors -> bufferized loops -> LLVM
// dialect -> LLVM IR -> object -> shared library. The library exports, per
// graph G, `void amae_graph_G(void **args)` (args[i] points at the memref
// descriptor of argument i: inputs, parameters, then outputs, in manifest
// order) and `const char amae_manifest[]`, the manifest JSON.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CODEGEN_CPU_CPUCODEGEN_H
#define AMAE_CODEGEN_CPU_CPUCODEGEN_H

#include "codegen/cpu/CpuOptions.h"
#include "abi/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

namespace llvm {
class Module;
}

#include <functional>

namespace amae {

/// Registers every pass and pipeline the compiler runs (upstream, amae,
/// amae-cpu), so pass-manager flags naming them parse. Idempotent.
void registerCodegenPasses();

/// Runs `pm` on `module` with the pass-manager flags the tool registered
/// (--mlir-print-ir-after=..., --mlir-timing, ...); every target's pipeline
/// runs this way.
mlir::LogicalResult runPassManager(mlir::PassManager &pm, mlir::ModuleOp module);

/// True when this build can link models against OpenBLAS.
bool blasAvailable();
/// True when this build can link models against oneDNN (--gemm=onednn).
bool onednnAvailable();

/// Adds every dialect and interface extension the pipeline uses. A context
/// that runs the pipeline must be created with this registry, so that the
/// bufferization models attach as the dialects load.
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Runs amae-autodiff: every graph with a `loss` output gains `grad.<param>`
/// outputs for its trainable parameters. `recompute` is "activations" (the
/// backward recomputes each GELU's and layer norm's output), "none" or
/// "blocks" (it recomputes each transformer block's forward).
mlir::LogicalResult appendGradients(mlir::ModuleOp module,
                                    llvm::StringRef recompute = "activations");

/// Lowers the amae graphs of `module` to linalg/tensor/arith/math in place
/// (the first stage of the CPU pipeline, with its fusion option).
mlir::LogicalResult lowerToLinalg(mlir::ModuleOp module, const CpuOptions &cpu = {});

/// Lowers the amae graphs of `module` to the LLVM dialect in place. Fails
/// with diagnostics at the offending ops.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const CpuOptions &options = {});

/// Lowers `module` (amae IR) and writes a shared library to `outputPath`
/// carrying `manifest`.
llvm::Error compileToSharedLibrary(mlir::ModuleOp module, const Manifest &manifest,
                                   llvm::StringRef outputPath,
                                   const CpuOptions &options = {});

/// Translates `module` (the LLVM dialect, gpu.binary and gpu.launch_func
/// allowed) to LLVM IR, adds the packed entry points of the manifest's
/// graphs, those `addEntryPoints` makes, and `manifest` (with the CPU and
/// features the code needs), optimises and emits it for `options.cpu` and
/// links it with `linkInputs` into `outputPath`.
llvm::Error linkSharedLibrary(
    mlir::ModuleOp module, const Manifest &manifest, llvm::StringRef outputPath,
    const CpuOptions &options, llvm::ArrayRef<std::string> linkInputs,
    llvm::function_ref<llvm::Error(llvm::Module &)> addEntryPoints = nullptr);

/// What a CPU model built with `options` links: the allocation functions,
/// and with --blas the GEMM and kernel libraries and their threading.
std::vector<std::string> cpuLinkInputs(const CpuOptions &options);

} // namespace amae

#endif // AMAE_CODEGEN_CPU_CPUCODEGEN_H
