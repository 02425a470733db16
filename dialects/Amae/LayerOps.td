//===- LayerOps.td - Transformer layers ---------------------*- tablegen -*-===//
//
// The per-token layers of the encoder and decoder blocks. Residual additions
// use `arith.addf` on tensors; these are the ops with parameters or
// non-trivial numerics (exact erf GELU, stochastic regularisers).
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_LAYER_OPS
#define AMAE_LAYER_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_LayerNormOp : Amae_Op<"layer_norm", [Pure]> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + eps) * weight + bias` with the biased variance
    over the last dimension (`torch.nn.LayerNorm`). AudioMAE uses
    `eps = 1e-6` everywhere.

    Constraints:
    - (layer_norm_c1) `input` has rank >= 1; `weight` and `bias` have shape
      `[D]`, `D = input.dim(-1)`.
    - (layer_norm_c2) `eps > 0`.
    - (layer_norm_c3) The result type is the input type.

    Example:
    ```mlir
    %y = amae.layer_norm %x, %w, %b {eps = 1.000000e-06 : f64}
        : (tensor<2x7x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x7x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$weight,
                       Amae_F32Tensor:$bias,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input `,` $weight `,` $bias attr-dict `:` "
                       "functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                                 "::mlir::Value":$bias, "double":$eps)>];
  let hasVerifier = 1;
}

def Amae_LinearOp : Amae_Op<"linear", [Pure]> {
  let summary = "Affine map of the last dimension (torch.nn.Linear)";
  let description = [{
    `result[..., m] = sum_k input[..., k] weight[m, k] + bias[m]`, with
    PyTorch's `(out, in)` weight layout so checkpoint tensors bind unchanged.
    The bias is optional.

    Constraints:
    - (linear_c1) `input` has rank >= 1 and `weight` rank 2.
    - (linear_c2) `weight.dim(1) == input.dim(-1)`.
    - (linear_c3) `bias`, when present, has shape `[weight.dim(0)]`.
    - (linear_c4) The result has the input's shape with the last dimension
      replaced by `weight.dim(0)`.

    Example:
    ```mlir
    %y = amae.linear %x, %w, %b
        : (tensor<2x7x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<2x7x192xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_F32Tensor:$weight,
                       Optional<Amae_F32Tensor>:$bias);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                                 "::mlir::Value":$bias)>];
  let hasVerifier = 1;
}

def Amae_GeluOp : Amae_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Exact GELU: x * (1 + erf(x / sqrt(2))) / 2";
  let description = [{
    The erf form of `torch.nn.GELU()` (not the tanh approximation).

    Example:
    ```mlir
    %y = amae.gelu %x : tensor<2x7x256xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Amae_ReluOp : Amae_Op<"relu", [Pure, SameOperandsAndResultType]> {
  let summary = "max(x, 0)";
  let description = [{
    The activation of the decoder's position-bias meta-MLP.

    Example:
    ```mlir
    %y = amae.relu %x : tensor<256x384xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Amae_DropoutOp : Amae_Op<"dropout", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Inverted dropout driven by an explicit seed";
  let description = [{
    Zeroes each element with probability `rate` and scales the others by
    `1 / (1 - rate)`. The keep decision of element `i` is a pure function of
    `(seed, stream, i)`, so a graph with a fixed seed is reproducible;
    `stream` tells apart the dropout sites that share one seed. Folds to its
    input when `rate == 0` (evaluation semantics).

    With `first_sample`, the leading dimension counts samples and row `n` is
    sample `first_sample + n` of the run: `i` counts from the start of that
    sample's row, so a batch split between data-parallel ranks draws the
    masks of the whole batch. Without it, `first_sample` is 0.

    Constraints:
    - (dropout_c1) `0 <= rate < 1`.

    Example:
    ```mlir
    %y = amae.dropout %x, %seed {rate = 1.000000e-01 : f64, stream = 3 : i64}
        : tensor<256x384xf32>, tensor<i64>
    %z = amae.dropout %x, %seed first_sample %n {rate = 1.000000e-01 : f64}
        : tensor<256x384xf32>, tensor<i64>, tensor<i64>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_I64Scalar:$seed,
                       Optional<Amae_I64Scalar>:$first_sample,
                       F64Attr:$rate, DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $seed (`first_sample` $first_sample^)? attr-dict `:` type($result) `,`
    type($seed) (`,` type($first_sample)^)?
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Amae_DropPathOp : Amae_Op<"drop_path", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Stochastic depth: drop a residual branch per sample";
  let description = [{
    timm's `drop_path`: sample `n` of the branch is zeroed with probability
    `rate` and otherwise scaled by `1 / (1 - rate)`; the decision is a pure
    function of `(seed, stream, first_sample + n)` (`first_sample`: the
    batch's first sample in the run, 0 when absent), so a batch split
    between data-parallel ranks draws the decisions of the whole batch.
    Folds to its input when `rate == 0`.

    Constraints:
    - (drop_path_c1) `input` has rank >= 1 and `0 <= rate < 1`.

    Example:
    ```mlir
    %y = amae.drop_path %x, %seed first_sample %n {rate = 1.000000e-01 : f64, stream = 1 : i64}
        : tensor<2x7x64xf32>, tensor<i64>, tensor<i64>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, Amae_I64Scalar:$seed,
                       Optional<Amae_I64Scalar>:$first_sample,
                       F64Attr:$rate, DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $seed (`first_sample` $first_sample^)? attr-dict `:` type($result) `,`
    type($seed) (`,` type($first_sample)^)?
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // AMAE_LAYER_OPS
