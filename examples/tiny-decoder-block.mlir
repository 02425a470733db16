// One shifted-window decoder block of the golden tiny configuration
// (grid 8 x 4, width 32, 4 heads, window 4 x 4, shift (2, 0)), written by
// hand in the amae dialect. `amae-opt -canonicalize` folds the constant
// position-bias coordinates into a dense constant.
func.func @decoder_block1(
    %x: tensor<2x32x32xf32>,
    %qkv_w: tensor<96x32xf32>, %qkv_b: tensor<96xf32>, %tau: tensor<4xf32>,
    %meta_w1: tensor<384x2xf32>, %meta_b1: tensor<384xf32>,
    %meta_w2: tensor<4x384xf32>, %meta_b2: tensor<4xf32>,
    %proj_w: tensor<32x32xf32>, %proj_b: tensor<32xf32>,
    %norm1_w: tensor<32xf32>, %norm1_b: tensor<32xf32>,
    %fc1_w: tensor<128x32xf32>, %fc1_b: tensor<128xf32>,
    %fc2_w: tensor<32x128xf32>, %fc2_b: tensor<32xf32>,
    %norm2_w: tensor<32xf32>, %norm2_b: tensor<32xf32>,
    %seed: tensor<i64>) -> tensor<2x32x32xf32> {
  // Continuous position bias from the meta-MLP (dropout 0.1 in training).
  %coords = amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<256x2xf32>
  %h = amae.linear %coords, %meta_w1, %meta_b1 : (tensor<256x2xf32>, tensor<384x2xf32>, tensor<384xf32>) -> tensor<256x384xf32>
  %r = amae.relu %h : tensor<256x384xf32>
  %rd = amae.dropout %r, %seed {rate = 0.1 : f64, stream = 2 : i64} : tensor<256x384xf32>, tensor<i64>
  %b = amae.linear %rd, %meta_w2, %meta_b2 : (tensor<256x384xf32>, tensor<4x384xf32>, tensor<4xf32>) -> tensor<256x4xf32>
  %bias = amae.dropout %b, %seed {rate = 0.1 : f64, stream = 3 : i64} : tensor<256x4xf32>, tensor<i64>

  // Window attention on token-ordered q, k, v.
  %qkv = amae.linear %x, %qkv_w, %qkv_b : (tensor<2x32x32xf32>, tensor<96x32xf32>, tensor<96xf32>) -> tensor<2x32x96xf32>
  %q, %k, %v = amae.split_qkv %qkv {heads = 4 : i64} : (tensor<2x32x96xf32>) -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>)
  %o = amae.window_attention %q, %k, %v, %tau, %bias
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  %m = amae.merge_heads %o : (tensor<2x4x32x8xf32>) -> tensor<2x32x32xf32>
  %a = amae.linear %m, %proj_w, %proj_b : (tensor<2x32x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>

  // Post-norm residuals: x1 = x + LN1(attn(x)); x2 = x1 + LN2(mlp(x1)).
  %n1 = amae.layer_norm %a, %norm1_w, %norm1_b : (tensor<2x32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
  %x1 = arith.addf %x, %n1 : tensor<2x32x32xf32>
  %f1 = amae.linear %x1, %fc1_w, %fc1_b : (tensor<2x32x32xf32>, tensor<128x32xf32>, tensor<128xf32>) -> tensor<2x32x128xf32>
  %g = amae.gelu %f1 : tensor<2x32x128xf32>
  %f2 = amae.linear %g, %fc2_w, %fc2_b : (tensor<2x32x128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
  %n2 = amae.layer_norm %f2, %norm2_w, %norm2_b : (tensor<2x32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
  %x2 = arith.addf %x1, %n2 : tensor<2x32x32xf32>
  return %x2 : tensor<2x32x32xf32>
}
