//===- AttentionOps.td - Global and shifted-window attention -*- tablegen -*-===//
//
// The encoder uses plain multi-head attention; the decoder uses the patched
// Swin-V2-CR block of AudioMAE: cyclic shift, window partition, scaled cosine
// attention with a learned per-head temperature, a continuous relative
// position bias from a meta-MLP, and a -100 shift mask. The fused ops carry
// everything so passes can fold shift/partition into indexing; the decomposed
// pieces (cyclic_shift, window_partition, window_reverse, shift_mask,
// log_relative_coords) exist for lowering and for testing the pieces.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_ATTENTION_OPS
#define AMAE_ATTENTION_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_SplitQkvOp : Amae_Op<"split_qkv", [Pure]> {
  let summary = "Split a fused qkv projection into per-head q, k and v";
  let description = [{
    `(N, S, 3 H E) -> 3 x (N, H, S, E)`: columns `[q | k | v]`, each split
    into `H` heads of `E` contiguous features, as timm's
    `qkv.reshape(B, N, 3, H, E).permute(2, 0, 3, 1, 4)`.

    Constraints:
    - (split_qkv_c1) `input` has rank 3 and `heads > 0`.
    - (split_qkv_c2) `input.dim(2)` is a multiple of `3 * heads`.
    - (split_qkv_c3) `q`, `k`, `v` have shape `[N, H, S, E]`.

    Example:
    ```mlir
    %q, %k, %v = amae.split_qkv %qkv {heads = 4 : i64}
        : (tensor<2x7x192xf32>)
        -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, I64Attr:$heads);
  let results = (outs Amae_F32Tensor:$q, Amae_F32Tensor:$k, Amae_F32Tensor:$v);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "int64_t":$heads)>];
  let hasVerifier = 1;
}

def Amae_MergeHeadsOp : Amae_Op<"merge_heads", [Pure]> {
  let summary = "Concatenate attention heads back into tokens";
  let description = [{
    `(N, H, S, E) -> (N, S, H E)`, heads in order.

    Constraints:
    - (merge_heads_c1) `input` has rank 4.
    - (merge_heads_c2) The result has shape `[N, S, H E]`.

    Example:
    ```mlir
    %y = amae.merge_heads %o : (tensor<2x4x7x16xf32>) -> tensor<2x7x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input)>];
  let hasVerifier = 1;
}

def Amae_AttentionOp : Amae_Op<"attention", [Pure]> {
  let summary = "Multi-head scaled dot-product attention";
  let description = [{
    `result[n, h] = softmax(scale * q[n, h] k[n, h]^T) v[n, h]`, softmax over
    keys. The encoder uses `scale = E^-1/2`. No mask, no bias.

    Constraints:
    - (attention_c1) `q`, `k`, `v` have rank 4.
    - (attention_c2) The batch and head dimensions agree.
    - (attention_c3) `q` and `k` have the same head width.
    - (attention_c4) `k` and `v` have the same sequence length.
    - (attention_c5) `scale > 0`.
    - (attention_c6) The result has shape `[N, H, S_q, E_v]`.

    Example:
    ```mlir
    %o = amae.attention %q, %k, %v {scale = 2.500000e-01 : f32}
        : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
        -> tensor<2x4x7x16xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$q, Amae_F32Tensor:$k, Amae_F32Tensor:$v,
                       F32Attr:$scale);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat =
      "$q `,` $k `,` $v attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$q, "::mlir::Value":$k,
                                 "::mlir::Value":$v, "float":$scale)>];
  let hasVerifier = 1;
}

def Amae_WindowAttentionOp : Amae_Op<"window_attention", [Pure]> {
  let summary = "AudioMAE's shifted-window scaled cosine attention";
  let description = [{
    Self-attention inside windows of the token grid, as the official
    `WindowMultiHeadAttention` of the patched Swin block computes it, with q,
    k, v given in token order (the per-token qkv projection commutes with the
    shift and partition). For `grid = [T, F]`, `window = [wt, wf]`,
    `shift = [st, sf]`:
    1. roll the grid by `(-st, -sf)`, partition into `(T/wt)(F/wf)` windows of
       `P = wt wf` tokens (window-local index `r wf + c`);
    2. `logit[h, i, j] = (q_i . k_j) / max(|q_i| |k_j|, 1e-6) / max(tau_h, 0.01)
       + pos_bias[i P + j, h] + M[w, i, j]`, where `M` is `amae.shift_mask`
       (0 or -100; all zero when the shift is zero);
    3. softmax over `j`, weighted sum of `v`, then reverse partition and roll.

    `pos_bias` is the meta-MLP output for `amae.log_relative_coords`, one row
    per (i, j) pair, i-major.

    Constraints:
    - (window_attention_c1) `q`, `k`, `v` have rank 4 and the same shape
      `[N, H, L, E]`.
    - (window_attention_c2) `grid` holds two positive sizes and
      `L == T * F`.
    - (window_attention_c3) `window` holds two positive sizes that divide
      the grid.
    - (window_attention_c4) `shift` holds two sizes with `0 <= shift < window`.
    - (window_attention_c5) `tau` has shape `[H]`.
    - (window_attention_c6) `pos_bias` has shape `[P * P, H]`, `P = wt * wf`.
    - (window_attention_c7) The result type is the type of `q`.

    Example:
    ```mlir
    %o = amae.window_attention %q, %k, %v, %tau, %bias
        {grid = array<i64: 8, 4>, window = array<i64: 4, 4>,
         shift = array<i64: 2, 0>}
        : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
           tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$q, Amae_F32Tensor:$k, Amae_F32Tensor:$v,
                       Amae_F32Tensor:$tau, Amae_F32Tensor:$pos_bias,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$shift);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$q `,` $k `,` $v `,` $tau `,` $pos_bias attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Amae_AttentionGradOp : Amae_Op<"attention_grad", [Pure,
    AllTypesMatch<["q", "dq"]>, AllTypesMatch<["k", "dk"]>, AllTypesMatch<["v", "dv"]>]> {
  let summary = "The backward of amae.attention";
  let description = [{
    Given the forward's operands and the cotangent `dout` of its result,
    `dq`, `dk`, `dv` with `p = softmax(scale q k^T)` recomputed:
    `dv = p^T dout`, `dp = dout v^T`, `ds = p (dp - rowsum(dp p)) scale`,
    `dq = ds k`, `dk = ds^T q`. The VJP of `amae.attention` emits it, so
    every target lowers the backward from one op.

    Not differentiable: a backward op; training needs no second derivatives.

    Constraints:
    - (attention_grad_c1) `q`, `k`, `v`, `dout` have rank 4.
    - (attention_grad_c2) The batch and head dimensions agree.
    - (attention_grad_c3) `q` and `k` have the same head width.
    - (attention_grad_c4) `k` and `v` have the same sequence length.
    - (attention_grad_c5) `scale > 0`.
    - (attention_grad_c6) `dout` has the forward result's shape
      `[N, H, S_q, E_v]`.

    Example:
    ```mlir
    %dq, %dk, %dv = amae.attention_grad %q, %k, %v, %dout {scale = 2.500000e-01 : f32}
        : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>,
           tensor<2x4x7x16xf32>)
        -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$q, Amae_F32Tensor:$k, Amae_F32Tensor:$v,
                       Amae_F32Tensor:$dout, F32Attr:$scale);
  let results = (outs Amae_F32Tensor:$dq, Amae_F32Tensor:$dk, Amae_F32Tensor:$dv);
  let assemblyFormat =
      "$q `,` $k `,` $v `,` $dout attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Amae_WindowAttentionGradOp : Amae_Op<"window_attention_grad", [Pure,
    AllTypesMatch<["q", "dq"]>, AllTypesMatch<["k", "dk"]>, AllTypesMatch<["v", "dv"]>,
    AllTypesMatch<["tau", "dtau"]>, AllTypesMatch<["pos_bias", "dpos_bias"]>]> {
  let summary = "The backward of amae.window_attention";
  let description = [{
    Given the forward's operands and attributes and the cotangent `dout` of
    its result, the gradients of `q`, `k`, `v`, `tau` and `pos_bias`, with
    the forward's norms, cosines and probabilities recomputed in window
    order (the shift and partition folded into indexing as in the forward).
    `tau` gets nothing where it is clamped at 0.01, and a cosine nothing
    through its norms where `|q||k|` is clamped at 1e-6. The VJP of
    `amae.window_attention` emits it.

    Not differentiable: a backward op; training needs no second derivatives.

    Constraints:
    - (window_attention_grad_c1) `q`, `k`, `v` and `dout` have rank 4 and
      the same shape `[N, H, L, E]`.
    - (window_attention_grad_c2) `grid` holds two positive sizes and
      `L == T * F`.
    - (window_attention_grad_c3) `window` holds two positive sizes that
      divide the grid.
    - (window_attention_grad_c4) `shift` holds two sizes with
      `0 <= shift < window`.
    - (window_attention_grad_c5) `tau` has shape `[H]`.
    - (window_attention_grad_c6) `pos_bias` has shape `[P * P, H]`,
      `P = wt * wf`.

    Example:
    ```mlir
    %dq, %dk, %dv, %dtau, %dbias = amae.window_attention_grad %q, %k, %v, %tau, %bias, %dout
        {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
        : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
           tensor<4xf32>, tensor<256x4xf32>, tensor<2x4x32x8xf32>)
        -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>,
            tensor<4xf32>, tensor<256x4xf32>)
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$q, Amae_F32Tensor:$k, Amae_F32Tensor:$v,
                       Amae_F32Tensor:$tau, Amae_F32Tensor:$pos_bias, Amae_F32Tensor:$dout,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$shift);
  let results = (outs Amae_F32Tensor:$dq, Amae_F32Tensor:$dk, Amae_F32Tensor:$dv,
                      Amae_F32Tensor:$dtau, Amae_F32Tensor:$dpos_bias);
  let assemblyFormat = "$q `,` $k `,` $v `,` $tau `,` $pos_bias `,` $dout attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Amae_ShiftMaskOp : Amae_Op<"shift_mask", [Pure]> {
  let summary = "The -100 attention mask of shifted windows";
  let description = [{
    The official `attn_mask` buffer `(nW, P, P)`: label each position of the
    rolled grid by its region along each axis (`[0, T - wt)`,
    `[T - wt, T - st)`, `[T - st, T)`, likewise along frequency; a zero
    shift gives one region); `M[w, i, j] = 0` when tokens `i` and `j` of
    window `w` share a region, else `-100.0`. Folds to a constant.

    Not differentiable: a constant table of the window geometry (no operands).

    Constraints:
    - (shift_mask_c1) `grid`, `window`, `shift` hold two sizes each, the
      window divides the grid and `0 <= shift < window`.
    - (shift_mask_c2) The result has shape `[(T/wt)(F/wf), P, P]`.

    Example:
    ```mlir
    %m = amae.shift_mask {grid = array<i64: 8, 4>, window = array<i64: 4, 4>,
                          shift = array<i64: 2, 0>} : tensor<2x16x16xf32>
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$shift);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Amae_LogRelativeCoordsOp : Amae_Op<"log_relative_coords", [Pure]> {
  let summary = "Log-spaced relative coordinates, the meta-MLP input";
  let description = [{
    For window positions `i = (r_i, c_i)`, `j = (r_j, c_j)` (i-major over the
    `P = wt wf` positions), row `i P + j` is
    `sign(d) ln(1 + |d|)` of `d = (r_i - r_j, c_i - c_j)`. Folds to a constant.

    Not differentiable: a constant table of the window geometry (no operands).

    Constraints:
    - (log_relative_coords_c1) `window` holds two positive sizes.
    - (log_relative_coords_c2) The result has shape `[P * P, 2]`.

    Example:
    ```mlir
    %c = amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<256x2xf32>
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$window);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // AMAE_ATTENTION_OPS
