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

def AmaeCpuVectorize : Pass<"amae-cpu-vectorize", "mlir::func::FuncOp"> {
  let summary = "Bufferized elementwise kernels and row reductions on vector<NxT>";
  let description = [{
    Each bufferized `linalg.generic` with static shapes whose innermost loop
    walks every operand it indexes along the operand's contiguous last
    dimension, and whose body holds only elementwise scalar ops, becomes
    loops over its other dimensions around a loop over chunks of
    `vector-size` lanes: operands read with `vector.transfer_read` (the
    same scalar, loaded once, for an operand the innermost loop does not
    index), the body's ops applied to vectors, outputs written with
    `vector.transfer_write`; a last partial chunk is masked. When the
    innermost loop is a reduction with one output (`out = combiner(x, out)`,
    combiner addf, mulf or a float max/min: the sums of a layer norm, the max
    and sum of a softmax) the pass keeps one partial result per lane and
    combines the lanes with `vector.reduction` once per row, which LLVM's
    loop vectorizer may not do (it would reassociate float sums): such a sum
    adds in a different order than the scalar loop, within a few ulp. When
    the op holds at least `min-iterations` points (0: never) and is not
    inside a parallel loop already, its leading parallel loops become one
    `scf.parallel` for the threads, as `amae-cpu-parallel-loops` would make
    them. Other ops (fills, copies, transposes, gathers) are left as they are.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"16",
           "Lanes per vector (16: one AVX-512 register of f32)">,
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"0",
           "Smallest iteration space run on several threads (0: no threads)">
  ];
  let statistics = [
    Statistic<"numVectorized", "vectorized-ops", "Linalg ops rewritten on vectors">,
    Statistic<"numRowReductions", "row-reductions", "Of those, row reductions with lane partials">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect", "mlir::vector::VectorDialect"];
}

def AmaeCpuAttentionToLibrary : Pass<"amae-cpu-attention-to-library", "mlir::ModuleOp"> {
  let summary = "Replace bufferized fused attention ops by calls of the attention kernels";
  let description = [{
    Each `amae.fused_attention` on buffers becomes a call of `amae_attention`
    (kernels/CpuKernels.c) with rank-4 strided views of q, k, v and the
    destination. The kernel shares (batch, head, block of query rows) tiles
    out over the threads; each computes its block's scores with one GEMM into
    a buffer that stays in cache, the softmax of those rows in place, and
    their output rows with a second GEMM: the score matrix is never written
    to memory whole, as the linalg lowering of `amae.attention` writes it
    (and reads it four times). An operand whose innermost stride is not 1
    is first copied to a contiguous buffer, a destination written back
    through one.

    Each `amae.fused_attention_grad` becomes a call of `amae_attention_grad`,
    which walks one (batch, head) per thread in the same blocks of query
    rows: it recomputes a block's probabilities, adds the block's share of
    `dv` (`p^T dout`) and `dk` (`ds^T q`), and writes its rows of `dq`
    (`ds k`); p and ds never exist whole.

    A `linalg.transpose` that only copies an operand into place (the heads
    split off the qkv buffer, or merged back from the output) and keeps the
    innermost dimension innermost is folded away: the call gets a
    `memref.transpose` view of the copy's source or destination instead, so
    base inference writes and reads four buffers fewer per block.
  }];
  let options = [
    Option<"blockRows", "block-rows", "int64_t", /*default=*/"0",
           "Query rows per block of the attention kernels: a multiple of 8 (0: as many "
           "as keep a block's scores within 64 Ki floats, 8 to 128)">
  ];
  let statistics = [
    Statistic<"numCalls", "attention-calls", "amae.fused_attention ops replaced by calls">,
    Statistic<"numGradCalls", "attention-grad-calls",
              "amae.fused_attention_grad ops replaced by calls">,
    Statistic<"numFoldedTransposes", "folded-transposes",
              "Transposes of operands folded into the calls' views">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def AmaeCpuInterchange : Pass<"amae-cpu-interchange", "mlir::func::FuncOp"> {
  let summary = "Walk reductions along contiguous memory; share column sums over threads";
  let description = [{
    A bufferized `linalg.generic` with a reduction whose largest operand's
    contiguous (last) dimension is not the innermost loop walks memory with a
    stride: a bias gradient `db[j] = sum_i dy[i][j]` lowers to a loop over `j`
    with a strided inner loop over `i`, which neither vectorizes nor uses the
    cache lines it loads. This pass makes that dimension the innermost loop
    (`linalg::interchangeGenericOp`); the accumulation order of each output
    element stays the same (reduction loops keep their relative order), so
    results are bit-identical. The outermost loop is then a reduction, which
    `amae-cpu-parallel-loops` cannot share out: when the op holds at least
    `parallel-min-iterations` points (0: never), its contiguous parallel
    dimension is first tiled into an `scf.parallel` of column strips, about 64
    of them, each at least one 16-float vector wide.
  }];
  let options = [
    Option<"parallelMinIterations", "parallel-min-iterations", "int64_t", /*default=*/"0",
           "Smallest op whose column strips run on the threads (0: no threads)">
  ];
  let statistics = [
    Statistic<"numInterchanged", "interchanged-ops", "Reductions given a contiguous inner loop">,
    Statistic<"numStripped", "parallel-strips", "Of those, tiled into parallel column strips">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect", "mlir::affine::AffineDialect"];
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

def AmaeCpuVectorWidth : Pass<"amae-cpu-vector-width", "mlir::ModuleOp"> {
  let summary = "Set the vector width LLVM's vectorizers prefer in every function";
  let description = [{
    Adds `prefer-vector-width` to the `passthrough` attributes of every
    `llvm.func` with a body, which the X86 backend reads per function: the
    loop and SLP vectorizers then use registers of `width` bits. LLVM's
    default for most Intel AVX-512 CPUs is 256 (wide vectors lower the clock
    on older parts); for our memory-bound kernels 512 may win, which is what
    `amae-tune` measures. 0 leaves the target's preference.
  }];
  let options = [
    Option<"width", "width", "unsigned", /*default=*/"0",
           "Preferred vector width in bits: 128, 256, 512, or 0 for the target's default">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // AMAE_CPU_PASSES
