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

#include "runtime/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/Error.h"

#include <functional>

namespace amae {

struct CpuOptions {
  /// The CPU to generate code for: "host", an x86-64 level ("x86-64-v3")
  /// or a CPU name LLVM knows; recorded in the manifest with its features.
  std::string cpu = "host";
  /// LLVM optimisation level. O2 by default: on the naive loop nests O3's
  /// extra unrolling made the tiny pretraining graph compile in 35 s
  /// instead of 14 s for a run-time gain inside the noise (8.0 vs 8.9 ms).
  unsigned optLevel = 2;
  /// Hand matmul-shaped contractions to OpenBLAS (amae-contractions-to-blas).
  bool useBlas = false;
  /// Keep `<output>.o` and `<output>.ll` next to the library.
  bool keepIntermediates = false;
  /// Allocate buffers at first use and free them after last use
  /// (amae-shrink-buffer-lifetimes); off, every buffer lives for the whole
  /// graph (for measuring what the pass saves).
  bool shrinkBufferLifetimes = true;
  /// Warn when a graph's peak buffer memory exceeds this many bytes
  /// (amae-buffer-plan-report); 0 never warns.
  int64_t warnBufferBytes = int64_t(8) << 30;
  /// Run large kernels on several threads (OpenMP, libomp) and GEMMs split
  /// over them; needs the build to have found OpenMP.
  bool threads = false;
  /// Smallest kernel iteration space worth the threads (amae-cpu-parallel-loops).
  int64_t minParallelIterations = 32768;
  /// Called as each phase of compileToSharedLibrary starts ("lower to the
  /// LLVM dialect", "optimise LLVM IR", "emit object code", "link").
  std::function<void(llvm::StringRef)> onPhase = [](llvm::StringRef) {};
};

/// True when this build can link models against OpenBLAS.
bool blasAvailable();

/// Adds every dialect and interface extension the pipeline uses. A context
/// that runs the pipeline must be created with this registry, so that the
/// bufferization models attach as the dialects load.
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Runs amae-autodiff: every graph with a `loss` output gains `grad.<param>`
/// outputs for its trainable parameters. `recompute` is "none" or "blocks"
/// (the backward recomputes each transformer block's forward).
mlir::LogicalResult appendGradients(mlir::ModuleOp module,
                                    llvm::StringRef recompute = "none");

/// Lowers the amae graphs of `module` to linalg/tensor/arith/math in place.
mlir::LogicalResult lowerToLinalg(mlir::ModuleOp module);

/// Lowers the amae graphs of `module` to the LLVM dialect in place. Fails
/// with diagnostics at the offending ops.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const CpuOptions &options = {});

/// Lowers `module` (amae IR) and writes a shared library to `outputPath`
/// carrying `manifest`.
llvm::Error compileToSharedLibrary(mlir::ModuleOp module, const Manifest &manifest,
                                   llvm::StringRef outputPath,
                                   const CpuOptions &options = {});

} // namespace amae

#endif // AMAE_CODEGEN_CPU_CPUCODEGEN_H
