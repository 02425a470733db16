// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @encoder_attention
func.func @encoder_attention(%qkv: tensor<2x7x192xf32>) -> tensor<2x7x64xf32> {
  // CHECK-NEXT: %[[Q:.*]], %[[K:.*]], %[[V:.*]] = amae.split_qkv %{{.*}} {heads = 4 : i64} : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  %q, %k, %v = amae.split_qkv %qkv {heads = 4 : i64}
      : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  // CHECK-NEXT: %[[O:.*]] = amae.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  %o = amae.attention %q, %k, %v {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  // CHECK-NEXT: amae.merge_heads %[[O]] : (tensor<2x4x7x16xf32>) -> tensor<2x7x64xf32>
  %m = amae.merge_heads %o : (tensor<2x4x7x16xf32>) -> tensor<2x7x64xf32>
  return %m : tensor<2x7x64xf32>
}

// CHECK-LABEL: func.func @decoder_window_attention
func.func @decoder_window_attention(%q: tensor<2x4x32x8xf32>, %k: tensor<2x4x32x8xf32>, %v: tensor<2x4x32x8xf32>,
                                    %tau: tensor<4xf32>, %bias: tensor<256x4xf32>) -> tensor<2x4x32x8xf32> {
  // CHECK-NEXT: amae.window_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  %o = amae.window_attention %q, %k, %v, %tau, %bias
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  return %o : tensor<2x4x32x8xf32>
}

// The constant tables of the shifted-window block (folded at compile time).
// CHECK-LABEL: func.func @window_tables
func.func @window_tables() -> (tensor<2x16x16xf32>, tensor<256x2xf32>) {
  // CHECK-NEXT: amae.shift_mask {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : tensor<2x16x16xf32>
  %m = amae.shift_mask {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>} : tensor<2x16x16xf32>
  // CHECK-NEXT: amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<256x2xf32>
  %c = amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<256x2xf32>
  return %m, %c : tensor<2x16x16xf32>, tensor<256x2xf32>
}

// The backward ops the VJPs emit.
// CHECK-LABEL: func.func @backward
func.func @backward(%q: tensor<2x4x7x16xf32>, %wq: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>)
    -> (tensor<2x4x7x16xf32>, tensor<256x4xf32>) {
  // CHECK-NEXT: %[[DQ:[a-z0-9_]+]], %{{.*}}, %{{.*}} = amae.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %q {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  // CHECK-NEXT: %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DB:[a-z0-9_]+]] = amae.window_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>}
  %wdq, %wdk, %wdv, %dt, %db = amae.window_attention_grad %wq, %wq, %wq, %tau, %b, %wq
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>)
  // CHECK: return %[[DQ]], %[[DB]]
  return %dq, %db : tensor<2x4x7x16xf32>, tensor<256x4xf32>
}
