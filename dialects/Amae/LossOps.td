//===- LossOps.td - Losses and heads ------------------------*- tablegen -*-===//

#ifndef AMAE_LOSS_OPS
#define AMAE_LOSS_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_MaskedMseLossOp : Amae_Op<"masked_mse_loss", [Pure]> {
  let summary = "MAE reconstruction loss on the masked patches";
  let description = [{
    The official `forward_loss`: with `norm_pix`, each target patch is
    normalised by its mean and `sqrt(var + 1e-6)`, var unbiased (divides by
    `P - 1`). Per-patch loss is the mean of `(pred - target)^2` over `P`; the
    result is `sum(loss * mask) / sum(mask)` over the whole batch.

    Constraints:
    - (masked_mse_loss_c1) `pred` and `target` have rank 3, `mask` rank 2.
    - (masked_mse_loss_c2) `pred` and `target` have the same shape `[N, L, P]`
      and `mask` has shape `[N, L]`.
    - (masked_mse_loss_c3) With `norm_pix`, `P >= 2`.

    Example:
    ```mlir
    %l = amae.masked_mse_loss %pred, %target, %mask {norm_pix = true}
        : (tensor<2x32x256xf32>, tensor<2x32x256xf32>, tensor<2x32xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$pred, Amae_F32Tensor:$target,
                       Amae_F32Tensor:$mask, BoolAttr:$norm_pix);
  let results = (outs Amae_F32Scalar:$loss);
  let assemblyFormat = "$pred `,` $target `,` $mask attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Amae_MeanPoolOp : Amae_Op<"mean_pool", [Pure]> {
  let summary = "Mean over tokens, skipping leading ones (CLS)";
  let description = [{
    `result[n] = mean(input[n, skip:])`: the fine-tuning model pools the
    patch tokens and leaves the CLS token (`skip = 1`) out of the mean.

    Constraints:
    - (mean_pool_c1) `input` has rank 3.
    - (mean_pool_c2) `0 <= skip < S`.
    - (mean_pool_c3) The result has shape `[N, D]`.

    Example:
    ```mlir
    %p = amae.mean_pool %x {skip = 1 : i64} : (tensor<2x33x64xf32>) -> tensor<2x64xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, DefaultValuedAttr<I64Attr, "0">:$skip);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "int64_t":$skip)>];
  let hasVerifier = 1;
}

def Amae_BceWithLogitsLossOp : Amae_Op<"bce_with_logits", [Pure]> {
  let summary = "Binary cross-entropy on logits, mean over all elements";
  let description = [{
    `mean(max(x, 0) - x y + ln(1 + exp(-|x|)))`, the numerically stable form
    of `torch.nn.BCEWithLogitsLoss()` with soft targets `y`.

    Constraints:
    - (bce_with_logits_c1) `logits` and `labels` have the same shape.

    Example:
    ```mlir
    %l = amae.bce_with_logits %logits, %labels
        : (tensor<2x10xf32>, tensor<2x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$logits, Amae_F32Tensor:$labels);
  let results = (outs Amae_F32Scalar:$loss);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // AMAE_LOSS_OPS
