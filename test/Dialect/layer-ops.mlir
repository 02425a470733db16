// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @mlp_block
func.func @mlp_block(%x: tensor<2x7x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>,
                     %w1: tensor<256x64xf32>, %b1: tensor<256xf32>, %w2: tensor<64x256xf32>,
                     %seed: tensor<i64>) -> tensor<2x7x64xf32> {
  // CHECK-NEXT: %[[N:.*]] = amae.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x7x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x7x64xf32>
  %n = amae.layer_norm %x, %g, %b {eps = 1.0e-6 : f64} : (tensor<2x7x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x7x64xf32>
  // CHECK-NEXT: %[[H:.*]] = amae.linear %[[N]], %{{.*}}, %{{.*}} : (tensor<2x7x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<2x7x256xf32>
  %h = amae.linear %n, %w1, %b1 : (tensor<2x7x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<2x7x256xf32>
  // CHECK-NEXT: %[[A:.*]] = amae.gelu %[[H]] : tensor<2x7x256xf32>
  %a = amae.gelu %h : tensor<2x7x256xf32>
  // CHECK-NEXT: %[[O:.*]] = amae.linear %[[A]], %{{.*}} : (tensor<2x7x256xf32>, tensor<64x256xf32>) -> tensor<2x7x64xf32>
  %o = amae.linear %a, %w2 : (tensor<2x7x256xf32>, tensor<64x256xf32>) -> tensor<2x7x64xf32>
  // CHECK-NEXT: %[[D:.*]] = amae.drop_path %[[O]], %{{.*}} {rate = 1.000000e-01 : f64, stream = 1 : i64} : tensor<2x7x64xf32>, tensor<i64>
  %d = amae.drop_path %o, %seed {rate = 0.1 : f64, stream = 1 : i64} : tensor<2x7x64xf32>, tensor<i64>
  // CHECK-NEXT: arith.addf %{{.*}}, %[[D]] : tensor<2x7x64xf32>
  %r = arith.addf %x, %d : tensor<2x7x64xf32>
  return %r : tensor<2x7x64xf32>
}

// CHECK-LABEL: func.func @meta_mlp
func.func @meta_mlp(%c: tensor<256x2xf32>, %w1: tensor<384x2xf32>, %b1: tensor<384xf32>,
                    %w2: tensor<4x384xf32>, %b2: tensor<4xf32>, %seed: tensor<i64>) -> tensor<256x4xf32> {
  // CHECK: amae.relu %{{.*}} : tensor<256x384xf32>
  %h = amae.linear %c, %w1, %b1 : (tensor<256x2xf32>, tensor<384x2xf32>, tensor<384xf32>) -> tensor<256x384xf32>
  %r = amae.relu %h : tensor<256x384xf32>
  // CHECK: amae.dropout %{{.*}}, %{{.*}} {rate = 1.000000e-01 : f64, stream = 7 : i64} : tensor<256x384xf32>, tensor<i64>
  %d = amae.dropout %r, %seed {rate = 0.1 : f64, stream = 7 : i64} : tensor<256x384xf32>, tensor<i64>
  %o = amae.linear %d, %w2, %b2 : (tensor<256x384xf32>, tensor<4x384xf32>, tensor<4xf32>) -> tensor<256x4xf32>
  return %o : tensor<256x4xf32>
}

// The sample offset of a data-parallel rank's slice.
// CHECK-LABEL: func.func @first_sample
func.func @first_sample(%x: tensor<2x7x64xf32>, %seed: tensor<i64>, %n: tensor<i64>) -> tensor<2x7x64xf32> {
  // CHECK-NEXT: %[[P:.*]] = amae.drop_path %{{.*}}, %{{.*}} first_sample %{{.*}} {rate = 1.000000e-01 : f64, stream = 1 : i64} : tensor<2x7x64xf32>, tensor<i64>, tensor<i64>
  %p = amae.drop_path %x, %seed first_sample %n {rate = 0.1 : f64, stream = 1 : i64} : tensor<2x7x64xf32>, tensor<i64>, tensor<i64>
  // CHECK-NEXT: amae.dropout %[[P]], %{{.*}} first_sample %{{.*}} {rate = 2.000000e-01 : f64} : tensor<2x7x64xf32>, tensor<i64>, tensor<i64>
  %d = amae.dropout %p, %seed first_sample %n {rate = 0.2 : f64} : tensor<2x7x64xf32>, tensor<i64>, tensor<i64>
  return %d : tensor<2x7x64xf32>
}
