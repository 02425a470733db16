//===- CpuPasses.td - CPU-specific amae passes --------------*- tablegen -*-===//
//
// Passes that only make sense for the CPU target. Target-independent ones
// live in passes/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CPU_PASSES
#define AMAE_CPU_PASSES

include "mlir/Pass/PassBase.td"

def AmaeCpuParallelLoops : Pass<"amae-cpu-parallel-loops", "mlir::func::FuncOp"> {
  let summary = "Lower large bufferized linalg ops to scf.parallel for the threads";
  let description = [{
    Lowers each bufferized linalg op whose static iteration space holds at
    least `min-iterations` points, and whose outermost loop is parallel, to
    an `scf.parallel` nest over its leading parallel dimensions with `scf.for`
    loops for the rest (`linalg::linalgOpToParallelLoops`); smaller ops are
    left for `convert-linalg-to-loops`, since waking the threads costs more
    than they run. Only the outermost `scf.parallel` of a nest stays
    parallel: an inner one (below a reduction loop) becomes `scf.for`
    loops, so `convert-scf-to-openmp` forks once per kernel, not once per
    iteration. Each parallel iteration computes the same values in the same
    order as the sequential loop, so results are bit-identical.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"32768",
           "Smallest iteration space (all loops) worth running on several threads">
  ];
  let statistics = [
    Statistic<"numParallel", "parallel-ops", "Linalg ops lowered to scf.parallel">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def AmaeCpuEmitCInterface : Pass<"amae-cpu-emit-c-interface", "mlir::ModuleOp"> {
  let summary = "Give every graph MLIR's C interface (the artifact ABI)";
  let description = [{
    Marks each function `llvm.emit_c_interface`, so the LLVM lowering emits
    `_mlir_ciface_<graph>` taking pointers to memref descriptors; the object
    emitter's packed entry point `amae_graph_<graph>(void **)` calls it.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // AMAE_CPU_PASSES
