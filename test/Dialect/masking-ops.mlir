// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @pretrain_masking
func.func @pretrain_masking(%x: tensor<2x32x64xf32>, %noise: tensor<2x32xf32>, %cls: tensor<1x1x64xf32>,
                            %pos: tensor<1x33x64xf32>, %vis: tensor<2x6x32xf32>, %tok: tensor<1x1x32xf32>)
    -> (tensor<2x7x64xf32>, tensor<2x32x32xf32>) {
  // CHECK-NEXT: %[[X:.*]] = amae.add_position %{{.*}}, %{{.*}} {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<2x32x64xf32>
  %xp = amae.add_position %x, %pos {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<2x32x64xf32>
  // CHECK-NEXT: %[[KEPT:.*]], %{{.*}}, %[[RESTORE:.*]], %{{.*}} = amae.random_masking %[[X]], %{{.*}} {mask_ratio = 8.000000e-01 : f64} : (tensor<2x32x64xf32>, tensor<2x32xf32>) -> (tensor<2x6x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
  %kept, %mask, %restore, %keep = amae.random_masking %xp, %noise {mask_ratio = 0.8 : f64}
      : (tensor<2x32x64xf32>, tensor<2x32xf32>) -> (tensor<2x6x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
  // CHECK-NEXT: amae.prepend_token %[[KEPT]], %{{.*}} : (tensor<2x6x64xf32>, tensor<1x1x64xf32>) -> tensor<2x7x64xf32>
  %withCls = amae.prepend_token %kept, %cls : (tensor<2x6x64xf32>, tensor<1x1x64xf32>) -> tensor<2x7x64xf32>
  // CHECK-NEXT: amae.unshuffle %{{.*}}, %{{.*}}, %[[RESTORE]] : (tensor<2x6x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  %full = amae.unshuffle %vis, %tok, %restore : (tensor<2x6x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  return %withCls, %full : tensor<2x7x64xf32>, tensor<2x32x32xf32>
}

// CHECK-LABEL: func.func @finetune_masking
func.func @finetune_masking(%x: tensor<2x32x64xf32>, %nt: tensor<2x8xf32>, %nf: tensor<2x4xf32>) -> tensor<2x18x64xf32> {
  // CHECK-NEXT: amae.time_freq_masking %{{.*}}, %{{.*}}, %{{.*}} {mask_f = 2.000000e-01 : f64, mask_t = 2.000000e-01 : f64} : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  %kept, %kt, %kf = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64}
      : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  return %kept : tensor<2x18x64xf32>
}

// The base model keeps int(512 * (1 - 0.8)) = 102 tokens.
// CHECK-LABEL: func.func @base_keep_count
func.func @base_keep_count(%x: tensor<1x512x768xf32>, %noise: tensor<1x512xf32>) -> tensor<1x102x768xf32> {
  // CHECK-NEXT: amae.random_masking {{.*}} -> (tensor<1x102x768xf32>, tensor<1x512xf32>, tensor<1x512xi64>, tensor<1x102xi64>)
  %kept, %mask, %restore, %keep = amae.random_masking %x, %noise {mask_ratio = 0.8 : f64}
      : (tensor<1x512x768xf32>, tensor<1x512xf32>) -> (tensor<1x102x768xf32>, tensor<1x512xf32>, tensor<1x512xi64>, tensor<1x102xi64>)
  return %kept : tensor<1x102x768xf32>
}
