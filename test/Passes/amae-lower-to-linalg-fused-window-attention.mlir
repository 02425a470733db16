// RUN: amae-opt %s -amae-lower-to-linalg=fused-window-attention=true | FileCheck %s
// RUN: amae-opt %s -amae-lower-to-linalg | FileCheck %s --check-prefix=LINALG

// With fused-window-attention the op stays one kernel on tensors, its
// destination an empty tensor in token order: no gather into window order,
// no logits. Without it, the logits are a linalg.generic over
// [N, H, nW, P, P] and the softmax takes an exp.
// CHECK-LABEL: func.func @window_attention
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<1x2x32x8xf32>
// CHECK: amae.fused_window_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %[[INIT]] {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<2xf32>, tensor<256x2xf32> into tensor<1x2x32x8xf32> -> tensor<1x2x32x8xf32>
// CHECK-NOT: linalg.generic
// CHECK-NOT: math.exp
// LINALG-LABEL: func.func @window_attention
// LINALG-NOT: amae.fused_window_attention
// LINALG: tensor.empty() : tensor<1x2x2x16x16xf32>
// LINALG: math.exp
func.func @window_attention(%q: tensor<1x2x32x8xf32>, %tau: tensor<2xf32>, %bias: tensor<256x2xf32>) -> tensor<1x2x32x8xf32> {
  %o = amae.window_attention %q, %q, %q, %tau, %bias {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<2xf32>, tensor<256x2xf32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}

// The backward likewise, into five empty destinations shaped like q, k, v,
// tau and the position bias.
// CHECK-LABEL: func.func @window_attention_grad
// CHECK-DAG: %[[DQ:.*]] = tensor.empty() : tensor<1x2x32x4xf32>
// CHECK-DAG: %[[DTAU:.*]] = tensor.empty() : tensor<2xf32>
// CHECK-DAG: %[[DB:.*]] = tensor.empty() : tensor<256x2xf32>
// CHECK: %{{.*}}:5 = amae.fused_window_attention_grad %{{.*}} into %{{.*}}, %{{.*}}, %{{.*}}, %[[DTAU]], %[[DB]] {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>}
// CHECK-NOT: linalg.generic
// LINALG-LABEL: func.func @window_attention_grad
// LINALG-NOT: amae.fused_window_attention_grad
// LINALG: linalg.generic
func.func @window_attention_grad(%q: tensor<1x2x32x4xf32>, %tau: tensor<2xf32>, %b: tensor<256x2xf32>, %d: tensor<1x2x32x4xf32>)
    -> (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>) {
  %dq, %dk, %dv, %dtau, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %d
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>, tensor<1x2x32x4xf32>)
      -> (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>)
  return %dq, %dk, %dv, %dtau, %db : tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>
}
