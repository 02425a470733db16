// RUN: amae-opt %s -amae-lower-to-linalg=fused-attention=true | FileCheck %s
// RUN: amae-opt %s -amae-lower-to-linalg | FileCheck %s --check-prefix=LINALG

// With fused-attention the op stays one kernel on tensors, destination an
// empty tensor; the heads around it lower as usual. Without it, attention
// is two contractions around a softmax.
// CHECK-LABEL: func.func @encoder_attention
// CHECK-COUNT-3: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x7x192xf32>) outs(%{{.*}} : tensor<2x4x7x16xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x4x7x16xf32>
// CHECK: amae.fused_attention %{{.*}}, %{{.*}}, %{{.*}} into %[[INIT]] {scale = 2.500000e-01 : f32} : tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32> into tensor<2x4x7x16xf32> -> tensor<2x4x7x16xf32>
// CHECK-NOT: math.exp
// CHECK: linalg.transpose
// LINALG-LABEL: func.func @encoder_attention
// LINALG-NOT: amae.fused_attention
// LINALG: math.exp
func.func @encoder_attention(%qkv: tensor<2x7x192xf32>) -> tensor<2x7x64xf32> {
  %q, %k, %v = amae.split_qkv %qkv {heads = 4 : i64}
      : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  %o = amae.attention %q, %k, %v {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  %m = amae.merge_heads %o : (tensor<2x4x7x16xf32>) -> tensor<2x7x64xf32>
  return %m : tensor<2x7x64xf32>
}

// The backward likewise, into three empty destinations.
// CHECK-LABEL: func.func @attention_grad
// CHECK-DAG: %[[DQ:.*]] = tensor.empty() : tensor<2x4x7x16xf32>
// CHECK: amae.fused_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.generic
// LINALG-LABEL: func.func @attention_grad
// LINALG-NOT: amae.fused_attention_grad
// LINALG: linalg.generic
func.func @attention_grad(%q: tensor<2x4x7x16xf32>, %dout: tensor<2x4x7x16xf32>)
    -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) {
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %dout {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return %dq, %dk, %dv : tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>
}
