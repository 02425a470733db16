//===- KernelOps.td - Destination-style kernels of the lowering -*- tablegen -*-===//
//
// Graph ops (the other files) are values on tensors that autodiff and the
// verifiers reason about. The ops here are what lowering leaves for a
// target to implement as one unit, because no composition of linalg ops
// expresses them without a round trip through memory: they take their
// destination (DPS, as linalg does), so that one-shot bufferization gives
// them buffers (the one BufferizableOpInterface model of KernelOps.cpp,
// attached to each), and a target's pass replaces the buffer form. They are
// made after autodiff and are never differentiated.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_KERNEL_OPS
#define AMAE_KERNEL_OPS

include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_FusedAttentionOp : Amae_Op<"fused_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "amae.attention as one kernel that writes its destination";
  let description = [{
    `init[n, h] = softmax(scale * q[n, h] k[n, h]^T) v[n, h]`, the semantics
    of `amae.attention`, computed by one kernel so that the score matrix
    never exists whole: the CPU target (`amae-cpu-attention-to-library`)
    runs it in blocks of query rows whose scores stay in cache. `init` is
    only written. On tensors the op returns the new value of `init`; on
    buffers it has no result. `amae-lower-to-linalg{fused-attention}`
    makes it from `amae.attention`.

    Not differentiable: lowering makes it after autodiff; the backward is
    `amae.attention_grad`.

    Constraints:
    - (fused_attention_c1) `q`, `k`, `v`, `init` are all ranked tensors or
      all memrefs, of f32 and rank 4; tensors give one result of `init`'s
      type, memrefs none.
    - (fused_attention_c2) The batch and head dimensions agree.
    - (fused_attention_c3) `q` and `k` have the same head width.
    - (fused_attention_c4) `k` and `v` have the same sequence length.
    - (fused_attention_c5) `scale > 0`.
    - (fused_attention_c6) `init` has shape `[N, H, S_q, E_v]`.

    Example:
    ```mlir
    %o = amae.fused_attention %q, %k, %v into %init {scale = 2.500000e-01 : f32}
        : tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>
          into tensor<2x4x7x16xf32> -> tensor<2x4x7x16xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$q, AnyShaped:$k, AnyShaped:$v, AnyShaped:$init,
                       F32Attr:$scale);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `into` $init attr-dict `:` type($q) `,` type($k) `,` type($v)
    `into` type($init) (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}

def Amae_FusedAttentionGradOp : Amae_Op<"fused_attention_grad", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "amae.attention_grad as one kernel that writes its destinations";
  let description = [{
    `dq`, `dk`, `dv` of `amae.attention_grad` (p recomputed, `dv = p^T dout`,
    `ds = p (dp - rowsum(dp p)) scale` with `dp = dout v^T`, `dq = ds k`,
    `dk = ds^T q`) into `dq_init`, `dk_init`, `dv_init`, which are only
    written. The CPU kernel walks each (batch, head) in blocks of query
    rows: a block's p and ds stay in cache, and its share of `dk` and `dv`
    is added to theirs. `amae-lower-to-linalg{fused-attention}` makes it
    from `amae.attention_grad`.

    Not differentiable: lowering makes it after autodiff; training needs no
    second derivatives.

    Constraints:
    - (fused_attention_grad_c1) The seven operands are all ranked tensors or
      all memrefs, of f32 and rank 4; tensors give three results of the
      inits' types, memrefs none.
    - (fused_attention_grad_c2) The batch and head dimensions agree.
    - (fused_attention_grad_c3) `q` and `k` have the same head width.
    - (fused_attention_grad_c4) `k` and `v` have the same sequence length.
    - (fused_attention_grad_c5) `scale > 0`.
    - (fused_attention_grad_c6) `dout` has shape `[N, H, S_q, E_v]`, and
      `dq_init`, `dk_init`, `dv_init` the shapes of `q`, `k`, `v`.

    Example:
    ```mlir
    %dq, %dk, %dv = amae.fused_attention_grad %q, %k, %v, %dout
        into %dq0, %dk0, %dv0 {scale = 2.500000e-01 : f32}
        : tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>,
          tensor<2x4x7x16xf32>
          into tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>
          -> tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$q, AnyShaped:$k, AnyShaped:$v, AnyShaped:$dout,
                       AnyShaped:$dq_init, AnyShaped:$dk_init, AnyShaped:$dv_init,
                       F32Attr:$scale);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout `into` $dq_init `,` $dk_init `,` $dv_init attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($dout) `into` type($dq_init) `,`
    type($dk_init) `,` type($dv_init) (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), 4, 3);
    }
  }];
  let hasVerifier = 1;
}

def Amae_FusedWindowAttentionOp : Amae_Op<"fused_window_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "amae.window_attention as one kernel that writes its destination";
  let description = [{
    The semantics of `amae.window_attention` (cosine attention inside each
    shifted window, `max(tau, 0.01)`, the position bias and the shift mask
    added to the logits) written into `init`, in token order, by one kernel:
    the window partition and the cyclic shift are index arithmetic, the
    shift mask is computed from each position's region, and no logit or
    probability is stored. The CUDA target (`amae-cuda-lower-attention`)
    runs one thread per query row with an online softmax.
    `amae-lower-to-linalg{fused-window-attention}` makes it from
    `amae.window_attention`. `init` is only written.

    Not differentiable: lowering makes it after autodiff; the backward is
    `amae.window_attention_grad`.

    Constraints:
    - (fused_window_attention_c1) `q`, `k`, `v`, `init` (rank 4), `tau`
      (rank 1) and `pos_bias` (rank 2) are all f32 ranked tensors or all
      memrefs; tensors give one result of `init`'s type, memrefs none.
    - (fused_window_attention_c2) `q`, `k` and `v` have the same shape
      `[N, H, L, E]`.
    - (fused_window_attention_c3) `grid` holds two positive sizes and
      `L == T * F`.
    - (fused_window_attention_c4) `window` holds two positive sizes that
      divide the grid.
    - (fused_window_attention_c5) `shift` holds two sizes with
      `0 <= shift < window`.
    - (fused_window_attention_c6) `tau` has shape `[H]`.
    - (fused_window_attention_c7) `pos_bias` has shape `[P * P, H]`,
      `P = wt * wf`.
    - (fused_window_attention_c8) `init` has the shape of `q`.

    Example:
    ```mlir
    %o = amae.fused_window_attention %q, %k, %v, %tau, %bias into %init
        {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
        : tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
          tensor<4xf32>, tensor<256x4xf32> into tensor<2x4x32x8xf32> -> tensor<2x4x32x8xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$q, AnyShaped:$k, AnyShaped:$v, AnyShaped:$tau,
                       AnyShaped:$pos_bias, AnyShaped:$init, DenseI64ArrayAttr:$grid,
                       DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$shift);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $tau `,` $pos_bias `into` $init attr-dict `:` type($q) `,`
    type($k) `,` type($v) `,` type($tau) `,` type($pos_bias) `into` type($init)
    (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}

def Amae_FusedWindowAttentionGradOp : Amae_Op<"fused_window_attention_grad", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "amae.window_attention_grad as one kernel that writes its destinations";
  let description = [{
    The gradients of `amae.window_attention_grad` (of `q`, `k`, `v`, `tau`
    and `pos_bias`) into `dq_init`, `dk_init`, `dv_init`, `dtau_init` and
    `dbias_init`, which are only written. The CUDA target recomputes the
    logits and probabilities wherever it needs them from per-row
    statistics (the norms, the log-sum-exp and `D = sum_j p dp`): one pass
    over query rows gives `dq`, one over key rows `dk` and `dv`, one over
    (head, i, j) the position bias's and `tau`'s sums over batch and
    windows, so that no thread adds into what another writes and nothing
    of size `[N, H, nW, P, P]` exists. `amae-lower-to-linalg{fused-window-
    attention}` makes it from `amae.window_attention_grad`.

    Not differentiable: lowering makes it after autodiff; training needs no
    second derivatives.

    Constraints:
    - (fused_window_attention_grad_c1) `q`, `k`, `v`, `dout`, `dq_init`,
      `dk_init`, `dv_init` (rank 4), `tau`, `dtau_init` (rank 1),
      `pos_bias` and `dbias_init` (rank 2) are all f32 ranked tensors or all
      memrefs; tensors give five results of the inits' types, memrefs none.
    - (fused_window_attention_grad_c2) `q`, `k`, `v` and `dout` have the
      same shape `[N, H, L, E]`.
    - (fused_window_attention_grad_c3) `grid` holds two positive sizes and
      `L == T * F`.
    - (fused_window_attention_grad_c4) `window` holds two positive sizes
      that divide the grid.
    - (fused_window_attention_grad_c5) `shift` holds two sizes with
      `0 <= shift < window`.
    - (fused_window_attention_grad_c6) `tau` has shape `[H]`.
    - (fused_window_attention_grad_c7) `pos_bias` has shape `[P * P, H]`,
      `P = wt * wf`.
    - (fused_window_attention_grad_c8) Each destination has the shape of
      the operand it is the gradient of: `dq_init` of `q`, ..., `dbias_init`
      of `pos_bias`.

    Example:
    ```mlir
    %dq, %dk, %dv, %dtau, %dbias = amae.fused_window_attention_grad
        %q, %k, %v, %tau, %bias, %dout into %dq0, %dk0, %dv0, %dtau0, %dbias0
        {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
        : tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>,
          tensor<256x4xf32>, tensor<2x4x32x8xf32>
          into tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
          tensor<4xf32>, tensor<256x4xf32>
          -> tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
          tensor<4xf32>, tensor<256x4xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$q, AnyShaped:$k, AnyShaped:$v, AnyShaped:$tau,
                       AnyShaped:$pos_bias, AnyShaped:$dout, AnyShaped:$dq_init,
                       AnyShaped:$dk_init, AnyShaped:$dv_init, AnyShaped:$dtau_init,
                       AnyShaped:$dbias_init, DenseI64ArrayAttr:$grid,
                       DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$shift);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $tau `,` $pos_bias `,` $dout `into` $dq_init `,` $dk_init `,`
    $dv_init `,` $dtau_init `,` $dbias_init attr-dict `:` type($q) `,` type($k) `,`
    type($v) `,` type($tau) `,` type($pos_bias) `,` type($dout) `into` type($dq_init) `,`
    type($dk_init) `,` type($dv_init) `,` type($dtau_init) `,` type($dbias_init)
    (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), 6, 5);
    }
  }];
  let hasVerifier = 1;
}

#endif // AMAE_KERNEL_OPS
