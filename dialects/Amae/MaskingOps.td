//===- MaskingOps.td - Token masking and reordering --------*- tablegen -*-===//
//
// Pretraining drops random tokens (random_masking), fine-tuning drops whole
// time rows and frequency columns (time_freq_masking); the decoder puts the
// visible tokens back in place with a learned mask token (unshuffle). The
// randomness is an input: a noise tensor in [0, 1), so graphs are pure.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_MASKING_OPS
#define AMAE_MASKING_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_RandomMaskingOp : Amae_Op<"random_masking", [Pure]> {
  let summary = "MAE random masking from a noise tensor";
  let description = [{
    Keeps `K = int(L * (1 - mask_ratio))` tokens per sample (float64
    arithmetic, truncated: `L = 512, r = 0.8` keeps 102). With
    `ids_shuffle = argsort(noise)` (ascending, stable), `kept` holds the tokens
    `ids_shuffle[:K]` in ascending-noise order, `ids_keep = ids_shuffle[:K]`,
    `ids_restore = argsort(ids_shuffle)`, and `mask` is 1.0 for removed and
    0.0 for kept tokens, in the original token order.

    Constraints:
    - (random_masking_c1) `input` has rank 3 and `noise` rank 2.
    - (random_masking_c2) `noise` has shape `[N, L]` of `input`.
    - (random_masking_c3) `0 <= mask_ratio < 1` and at least one token is
      kept.
    - (random_masking_c4) The results have shapes `kept [N, K, D]`,
      `mask [N, L]`, `ids_restore [N, L]`, `ids_keep [N, K]`.

    Example:
    ```mlir
    %kept, %mask, %restore, %keep = amae.random_masking %x, %noise
        {mask_ratio = 8.000000e-01 : f64}
        : (tensor<2x32x64xf32>, tensor<2x32xf32>)
        -> (tensor<2x6x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$noise,
                       F64Attr:$mask_ratio);
  let results = (outs Amae_F32Tensor:$kept, Amae_F32Tensor:$mask,
                      Amae_I64Tensor:$ids_restore, Amae_I64Tensor:$ids_keep);
  let assemblyFormat =
      "$input `,` $noise attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$noise,
                                 "double":$maskRatio)>];
  let hasVerifier = 1;
}

def Amae_TimeFreqMaskingOp : Amae_Op<"time_freq_masking", [Pure]> {
  let summary = "Fine-tuning token dropping along time rows and frequency columns";
  let description = [{
    The official `random_masking_2d` of the fine-tuning model. Tokens are
    viewed as a `T x F` grid (`T = noise_t.dim(1)`, `F = noise_f.dim(1)`).
    The kept time rows are the first `T' = int(T (1 - mask_t))` of
    `argsort(noise_t)` and the kept frequency columns the first
    `F' = int(F (1 - mask_f))` of `argsort(noise_f)`, both in ascending-noise
    order. `kept[n, i * F' + j] = input[n, keep_t[i] * F + keep_f[j]]`.

    Constraints:
    - (time_freq_masking_c1) `input` has rank 3, `noise_t` and `noise_f` rank 2.
    - (time_freq_masking_c2) The noise tensors have batch `N` and
      `input.dim(1) == T * F`.
    - (time_freq_masking_c3) `0 <= mask_t < 1`, `0 <= mask_f < 1`, and at
      least one row and one column are kept.
    - (time_freq_masking_c4) The results have shapes `kept [N, T'F', D]`,
      `keep_t [N, T']`, `keep_f [N, F']`.

    Example:
    ```mlir
    %kept, %kt, %kf = amae.time_freq_masking %x, %nt, %nf
        {mask_t = 2.000000e-01 : f64, mask_f = 2.000000e-01 : f64}
        : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>)
        -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$noise_t,
                       Amae_F32Tensor:$noise_f, F64Attr:$mask_t, F64Attr:$mask_f);
  let results = (outs Amae_F32Tensor:$kept, Amae_I64Tensor:$keep_t,
                      Amae_I64Tensor:$keep_f);
  let assemblyFormat =
      "$input `,` $noise_t `,` $noise_f attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$noiseT,
                                 "::mlir::Value":$noiseF, "double":$maskT,
                                 "double":$maskF)>];
  let hasVerifier = 1;
}

def Amae_UnshuffleOp : Amae_Op<"unshuffle", [Pure]> {
  let summary = "Restore token order, filling removed tokens with a mask token";
  let description = [{
    The decoder's unshuffle: append `L - K` copies of `mask_token` to the `K`
    visible tokens and gather with `ids_restore`:
    `result[n, l] = ids_restore[n, l] < K ? visible[n, ids_restore[n, l]]
    : mask_token[0, 0]`.

    Constraints:
    - (unshuffle_c1) `visible` has rank 3, `mask_token` rank 3 and
      `ids_restore` rank 2.
    - (unshuffle_c2) `mask_token` has shape `[1, 1, D]`.
    - (unshuffle_c3) `ids_restore` is `[N, L]` with `K <= L`.
    - (unshuffle_c4) The result has shape `[N, L, D]`.

    Example:
    ```mlir
    %u = amae.unshuffle %vis, %tok, %restore
        : (tensor<2x6x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>)
        -> tensor<2x32x32xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$visible, Amae_F32Tensor:$mask_token,
                       Amae_I64Tensor:$ids_restore);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$visible `,` $mask_token `,` $ids_restore attr-dict `:` "
                       "functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$visible,
                                 "::mlir::Value":$maskToken,
                                 "::mlir::Value":$idsRestore)>];
  let hasVerifier = 1;
}

def Amae_PrependTokenOp : Amae_Op<"prepend_token", [Pure]> {
  let summary = "Prepend one token (the CLS token) to every sample";
  let description = [{
    `(N, L, D), (1, 1, D) -> (N, 1 + L, D)` with `result[n, 0] = token[0, 0]`.

    Constraints:
    - (prepend_token_c1) `input` and `token` have rank 3.
    - (prepend_token_c2) `token` has shape `[1, 1, D]`.
    - (prepend_token_c3) The result has shape `[N, 1 + L, D]`.

    Example:
    ```mlir
    %y = amae.prepend_token %x, %cls
        : (tensor<2x6x64xf32>, tensor<1x1x64xf32>) -> tensor<2x7x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$token);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` $token attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$token)>];
  let hasVerifier = 1;
}

def Amae_AddPositionOp : Amae_Op<"add_position", [Pure]> {
  let summary = "Add rows of a position table, broadcast over the batch";
  let description = [{
    `result[n, s] = input[n, s] + table[0, offset + s]`. The encoder adds
    `pos_embed[1:]` to the patch tokens (`offset = 1`) and `pos_embed[0]` to
    the CLS token (`offset = 0`).

    Constraints:
    - (add_position_c1) `input` and `table` have rank 3 and `table.dim(0) == 1`.
    - (add_position_c2) The embedding widths match.
    - (add_position_c3) `offset >= 0` and `offset + S <= table.dim(1)`.
    - (add_position_c4) The result type is the input type.

    Example:
    ```mlir
    %y = amae.add_position %x, %pos {offset = 1 : i64}
        : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<2x32x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$table,
                       DefaultValuedAttr<I64Attr, "0">:$offset);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` $table attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // AMAE_MASKING_OPS
