// RUN: amae-opt %s -amae-lower-to-linalg=fused-attention=true | FileCheck %s
// RUN: amae-opt %s -amae-lower-to-linalg | FileCheck %s --check-prefix=LINALG

// With fused-attention the op stays one kernel on tensors, destination an
// empty tensor; the heads around it lower as usual. Without it, attention
// is two contractions around a softmax.
// CHECK-LABEL: func.func @encoder_attention
// CHECK-COUNT-3: linalg.transpose
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
