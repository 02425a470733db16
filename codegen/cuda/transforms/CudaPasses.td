//===- CudaPasses.td - CUDA-specific amae passes -------------*- tablegen -*-===//
//
// Passes that only make sense for the CUDA target; it starts from the same
// outlined kernels as the CPU target (passes/Pipelines.h).
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_CUDA_PASSES
#define AMAE_CUDA_PASSES

include "mlir/Pass/PassBase.td"

def AmaeCudaMapLoops : Pass<"amae-cuda-map-loops", "mlir::func::FuncOp"> {
  let summary = "Map each kernel's parallel loop nest to GPU blocks and threads";
  let description = [{
    Runs on the kernels `amae-outline-kernels` made, after
    `convert-linalg-to-parallel-loops`. Each top-level `scf.parallel` is
    collapsed to one dimension (its iteration space, row-major), tiled by
    `block-size` and mapped: the tiles to `block_x`, the iterations of a
    tile to `thread_x` (a guard skips the tail of the last tile). The loops
    inside an iteration (reductions) stay sequential in its thread, so each
    output element is computed in the CPU target's order. A kernel with no
    parallel loop (a reduction to a scalar) runs as one thread of one block.
    `convert-parallel-loops-to-gpu` then turns the mapped loops into
    `gpu.launch`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">
  ];
  let statistics = [
    Statistic<"mapped", "mapped-loops", "Parallel loops mapped to blocks and threads">,
    Statistic<"serial", "serial-kernels", "Kernels without a parallel loop, run on one thread">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::gpu::GPUDialect",
                           "mlir::arith::ArithDialect"];
}

def AmaeCudaMergeGpuModules : Pass<"amae-cuda-merge-gpu-modules", "mlir::ModuleOp"> {
  let summary = "Put every outlined GPU kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per launch. This pass
    moves every `gpu.func` into one module, `@amae_kernels`, and points each
    `gpu.launch_func` at it, so the artifact carries one PTX module (one
    `cuModuleLoadData`), and `--emit=ptx` writes one file that `ptxas`
    checks whole.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // AMAE_CUDA_PASSES
