//===- Passes.td - amae passes ------------------------------*- tablegen -*-===//

#ifndef AMAE_PASSES
#define AMAE_PASSES

include "mlir/Pass/PassBase.td"

def AmaeLowerToLinalg : Pass<"amae-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower every amae op to linalg, tensor, arith and math";
  let description = [{
    Rewrites each amae op into structured ops on tensors: contractions
    (linear, patch embedding, attention) and reductions (layer norm, softmax,
    losses) become `linalg.generic`, reshapes become `tensor` reshapes and
    `linalg.transpose`, masking becomes index arithmetic in `linalg.generic`
    bodies. The decoder's shifted-window attention is lowered fused: the
    cyclic shift and window partition are folded into the indexing of the
    gathers, never materialised as rolled copies.

    This is a full conversion of the amae dialect: an amae op without a
    lowering makes the pass fail with its location. The amae ops it may
    leave are `amae.fused_attention` and `amae.fused_attention_grad`, with
    `fused-attention`, and `amae.fused_window_attention` and
    `amae.fused_window_attention_grad`, with `fused-window-attention`, for a
    target that implements them as kernels.
  }];
  let options = [
    Option<"fusedAttention", "fused-attention", "bool", /*default=*/"false",
           "Lower amae.attention and amae.attention_grad to amae.fused_attention "
           "and amae.fused_attention_grad (kernels a target implements) instead "
           "of contractions around a softmax">,
    Option<"fusedWindowAttention", "fused-window-attention", "bool", /*default=*/"false",
           "Lower amae.window_attention and amae.window_attention_grad to "
           "amae.fused_window_attention and amae.fused_window_attention_grad "
           "(kernels a target implements) instead of linalg in window order">,
    Option<"biasEpilogue", "bias-epilogue", "bool", /*default=*/"false",
           "Add the bias of linear and patch_embed after the matmul, as an "
           "elementwise op that fusion folds into the next one, instead of "
           "starting the matmul from it">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
}

def AmaeFuseElementwise : Pass<"amae-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg.generic producers into their consumers";
  let description = [{
    Runs upstream's elementwise fusion (producer `linalg.generic` with only
    parallel loops into the generic that reads it, on tensors) under amae's
    cost rule, so that a layer norm or a softmax is a few passes over memory
    instead of one per step:

    - contractions (matmul-shaped generics, and generics with more than one
      reduction loop such as the patch embedding) are never fused into:
      `amae-contractions-to-blas` must still recognise them;
    - a producer whose body is cheap (at most four adds, multiplies,
      compares or selects) and whose every user can take it is cloned for
      each user first, so that `x - mean` is recomputed in the variance and
      the normalisation instead of stored;
    - any other producer fuses only into its single user, and only where
      that user reads it without broadcasting (an `exp` is not recomputed
      for every element of a row);
    - reshapes are not propagated (that would reshape the contractions).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def AmaeBufferize : Pass<"amae-bufferize", "mlir::ModuleOp"> {
  let summary = "One-shot bufferization across function boundaries, arguments read-only";
  let description = [{
    Bufferizes every graph with identity-layout function boundaries. Each
    graph argument (an input or a bound parameter, owned by the caller) is
    marked non-writable first, so a graph that would update one in place
    copies it instead; copies are `linalg.copy`, so they lower to loops like
    everything else. Shared by every target's pipeline.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect", "mlir::linalg::LinalgDialect"];
}

def AmaeOutlineKernels : Pass<"amae-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outline each bufferized linalg op of a graph into a function";
  let description = [{
    After bufferization a graph is one function holding hundreds of loop
    nests, and LLVM's loop passes (IndVarSimplify above all) scale badly
    with function size: the tiny pretraining graph took a minute at -O3.
    This pass moves every top-level `linalg` op of each public function into
    its own private function `<graph>_k<N>_<op>`, marked `noinline`, so LLVM
    optimises many small functions instead of one huge one. It also gives
    profiles one symbol per kernel.

    With `copies`, each top-level `memref.copy` of a graph (the copies into
    out-parameters) first becomes a `linalg.copy` and is outlined too: for
    a target whose host code must not touch the buffers (CUDA, where the
    kernels run asynchronously on the device).
  }];
  let options = [
    Option<"copies", "copies", "bool", /*default=*/"false",
           "Outline memref.copy ops as linalg.copy kernels too">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::linalg::LinalgDialect"];
}

def AmaeDedupKernels : Pass<"amae-dedup-kernels", "mlir::ModuleOp"> {
  let summary = "Merge outlined kernels that are the same function";
  let description = [{
    The twelve encoder blocks of the base model, the sixteen decoder
    blocks, their gradients and the AdamW updates of parameters of one
    shape outline into kernels that differ only in name: same types, same
    body, the weights passed as arguments. This pass keeps the first of
    each such group (compared as printed IR, without locations), points
    every call at it and erases the rest, so LLVM optimises and emits each
    distinct kernel once. Run after `amae-outline-kernels`.
  }];
  let statistics = [
    Statistic<"kernels", "kernels", "Outlined kernels seen">,
    Statistic<"merged", "merged", "Kernels replaced by an identical one">
  ];
}

def AmaeShrinkBufferLifetimes : Pass<"amae-shrink-buffer-lifetimes", "mlir::func::FuncOp"> {
  let summary = "Allocate buffers at their first use and free them after their last";
  let description = [{
    Bufferization hoists every static allocation to the top of a graph and
    the deallocation pipeline frees each buffer at the end of the function,
    so every intermediate of a graph is live at once: a training step's
    peak memory is the sum of all its activations, gradients and
    temporaries. In the straight-line body of a graph this pass moves each
    `memref.alloc` down to just before the first op that uses the buffer and
    each `memref.dealloc` up to just after the last op that uses the buffer
    or any view of it (an op taking it and returning a memref is taken to
    alias it, conservatively). Peak memory becomes the largest set of
    simultaneously live buffers, which is what makes recomputation
    (`amae-autodiff{recompute=blocks}`) trade time for memory.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def AmaeBufferPlanReport : Pass<"amae-buffer-plan-report", "mlir::func::FuncOp"> {
  let summary = "Measure each graph's peak buffer memory; warn above a size";
  let description = [{
    Walks a bufferized graph in program order, adding each static
    `memref.alloc` to the live total and subtracting it at its
    `memref.dealloc`, and records the peak (an upper bound where both arms
    of a branch allocate). Above `warn-bytes` the pass emits a warning at
    the function that states the peak, so a spec that would need more memory
    than a machine has is flagged when it is compiled rather than when it
    crashes a run. The peak is also a pass statistic. Dynamic-sized
    allocations are counted as unknown and mentioned in the warning.
  }];
  let options = [
    Option<"warnBytes", "warn-bytes", "int64_t", /*default=*/"int64_t(8) << 30",
           "Warn when a graph's peak buffer memory exceeds this many bytes (0: never)">
  ];
  let statistics = [
    Statistic<"peakBytes", "peak-bytes", "Largest peak buffer memory of a graph, in bytes">,
    Statistic<"graphsOverLimit", "graphs-over-limit", "Graphs whose peak exceeds warn-bytes">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def AmaeStaticBufferPlan : Pass<"amae-static-buffer-plan", "mlir::func::FuncOp"> {
  let summary = "Place a graph's buffers at offsets in one arena, decided at compile time";
  let description = [{
    After `amae-shrink-buffer-lifetimes` each buffer of a graph's
    straight-line body lives from its `memref.alloc` to its `memref.dealloc`.
    This pass gives every such buffer (static shape, identity layout, freed
    once in the body and by nothing else) a byte offset in one arena: buffers
    are placed largest first, each at the lowest 64-byte-aligned offset that
    overlaps no placed buffer whose lifetime overlaps its own, so buffers
    that are never live together share memory. Each alloc becomes a
    `memref.view` of the arena and its dealloc disappears; the arena is one
    allocation at the top of the graph, freed before it returns. A run then
    allocates once instead of once per intermediate, and its peak memory is
    the arena, not the live buffers plus whatever the allocator keeps of
    those already freed. Buffers inside loops or branches, dynamic-sized
    ones and those that escape keep their own allocations.
  }];
  let statistics = [
    Statistic<"numPlanned", "planned-buffers", "Buffers placed in an arena">,
    Statistic<"arenaBytes", "arena-bytes",
              "Largest arena of a graph, in bytes (amae-buffer-plan-report's "
              "peak-bytes is its live peak)">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def AmaeContractionsToBlas : Pass<"amae-contractions-to-blas", "mlir::ModuleOp"> {
  let summary = "Hand bufferized matmul-shaped contractions to a BLAS";
  let description = [{
    Rewrites each `linalg.generic` on memrefs that computes
    `C[b..., i, j] += sum_k A[b..., i, k] * B[b..., j, k]` (B transposed, as
    `amae.linear` and q k^T lower), `... * B[b..., k, j]` (as softmax(.) v
    lowers) or with `A[b..., k, i]` (the weight gradients of the backward)
    into one call of `amae_gemm(A, B, C, trans)` on rank-3 views
    (batch dims collapsed), which the CPU runtime implements with
    `cblas_sgemm`. Contractions whose views cannot be formed without copies
    (non-collapsible batch dims, non-unit inner strides) stay as loops.

    This is the library-call lowering the design allows for the large
    matmuls; `amae-compile --blas=false` keeps the pure loop lowering.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect"];
}

def AmaeApproximateMath : Pass<"amae-approximate-math"> {
  let summary = "Polynomial approximations of erf, exp and log";
  let description = [{
    Replaces `math.erf`, `math.exp` and `math.log` with MLIR's polynomial
    approximations so that GELU and softmax vectorize instead of calling
    scalar libm functions. The approximations are within a few ulp, far
    inside the 1e-4 tolerance against the official model (checked by the
    golden integration tests, which compile with this pass).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def AmaeAutodiff : Pass<"amae-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode autodiff of training graphs";
  let description = [{
    For every graph with an output named `loss`, builds the backward graph
    by composing the ops' vector-Jacobian products
    (`DifferentiableOpInterface`, attached by `registerVjpExternalModels`)
    in reverse order, summing the cotangents of values used more than once,
    and appends an output `grad.<name>` for every trainable parameter (the
    `amae.frozen` position tables excluded). A parameter the loss does not
    depend on gets a zero gradient. An op on the path to the loss without a
    VJP is an error at its location.

    Ops with VJPs: linear, gelu, relu, layer_norm, add_position,
    prepend_token, split_qkv, attention and window_attention (both
    recomputing the probabilities instead of storing them), merge_heads,
    mean_pool, bce_with_logits, masked_mse_loss, unshuffle, random_masking,
    time_freq_masking, patch_embed, dropout, drop_path, plus `arith.addf`
    and `tensor.extract_slice`. An operand without a gradient that depends
    on a trained parameter is an error.

    With `recompute=blocks`, the backward of each transformer block
    (`blocks.N.*`, `decoder_blocks.N.*`, told by the ops' name locations)
    does not read the block's forward intermediates: the block's forward is
    cloned just before its backward, fed from the stored block input, and
    the VJPs use the clones. Only block inputs stay live between the forward
    and the backward; with `amae-shrink-buffer-lifetimes` the forward
    intermediates are freed as soon as the forward has used them. The
    clones read the block input through `x + 0.0` (exact), so CSE cannot
    fold them back into the forward. Gradients are bit-identical.

    With `recompute=activations`, only each GELU's and layer norm's output
    is recomputed: the backward reads it (for the next linear's weight
    gradient) from the same op on the stored input placed before its first
    backward use, so the forward's copy (for a GELU, an MLP's largest
    activation) dies once the forward has used it. A layer norm's input is
    stored anyway, for the norm's own gradient. One pass per GELU and per
    norm; gradients are bit-identical.
  }];
  let options = [
    Option<"recompute", "recompute", "std::string", /*default=*/"\"none\"",
           "What the backward recomputes instead of storing: none, activations or blocks">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
                           "mlir::math::MathDialect", "mlir::tensor::TensorDialect"];
}

#endif // AMAE_PASSES
