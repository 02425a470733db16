// RUN: amae-opt %s -split-input-file -verify-diagnostics

// patchify_c1
func.func @patchify_c1(%x: tensor<2x128x64xf32>) {
  // expected-error @+1 {{patchify_c1: input must have rank 4, got rank 3}}
  %p = amae.patchify %x {patch = 16 : i64} : (tensor<2x128x64xf32>) -> tensor<2x32x256xf32>
  return
}

// -----

// patchify_c1
func.func @patchify_c1_patch(%x: tensor<2x1x128x64xf32>) {
  // expected-error @+1 {{patchify_c1: patch must be positive, got 0}}
  %p = amae.patchify %x {patch = 0 : i64} : (tensor<2x1x128x64xf32>) -> tensor<2x32x256xf32>
  return
}

// -----

// patchify_c2
func.func @patchify_c2(%x: tensor<2x1x100x64xf32>) {
  // expected-error @+1 {{patchify_c2: input [2, 1, 100, 64] is not a whole number of 16x16 patches}}
  %p = amae.patchify %x {patch = 16 : i64} : (tensor<2x1x100x64xf32>) -> tensor<2x24x256xf32>
  return
}

// -----

// patchify_c3
func.func @patchify_c3(%x: tensor<2x1x128x64xf32>) {
  // expected-error @+1 {{patchify_c3: result must have shape [2, 32, 256], got [2, 32, 255]}}
  %p = amae.patchify %x {patch = 16 : i64} : (tensor<2x1x128x64xf32>) -> tensor<2x32x255xf32>
  return
}

// -----

// patch_embed_c1
func.func @patch_embed_c1(%x: tensor<2x1x128x64xf32>, %w: tensor<64x256xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{patch_embed_c1: weight must have rank 4, got rank 2}}
  %e = amae.patch_embed %x, %w, %b : (tensor<2x1x128x64xf32>, tensor<64x256xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// patch_embed_c2
func.func @patch_embed_c2(%x: tensor<2x1x128x64xf32>, %w: tensor<64x1x16x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{patch_embed_c2: weight must be [D, 1, p, p] with a static p, got [64, 1, 16, 8]}}
  %e = amae.patch_embed %x, %w, %b : (tensor<2x1x128x64xf32>, tensor<64x1x16x8xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// patch_embed_c3
func.func @patch_embed_c3(%x: tensor<2x1x120x64xf32>, %w: tensor<64x1x16x16xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{patch_embed_c3: input [2, 1, 120, 64] is not a whole number of 16x16 patches}}
  %e = amae.patch_embed %x, %w, %b : (tensor<2x1x120x64xf32>, tensor<64x1x16x16xf32>, tensor<64xf32>) -> tensor<2x28x64xf32>
  return
}

// -----

// patch_embed_c4
func.func @patch_embed_c4(%x: tensor<2x1x128x64xf32>, %w: tensor<64x1x16x16xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{patch_embed_c4: bias must have shape [64], got [32]}}
  %e = amae.patch_embed %x, %w, %b : (tensor<2x1x128x64xf32>, tensor<64x1x16x16xf32>, tensor<32xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// patch_embed_c5
func.func @patch_embed_c5(%x: tensor<2x1x128x64xf32>, %w: tensor<64x1x16x16xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{patch_embed_c5: result must have shape [2, 32, 64], got [2, 33, 64]}}
  %e = amae.patch_embed %x, %w, %b : (tensor<2x1x128x64xf32>, tensor<64x1x16x16xf32>, tensor<64xf32>) -> tensor<2x33x64xf32>
  return
}

// -----

// sincos_pos_embed_c1
func.func @sincos_pos_embed_c1() {
  // expected-error @+1 {{sincos_pos_embed_c1: dim must be a positive multiple of 4, got 66}}
  %pos = amae.sincos_pos_embed {grid = array<i64: 8, 4>, dim = 66 : i64} : tensor<1x33x66xf32>
  return
}

// -----

// sincos_pos_embed_c1
func.func @sincos_pos_embed_c1_grid() {
  // expected-error @+1 {{sincos_pos_embed_c1: grid must hold positive sizes, got [8, 0]}}
  %pos = amae.sincos_pos_embed {grid = array<i64: 8, 0>, dim = 64 : i64} : tensor<1x1x64xf32>
  return
}

// -----

// sincos_pos_embed_c2
func.func @sincos_pos_embed_c2() {
  // expected-error @+1 {{sincos_pos_embed_c2: result must have shape [1, 33, 64], got [1, 32, 64]}}
  %pos = amae.sincos_pos_embed {grid = array<i64: 8, 4>, dim = 64 : i64} : tensor<1x32x64xf32>
  return
}

// -----

// Malformed generic IR is diagnosed, never a crash: a missing attribute.
func.func @patchify_missing_patch(%x: tensor<2x1x128x64xf32>) {
  // expected-error @+1 {{requires attribute 'patch'}}
  %p = "amae.patchify"(%x) : (tensor<2x1x128x64xf32>) -> tensor<2x32x256xf32>
  return
}

// -----

// ... and an operand that is not a ranked f32 tensor.
func.func @patchify_memref(%x: memref<2x1x128x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %p = "amae.patchify"(%x) {patch = 16 : i64} : (memref<2x1x128x64xf32>) -> tensor<2x32x256xf32>
  return
}
