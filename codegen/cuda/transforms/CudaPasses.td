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

def AmaeCudaLowerAttention : Pass<"amae-cuda-lower-attention", "mlir::ModuleOp"> {
  let summary = "Fused attention, forward and backward, as loop nests with an online softmax";
  let description = [{
    Replaces each bufferized `amae.fused_attention`,
    `amae.fused_attention_grad`, `amae.fused_window_attention` and
    `amae.fused_window_attention_grad` by a call to a function of its own
    (`<graph>_attention<N>`, `<graph>_attention_grad<N>`) holding
    `scf.parallel` loops that `amae-cuda-map-loops` maps to threads like any
    kernel; the score matrix is never written to memory.
    - Forward: one iteration per (batch, head, query row) walks the keys
      once with an online softmax: a running max `m` and sum `l`, the output
      row rescaled by `exp(m_old - m_new)` as the max grows, divided by `l`
      at the end. The output row is accumulated in registers (loop-carried
      values, the head width unrolled) and stored once; the query row, read
      at every key, is loaded once when it is at most `register-width`
      wide. Wider output rows walk the keys once per `register-width`
      columns. The backward's accumulators (`dq`; `dv`, then `dk`, in walks
      of their own) stay in registers the same way, half `register-width`
      at a time where the walk also reads two rows at every step (LLVM
      hoists those into registers too). Shifted-window attention keeps its
      rows the same way.
    - Backward: one iteration per query row recomputes the log-sum-exp,
      then `D = sum_j p dp`, then its row of `dq`; one per key row adds up
      its rows of `dk` and `dv` from `p` and `ds` recomputed with the stored
      log-sum-exp and `D` (two `[N, H, S_q]` buffers), so no two iterations
      write the same element.
    - Shifted-window attention (`amae.fused_window_attention` and its
      backward, `<graph>_window_attention<N>`,
      `<graph>_window_attention_grad<N>`): one iteration per (batch, head,
      window, position), the window partition and cyclic shift folded into
      the token index, the shift mask from the positions' regions, each
      logit (cosine over `max(tau, 0.01)`, plus the position bias and the
      mask) made in registers. The forward is a launch for the q and k
      norms and one for the rows with an online softmax. The backward keeps
      per-row statistics (norms, log-sum-exp, D in `[N, H, L]` buffers) and
      recomputes p: a launch over query rows (dq), one over key rows (dk,
      dv), one over (head, i, j) for the position bias's and tau's sums
      over batch and windows, one adding tau's partial sums per head. No
      buffer of the logits' size `[N, H, nW, P, P]` exists.
  }];
  let options = [
    Option<"registerWidth", "register-width", "int64_t", /*default=*/"64",
           "Floats of a row an attention thread keeps in registers: its "
           "query row when no wider, its accumulators in chunks this wide">
  ];
  let statistics = [
    Statistic<"forward", "forward-attention", "Fused attention forwards lowered">,
    Statistic<"backward", "backward-attention", "Fused attention backwards lowered">,
    Statistic<"windowForward", "forward-window-attention",
              "Fused window attention forwards lowered">,
    Statistic<"windowBackward", "backward-window-attention",
              "Fused window attention backwards lowered">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::memref::MemRefDialect"];
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

def AmaeCudaDeviceConstants : Pass<"amae-cuda-device-constants", "mlir::ModuleOp"> {
  let summary = "Host reads of constants and scalars as the runtime's device copies";
  let description = [{
    Runs on the host functions of a CUDA artifact (after the kernels are
    outlined), whose buffers are device memory at run time: host code may
    allocate, launch and free them, never dereference one. A module pass:
    it declares the runtime functions it calls once in the module.
    - A `memref.global` is host data: a kernel handed its address would
      fault. Each `memref.get_global` is followed by a `memref.alloc` of its
      type, a call to `amae_cuda_upload(dst, src, bytes)` (an asynchronous
      copy on the launches' stream, so after the kernels queued before it),
      and a `memref.dealloc` before the terminator of its block; every other
      use reads the copy. Only static, identity-layout globals are accepted.
    - A `memref.load` (a scalar such as AdamW's learning rate or a bias
      correction a kernel computed) becomes `amae_cuda_read32` or
      `amae_cuda_read64` of the element's address (from
      `memref.extract_strided_metadata` and
      `memref.extract_aligned_pointer_as_index`), which waits for the
      kernels and copies the bytes back, bitcast to the element type.
      Other widths are an error.
    - The kernels run asynchronously, so any `memref.store` or `memref.copy`
      in host code is an error.
  }];
  let statistics = [
    Statistic<"copied", "copied-globals", "Constant global reads given device copies">,
    Statistic<"readBacks", "read-backs", "Host scalar loads turned into copies back">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect"];
}

def AmaeCudaEmulateKernels : Pass<"amae-cuda-emulate-kernels", "mlir::ModuleOp"> {
  let summary = "The GPU kernels as host functions, for testing without a GPU";
  let description = [{
    Each kernel `gpu.func` of the module's `gpu.module`s becomes a
    `func.func` of the same name taking the kernel's arguments and then the
    grid and block sizes; its body runs inside two `scf.for` loops, over
    blocks and over the threads of a block, with `gpu.block_id x` and
    `gpu.thread_id x` the loop indices, `gpu.block_dim x` and
    `gpu.grid_dim x` the sizes, and the y and z indices 0 (sizes 1): the
    one-dimensional launches `amae-cuda-map-loops` makes. Host functions
    are removed. `amae-compile --target=cuda --emulate-kernels` compiles the
    result for the CPU; the tests' fake driver runs it for each launch of a
    real artifact, so its host code is checked end to end on the CPU. A
    kernel of several blocks or with another GPU op (a barrier) is an error.
  }];
  let statistics = [
    Statistic<"emulated", "emulated-kernels", "Kernels given a host form">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // AMAE_CUDA_PASSES
