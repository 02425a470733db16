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
