//===- KernelOps.td - Destination-style kernels of the lowering -*- tablegen -*-===//
//
// Graph ops (the other files) are values on tensors that autodiff and the
// verifiers reason about. The ops here are what lowering leaves for a
// target to implement as one unit, because no composition of linalg ops
// expresses them without a round trip through memory: they take their
// destination (DPS, as linalg does), so that one-shot bufferization gives
// them buffers, and a target's pass replaces the buffer form. They are made
// after autodiff and are never differentiated.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_KERNEL_OPS
#define AMAE_KERNEL_OPS

include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_FusedAttentionOp : Amae_Op<"fused_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite", "getAliasingValues",
         "bufferize"]>]> {
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
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite", "getAliasingValues",
         "bufferize"]>]> {
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

#endif // AMAE_KERNEL_OPS
