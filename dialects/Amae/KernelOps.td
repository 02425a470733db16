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

#endif // AMAE_KERNEL_OPS
