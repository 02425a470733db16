//===- OptimizerOps.td - The optimizer step -----------------*- tablegen -*-===//
//
// What a training step does to the parameters once the gradients exist: its
// own family, since its lowering (one elementwise loop nest that may write
// over its inputs) and its users (the optimizer graphs, never the model's)
// have nothing in common with the losses.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_OPTIMIZER_OPS
#define AMAE_OPTIMIZER_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

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

    Not differentiable: the optimizer step applies gradients; nothing
    differentiates through it.

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

#endif // AMAE_OPTIMIZER_OPS
