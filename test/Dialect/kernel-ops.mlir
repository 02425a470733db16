// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// On tensors the op returns init's new value.
// CHECK-LABEL: func.func @fused_attention_tensors
func.func @fused_attention_tensors(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x9x16xf32>,
                                   %v: tensor<2x4x9x8xf32>) -> tensor<2x4x7x8xf32> {
  %init = tensor.empty() : tensor<2x4x7x8xf32>
  // CHECK: %{{.*}} = amae.fused_attention %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {scale = 2.500000e-01 : f32} : tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32> into tensor<2x4x7x8xf32> -> tensor<2x4x7x8xf32>
  %o = amae.fused_attention %q, %k, %v into %init {scale = 0.25 : f32}
      : tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32> into tensor<2x4x7x8xf32>
      -> tensor<2x4x7x8xf32>
  return %o : tensor<2x4x7x8xf32>
}

// On buffers, strided views included, it writes init and has no result.
// CHECK-LABEL: func.func @fused_attention_buffers
func.func @fused_attention_buffers(%q: memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>,
                                   %kv: memref<1x2x5x4xf32>, %o: memref<1x2x5x4xf32>) {
  // CHECK: amae.fused_attention %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {scale = 5.000000e-01 : f32} : memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>{{$}}
  amae.fused_attention %q, %kv, %kv into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>
  return
}

// The backward: three destinations, three results on tensors, none on buffers.
// CHECK-LABEL: func.func @fused_attention_grad
func.func @fused_attention_grad(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x9x16xf32>,
                                %v: tensor<2x4x9x8xf32>, %dout: tensor<2x4x7x8xf32>,
                                %bq: memref<1x2x5x4xf32>) {
  %dq0 = tensor.empty() : tensor<2x4x7x16xf32>
  %dk0 = tensor.empty() : tensor<2x4x9x16xf32>
  %dv0 = tensor.empty() : tensor<2x4x9x8xf32>
  // CHECK: %{{.*}}:3 = amae.fused_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32>, tensor<2x4x7x8xf32> into tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32>
  %dq, %dk, %dv = amae.fused_attention_grad %q, %k, %v, %dout into %dq0, %dk0, %dv0 {scale = 0.25 : f32}
      : tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32>, tensor<2x4x7x8xf32>
        into tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32>
        -> tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x9x8xf32>
  // CHECK: amae.fused_attention_grad %{{.*}} into %{{.*}}, %{{.*}}, %{{.*}} {scale = 5.000000e-01 : f32} : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>{{$}}
  amae.fused_attention_grad %bq, %bq, %bq, %bq into %bq, %bq, %bq {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}

// Shifted-window attention: tau and the position bias are rank 1 and 2.
// CHECK-LABEL: func.func @fused_window_attention
func.func @fused_window_attention(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>,
                                  %bias: tensor<256x4xf32>, %bq: memref<1x2x32x8xf32>,
                                  %bt: memref<2xf32>, %bb: memref<256x2xf32>)
    -> tensor<2x4x32x8xf32> {
  %init = tensor.empty() : tensor<2x4x32x8xf32>
  // CHECK: %{{.*}} = amae.fused_window_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32> into tensor<2x4x32x8xf32> -> tensor<2x4x32x8xf32>
  %o = amae.fused_window_attention %q, %q, %q, %tau, %bias into %init
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>,
        tensor<256x4xf32> into tensor<2x4x32x8xf32> -> tensor<2x4x32x8xf32>
  // CHECK: amae.fused_window_attention %{{.*}} into %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 0, 0>, window = array<i64: 4, 4>} : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>{{$}}
  amae.fused_window_attention %bq, %bq, %bq, %bt, %bb into %bq
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 0, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>,
        memref<256x2xf32> into memref<1x2x32x8xf32>
  return %o : tensor<2x4x32x8xf32>
}

// Its backward: five destinations, five results on tensors, none on buffers.
// CHECK-LABEL: func.func @fused_window_attention_grad
func.func @fused_window_attention_grad(%q: tensor<1x2x32x4xf32>, %tau: tensor<2xf32>,
                                       %b: tensor<256x2xf32>, %bq: memref<1x2x32x4xf32>,
                                       %bt: memref<2xf32>, %bb: memref<256x2xf32>) {
  %dq0 = tensor.empty() : tensor<1x2x32x4xf32>
  %dt0 = tensor.empty() : tensor<2xf32>
  %db0 = tensor.empty() : tensor<256x2xf32>
  // CHECK: %{{.*}}:5 = amae.fused_window_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>, tensor<1x2x32x4xf32> into tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32> -> tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>
  %dq, %dk, %dv, %dt, %db = amae.fused_window_attention_grad %q, %q, %q, %tau, %b, %q
      into %dq0, %dq0, %dq0, %dt0, %db0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>,
        tensor<256x2xf32>, tensor<1x2x32x4xf32>
        into tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>,
        tensor<256x2xf32>
        -> tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>,
        tensor<256x2xf32>
  // CHECK: amae.fused_window_attention_grad %{{.*}} into %{{.*}} {grid = array<i64: 8, 4>, shift = array<i64: 2, 0>, window = array<i64: 4, 4>} : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32> into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>{{$}}
  amae.fused_window_attention_grad %bq, %bq, %bq, %bt, %bb, %bq into %bq, %bq, %bq, %bt, %bb
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>,
        memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>,
        memref<256x2xf32>
  return
}
