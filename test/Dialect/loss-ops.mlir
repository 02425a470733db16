// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @losses
func.func @losses(%pred: tensor<2x32x256xf32>, %target: tensor<2x32x256xf32>, %mask: tensor<2x32xf32>,
                  %tokens: tensor<2x33x64xf32>, %logits: tensor<2x10xf32>, %labels: tensor<2x10xf32>)
    -> (tensor<f32>, tensor<2x64xf32>, tensor<f32>) {
  // CHECK-NEXT: amae.masked_mse_loss %{{.*}}, %{{.*}}, %{{.*}} {norm_pix = true} : (tensor<2x32x256xf32>, tensor<2x32x256xf32>, tensor<2x32xf32>) -> tensor<f32>
  %l = amae.masked_mse_loss %pred, %target, %mask {norm_pix = true} : (tensor<2x32x256xf32>, tensor<2x32x256xf32>, tensor<2x32xf32>) -> tensor<f32>
  // CHECK-NEXT: amae.mean_pool %{{.*}} {skip = 1 : i64} : (tensor<2x33x64xf32>) -> tensor<2x64xf32>
  %p = amae.mean_pool %tokens {skip = 1 : i64} : (tensor<2x33x64xf32>) -> tensor<2x64xf32>
  // CHECK-NEXT: amae.bce_with_logits %{{.*}}, %{{.*}} : (tensor<2x10xf32>, tensor<2x10xf32>) -> tensor<f32>
  %b = amae.bce_with_logits %logits, %labels : (tensor<2x10xf32>, tensor<2x10xf32>) -> tensor<f32>
  return %l, %p, %b : tensor<f32>, tensor<2x64xf32>, tensor<f32>
}

// CHECK-LABEL: func.func @adamw
func.func @adamw(%p: tensor<64x32xf32>, %g: tensor<64x32xf32>, %m: tensor<64x32xf32>, %v: tensor<64x32xf32>,
                 %lr: tensor<f32>, %step: tensor<i64>, %b1: tensor<f32>, %b2: tensor<f32>,
                 %wd: tensor<f32>) -> tensor<64x32xf32> {
  // CHECK-NEXT: %{{.*}}, %{{.*}}, %{{.*}} = amae.adamw_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-08 : f64} : tensor<64x32xf32>, tensor<f32>, tensor<i64>
  %p1, %m1, %v1 = amae.adamw_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %wd
      {eps = 1.0e-8 : f64} : tensor<64x32xf32>, tensor<f32>, tensor<i64>
  return %p1 : tensor<64x32xf32>
}
