// RUN: amae-opt %s -split-input-file -verify-diagnostics

// masked_mse_loss_c1
func.func @masked_mse_loss_c1(%p: tensor<2x32x256xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{masked_mse_loss_c1: mask must have rank 2, got rank 1}}
  %l = amae.masked_mse_loss %p, %p, %m {norm_pix = true} : (tensor<2x32x256xf32>, tensor<2x32x256xf32>, tensor<64xf32>) -> tensor<f32>
  return
}

// -----

// masked_mse_loss_c2
func.func @masked_mse_loss_c2(%p: tensor<2x32x256xf32>, %t: tensor<2x32x128xf32>, %m: tensor<2x32xf32>) {
  // expected-error @+1 {{masked_mse_loss_c2: target must have shape [2, 32, 256], got [2, 32, 128]}}
  %l = amae.masked_mse_loss %p, %t, %m {norm_pix = true} : (tensor<2x32x256xf32>, tensor<2x32x128xf32>, tensor<2x32xf32>) -> tensor<f32>
  return
}

// -----

// masked_mse_loss_c3
func.func @masked_mse_loss_c3(%p: tensor<2x32x1xf32>, %m: tensor<2x32xf32>) {
  // expected-error @+1 {{masked_mse_loss_c3: norm_pix needs at least 2 values per patch for the unbiased variance, got 1}}
  %l = amae.masked_mse_loss %p, %p, %m {norm_pix = true} : (tensor<2x32x1xf32>, tensor<2x32x1xf32>, tensor<2x32xf32>) -> tensor<f32>
  return
}

// -----

// mean_pool_c1
func.func @mean_pool_c1(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{mean_pool_c1: input must have rank 3, got rank 2}}
  %p = amae.mean_pool %x : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// mean_pool_c2
func.func @mean_pool_c2(%x: tensor<2x1x64xf32>) {
  // expected-error @+1 {{mean_pool_c2: skip 1 must leave at least one of 1 tokens}}
  %p = amae.mean_pool %x {skip = 1 : i64} : (tensor<2x1x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// mean_pool_c3
func.func @mean_pool_c3(%x: tensor<2x33x64xf32>) {
  // expected-error @+1 {{mean_pool_c3: result must have shape [2, 64], got [2, 1, 64]}}
  %p = amae.mean_pool %x {skip = 1 : i64} : (tensor<2x33x64xf32>) -> tensor<2x1x64xf32>
  return
}

// -----

// bce_with_logits_c1
func.func @bce_with_logits_c1(%x: tensor<2x10xf32>, %y: tensor<2x527xf32>) {
  // expected-error @+1 {{bce_with_logits_c1: labels must have shape [2, 10], got [2, 527]}}
  %l = amae.bce_with_logits %x, %y : (tensor<2x10xf32>, tensor<2x527xf32>) -> tensor<f32>
  return
}
