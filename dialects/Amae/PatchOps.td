//===- PatchOps.td - Spectrogram patch ops -----------------*- tablegen -*-===//
//
// Images are (N, C, T, F): time frames on the H axis, mel bins on W. Tokens
// are time-major: token n = t * (F/p) + f.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_PATCH_OPS
#define AMAE_PATCH_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_PatchifyOp : Amae_Op<"patchify", [Pure]> {
  let summary = "Cut a spectrogram into flattened non-overlapping patches";
  let description = [{
    The official `patchify`: `(N, C, T, F) -> (N, (T/p)(F/p), p*p*C)`; patch
    `n = t * (F/p) + f`, and inside a patch the index is
    `(dt * p + df) * C + c` (time offset major, frequency offset minor).

    Not differentiable: it makes the loss target from the input images,
    which carry no gradient (the official `forward_loss` does the same).

    Constraints:
    - (patchify_c1) `input` has rank 4 and `patch > 0`.
    - (patchify_c2) `T` and `F` are multiples of `patch`.
    - (patchify_c3) The result has shape `[N, (T/p)(F/p), p*p*C]`.

    Example:
    ```mlir
    %p = amae.patchify %imgs {patch = 16 : i64}
        : (tensor<2x1x128x64xf32>) -> tensor<2x32x256xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, I64Attr:$patch);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "int64_t":$patch)>];
  let hasVerifier = 1;
}

def Amae_PatchEmbedOp : Amae_Op<"patch_embed", [Pure]> {
  let summary = "Patch embedding: a p x p convolution with stride p";
  let description = [{
    `Conv2d(C, D, kernel p, stride p)` with bias, flattened to tokens:
    `(N, C, T, F) -> (N, (T/p)(F/p), D)` in time-major token order. The
    weight has PyTorch's layout `(D, C, p, p)` (`patch_embed.proj.weight`).

    Constraints:
    - (patch_embed_c1) `input` and `weight` have rank 4, `bias` rank 1.
    - (patch_embed_c2) `weight` is `(D, C, p, p)`: square kernel, `C` equal
      to the input's channel count.
    - (patch_embed_c3) `T` and `F` are multiples of `p`.
    - (patch_embed_c4) `bias` has `D` elements.
    - (patch_embed_c5) The result has shape `[N, (T/p)(F/p), D]`.

    Example:
    ```mlir
    %e = amae.patch_embed %imgs, %w, %b
        : (tensor<2x1x128x64xf32>, tensor<64x1x16x16xf32>, tensor<64xf32>)
        -> tensor<2x32x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$weight,
                       Amae_F32Tensor:$bias);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                                 "::mlir::Value":$bias)>];
  let hasVerifier = 1;
}

def Amae_SincosPosEmbedOp : Amae_Op<"sincos_pos_embed", [Pure]> {
  let summary = "The official fixed 2-D sin-cos position table";
  let description = [{
    The table `(1, 1 + T*F, D)` of `get_2d_sincos_pos_embed_flexible` for a
    patch grid of `T` time by `F` frequency patches. Row 0 (the CLS row) is
    zero; row `1 + n` is `concat(S(n mod T), S(n div T))` where `S(p)` of
    width `D/2` is `[sin(p w_k), cos(p w_k)]`, `w_k = 10000^(-k/(D/4))`,
    computed in float64 and rounded to float32. The grid the official code
    builds is `(F, T)` applied to time-major tokens, so the two halves do
    not factor into (time, frequency): this op reproduces that quirk.

    The op folds to a constant.

    Not differentiable: a constant table (no operands); the official code
    freezes it.

    Constraints:
    - (sincos_pos_embed_c1) `grid` holds two positive sizes and `dim` is a
      positive multiple of 4.
    - (sincos_pos_embed_c2) The result has shape `[1, 1 + T*F, dim]`.

    Example:
    ```mlir
    %pos = amae.sincos_pos_embed {grid = array<i64: 8, 4>, dim = 64 : i64}
        : tensor<1x33x64xf32>
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$grid, I64Attr:$dim);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let builders = [OpBuilder<(ins "::llvm::ArrayRef<int64_t>":$grid, "int64_t":$dim)>];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // AMAE_PATCH_OPS
