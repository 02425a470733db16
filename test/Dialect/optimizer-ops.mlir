// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @adamw
func.func @adamw(%p: tensor<64x32xf32>, %g: tensor<64x32xf32>, %m: tensor<64x32xf32>, %v: tensor<64x32xf32>,
                 %lr: tensor<f32>, %step: tensor<i64>, %b1: tensor<f32>, %b2: tensor<f32>,
                 %wd: tensor<f32>) -> tensor<64x32xf32> {
  // CHECK-NEXT: %{{.*}}, %{{.*}}, %{{.*}} = amae.adamw_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-08 : f64} : tensor<64x32xf32>, tensor<f32>, tensor<i64>
  %p1, %m1, %v1 = amae.adamw_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %wd
      {eps = 1.0e-8 : f64} : tensor<64x32xf32>, tensor<f32>, tensor<i64>
  return %p1 : tensor<64x32xf32>
}
