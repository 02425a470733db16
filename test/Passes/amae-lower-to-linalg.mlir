// RUN: amae-opt %s -amae-lower-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @linear
// CHECK-NOT: amae.
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<3x8xf32>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.expand_shape {{.*}} into tensor<2x2x3xf32>
func.func @linear(%x: tensor<2x2x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x2x3xf32> {
  %y = amae.linear %x, %w, %b : (tensor<2x2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x2x3xf32>
  return %y : tensor<2x2x3xf32>
}

// -----

// Random masking as ranks: a reduction over (n, i, j), then the first K.
// CHECK-LABEL: func.func @random_masking
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<2x8xi64>)
// CHECK: arith.cmpf olt
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2xi64>)
// CHECK: tensor.extract
func.func @random_masking(%x: tensor<2x8x4xf32>, %noise: tensor<2x8xf32>) -> (tensor<2x2x4xf32>, tensor<2x8xf32>) {
  %kept, %mask, %restore, %keep = amae.random_masking %x, %noise {mask_ratio = 0.75 : f64}
      : (tensor<2x8x4xf32>, tensor<2x8xf32>) -> (tensor<2x2x4xf32>, tensor<2x8xf32>, tensor<2x8xi64>, tensor<2x2xi64>)
  return %kept, %mask : tensor<2x2x4xf32>, tensor<2x8xf32>
}

// -----

// Window attention is fused: gathers with the shift folded into indexing,
// the -100 shift mask as a constant, no rolled or partitioned copies.
// CHECK-LABEL: func.func @window_attention
// CHECK-NOT: amae.
// CHECK-DAG: arith.constant 9.99999997E-7 : f32
// CHECK-DAG: arith.constant dense<"0x{{[0-9A-F]*}}0000C8C2{{[0-9A-F]*}}"> : tensor<2x16x16xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x2x16x8xf32>)
// CHECK: arith.remui
// CHECK: tensor.extract
// CHECK: math.sqrt
// CHECK: math.exp
// CHECK: return {{.*}} : tensor<1x2x32x8xf32>
func.func @window_attention(%q: tensor<1x2x32x8xf32>, %tau: tensor<2xf32>, %bias: tensor<256x2xf32>) -> tensor<1x2x32x8xf32> {
  %o = amae.window_attention %q, %q, %q, %tau, %bias {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<2xf32>, tensor<256x2xf32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}

// -----

// The fbank: frames gathered, float64 DFT against constant tables, the mel
// bank as a contraction, log with the float32 epsilon floor.
// CHECK-LABEL: func.func @fbank
// CHECK-DAG: arith.constant 1.1920929E-7 : f32
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<400x257xf64>
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<128x257xf32>
// CHECK-NOT: amae.
// CHECK: tensor.extract
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: math.log
func.func @fbank(%w: tensor<16000xf32>) -> tensor<98x128xf32> {
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return %f : tensor<98x128xf32>
}

// -----

// Drop-path keyed by the run index of each sample: row n of the batch draws
// as sample first_sample + n, so ranks holding slices of one batch draw the
// whole batch's decisions.
// CHECK-LABEL: func.func @drop_path_first_sample
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<i64>, tensor<i64>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[SEED:.*]]: i64, %[[FIRST:.*]]: i64,
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: %[[I:.*]] = arith.index_cast %[[ROW]] : index to i64
// CHECK: arith.addi %[[I]], %[[FIRST]] : i64
func.func @drop_path_first_sample(%x: tensor<4x3xf32>, %seed: tensor<i64>, %n: tensor<i64>) -> tensor<4x3xf32> {
  %y = amae.drop_path %x, %seed first_sample %n {rate = 0.5 : f64, stream = 2 : i64} : tensor<4x3xf32>, tensor<i64>, tensor<i64>
  return %y : tensor<4x3xf32>
}
