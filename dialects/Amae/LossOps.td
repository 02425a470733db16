//===- LossOps.td - Losses, heads and the optimizer ---------*- tablegen -*-===//

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

def Amae_AdamwUpdateOp : Amae_Op<"adamw_update",
    [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>,
     AllTypesMatch<["lr", "beta1", "beta2", "weight_decay"]>]> {
  let summary = "One AdamW step (torch.optim.AdamW)";
  let description = [{
    With `t = step` (1 for the first step), the scheduled `lr` and the
    hyperparameters `b1`, `b2` and `wd` (scalar operands, so a compiled
    optimizer takes them at run time):
    `p' = p (1 - lr wd)`, `m' = b1 m + (1 - b1) g`, `v' = b2 v + (1 - b2) g^2`,
    `p'' = p' - (lr / (1 - b1^t)) m' / (sqrt(v') / sqrt(1 - b2^t) + eps)`.
    The bias corrections and `1 - lr wd` are computed in float64 from the
    float32 operands, as torch computes its Python scalars. Parameter groups
    are expressed by the operands: a group without decay passes a zero `wd`,
    a layer-wise scale is folded into `lr`.

    Constraints:
    - (adamw_update_c1) constant `beta1` and `beta2` lie in `[0, 1)`.
    - (adamw_update_c2) `eps > 0`, and a constant `weight_decay` is `>= 0`.

    Example:
    ```mlir
    %p1, %m1, %v1 = amae.adamw_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %wd
        {eps = 1.0e-08 : f64} : tensor<64xf32>, tensor<f32>, tensor<i64>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$param, Amae_F32Tensor:$grad,
                       Amae_F32Tensor:$m, Amae_F32Tensor:$v,
                       Amae_F32Scalar:$lr, Amae_I64Scalar:$step,
                       Amae_F32Scalar:$beta1, Amae_F32Scalar:$beta2,
                       Amae_F32Scalar:$weight_decay, F64Attr:$eps);
  let results = (outs Amae_F32Tensor:$new_param, Amae_F32Tensor:$new_m,
                      Amae_F32Tensor:$new_v);
  let assemblyFormat = "$param `,` $grad `,` $m `,` $v `,` $lr `,` $step `,` $beta1 `,` "
                       "$beta2 `,` $weight_decay attr-dict `:` type($param) `,` type($lr) "
                       "`,` type($step)";
  let hasVerifier = 1;
}

#endif // AMAE_LOSS_OPS
