// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @patches
func.func @patches(%imgs: tensor<2x1x128x64xf32>, %w: tensor<64x1x16x16xf32>, %b: tensor<64xf32>)
    -> (tensor<2x32x256xf32>, tensor<2x32x64xf32>, tensor<1x33x64xf32>) {
  // CHECK-NEXT: amae.patchify %{{.*}} {patch = 16 : i64} : (tensor<2x1x128x64xf32>) -> tensor<2x32x256xf32>
  %p = amae.patchify %imgs {patch = 16 : i64} : (tensor<2x1x128x64xf32>) -> tensor<2x32x256xf32>
  // CHECK-NEXT: amae.patch_embed %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1x128x64xf32>, tensor<64x1x16x16xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
  %e = amae.patch_embed %imgs, %w, %b : (tensor<2x1x128x64xf32>, tensor<64x1x16x16xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
  // CHECK-NEXT: amae.sincos_pos_embed {dim = 64 : i64, grid = array<i64: 8, 4>} : tensor<1x33x64xf32>
  %pos = amae.sincos_pos_embed {grid = array<i64: 8, 4>, dim = 64 : i64} : tensor<1x33x64xf32>
  return %p, %e, %pos : tensor<2x32x256xf32>, tensor<2x32x64xf32>, tensor<1x33x64xf32>
}

// CHECK-LABEL: func.func @dynamic_batch
func.func @dynamic_batch(%imgs: tensor<?x1x1024x128xf32>) -> tensor<?x512x256xf32> {
  // CHECK-NEXT: amae.patchify %{{.*}} {patch = 16 : i64} : (tensor<?x1x1024x128xf32>) -> tensor<?x512x256xf32>
  %p = amae.patchify %imgs {patch = 16 : i64} : (tensor<?x1x1024x128xf32>) -> tensor<?x512x256xf32>
  return %p : tensor<?x512x256xf32>
}
