// Every vector-Jacobian product against finite differences of the compiled
// forward op (amae-gradcheck: central differences refined by Richardson
// extrapolation, in float64 over the float32 op). Each graph feeds one op
// (or one op plus the reshaping op whose VJP is checked by its own graph)
// into a probe loss: masked_mse_loss against a random target (quadratic, so
// every output element carries a distinct cotangent), or bce_with_logits for
// 2-D outputs. Tolerance: 1e-2 of each gradient's largest element.
//
// RUN: amae-compile %s --grads -o %t.so
// RUN: amae-gradcheck %t.so --samples=12 | FileCheck %s
// CHECK-DAG: ok   linear:
// CHECK-DAG: ok   gelu:
// CHECK-DAG: ok   relu:
// CHECK-DAG: ok   layer_norm:
// CHECK-DAG: ok   add_position:
// CHECK-DAG: ok   prepend_token:
// CHECK-DAG: ok   merge_heads:
// CHECK-DAG: ok   split_qkv:
// CHECK-DAG: ok   attention:
// CHECK-DAG: ok   window_attention:
// CHECK-DAG: ok   mean_pool:
// CHECK-DAG: ok   bce_with_logits:
// CHECK-DAG: ok   patch_embed:
// CHECK-DAG: ok   random_masking_unshuffle:
// CHECK-DAG: ok   time_freq_masking:
// CHECK-DAG: ok   masked_mse_loss_norm_pix:
// CHECK-DAG: ok   dropout:
// CHECK-DAG: ok   drop_path:
// CHECK-DAG: ok   drop_path_first_sample:
// CHECK-DAG: ok   residual_slice:
// CHECK-DAG: ok   reshapes:
// CHECK: 21 graphs checked, 0 failed
//
// The checker is sensitive: gradients off by 1e-1 fail.
// RUN: not amae-gradcheck %t.so --graph=linear,layer_norm --perturb-gradients=0.1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: FAIL linear:
// BROKEN: FAIL layer_norm:
// BROKEN: 2 graphs checked, 2 failed

func.func @linear(%x: tensor<2x3x6xf32> {amae.param = "x"}, %w: tensor<5x6xf32> {amae.param = "w"},
                  %b: tensor<5xf32> {amae.param = "b"}, %t: tensor<2x3x5xf32> {amae.input = "target"},
                  %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.linear %x, %w, %b : (tensor<2x3x6xf32>, tensor<5x6xf32>, tensor<5xf32>) -> tensor<2x3x5xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @gelu(%x: tensor<2x3x8xf32> {amae.param = "x"}, %t: tensor<2x3x8xf32> {amae.input = "target"},
                %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.gelu %x : tensor<2x3x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @relu(%x: tensor<2x3x8xf32> {amae.param = "x"}, %t: tensor<2x3x8xf32> {amae.input = "target"},
                %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.relu %x : tensor<2x3x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @layer_norm(%x: tensor<2x3x8xf32> {amae.param = "x"}, %g: tensor<8xf32> {amae.param = "g"},
                      %b: tensor<8xf32> {amae.param = "b"}, %t: tensor<2x3x8xf32> {amae.input = "target"},
                      %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.layer_norm %x, %g, %b {eps = 1.0e-6 : f64} : (tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @add_position(%x: tensor<2x4x8xf32> {amae.param = "x"}, %p: tensor<1x5x8xf32> {amae.param = "pos"},
                        %t: tensor<2x4x8xf32> {amae.input = "target"}, %m: tensor<2x4xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.add_position %x, %p {offset = 1 : i64} : (tensor<2x4x8xf32>, tensor<1x5x8xf32>) -> tensor<2x4x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @prepend_token(%x: tensor<2x3x8xf32> {amae.param = "x"}, %c: tensor<1x1x8xf32> {amae.param = "cls"},
                         %t: tensor<2x4x8xf32> {amae.input = "target"}, %m: tensor<2x4xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.prepend_token %x, %c : (tensor<2x3x8xf32>, tensor<1x1x8xf32>) -> tensor<2x4x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @merge_heads(%x: tensor<2x2x3x4xf32> {amae.param = "x"}, %t: tensor<2x3x8xf32> {amae.input = "target"},
                       %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.merge_heads %x : (tensor<2x2x3x4xf32>) -> tensor<2x3x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// split_qkv's three results, each merged back to tokens and probed against
// its own target.
func.func @split_qkv(%x: tensor<2x3x24xf32> {amae.param = "x"}, %t: tensor<2x3x8xf32> {amae.input = "target"},
                     %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %q, %k, %v = amae.split_qkv %x {heads = 2 : i64} : (tensor<2x3x24xf32>) -> (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>)
  %mq = amae.merge_heads %q : (tensor<2x2x3x4xf32>) -> tensor<2x3x8xf32>
  %mk = amae.merge_heads %k : (tensor<2x2x3x4xf32>) -> tensor<2x3x8xf32>
  %mv = amae.merge_heads %v : (tensor<2x2x3x4xf32>) -> tensor<2x3x8xf32>
  %lq = amae.masked_mse_loss %mq, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  %lk = amae.masked_mse_loss %mk, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  %lv = amae.masked_mse_loss %mv, %t, %m {norm_pix = false} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3xf32>) -> tensor<f32>
  %s = arith.addf %lq, %lk : tensor<f32>
  %l = arith.addf %s, %lv : tensor<f32>
  return %l : tensor<f32>
}

func.func @attention(%q: tensor<2x2x5x4xf32> {amae.param = "q"}, %k: tensor<2x2x5x4xf32> {amae.param = "k"},
                     %v: tensor<2x2x5x4xf32> {amae.param = "v"}, %t: tensor<2x5x8xf32> {amae.input = "target"},
                     %m: tensor<2x5xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %o = amae.attention %q, %k, %v {scale = 0.5 : f32} : (tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>) -> tensor<2x2x5x4xf32>
  %y = amae.merge_heads %o : (tensor<2x2x5x4xf32>) -> tensor<2x5x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// Cosine attention with the learned temperature, the meta-MLP bias and the
// shifted-window mask (grid 4x4, windows 2x2, shift 1 along time).
func.func @window_attention(%q: tensor<1x2x16x4xf32> {amae.param = "q"}, %k: tensor<1x2x16x4xf32> {amae.param = "k"},
                            %v: tensor<1x2x16x4xf32> {amae.param = "v"}, %tau: tensor<2xf32> {amae.param = "tau"},
                            %bias: tensor<16x2xf32> {amae.param = "bias"}, %t: tensor<1x16x8xf32> {amae.input = "target"},
                            %m: tensor<1x16xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %o = amae.window_attention %q, %k, %v, %tau, %bias
      {grid = array<i64: 4, 4>, window = array<i64: 2, 2>, shift = array<i64: 1, 0>}
      : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<2xf32>, tensor<16x2xf32>) -> tensor<1x2x16x4xf32>
  %y = amae.merge_heads %o : (tensor<1x2x16x4xf32>) -> tensor<1x16x8xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @mean_pool(%x: tensor<2x5x6xf32> {amae.param = "x"}, %labels: tensor<2x6xf32> {amae.input = "labels"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %p = amae.mean_pool %x {skip = 1 : i64} : (tensor<2x5x6xf32>) -> tensor<2x6xf32>
  %l = amae.bce_with_logits %p, %labels : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @bce_with_logits(%x: tensor<3x4xf32> {amae.param = "logits"}, %labels: tensor<3x4xf32> {amae.input = "labels"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %l = amae.bce_with_logits %x, %labels : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// The image is data (the model never needs its gradient).
func.func @patch_embed(%imgs: tensor<1x1x8x8xf32> {amae.input = "imgs"}, %w: tensor<3x1x4x4xf32> {amae.param = "w"},
                       %b: tensor<3xf32> {amae.param = "b"}, %t: tensor<1x4x3xf32> {amae.input = "target"},
                       %m: tensor<1x4xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.patch_embed %imgs, %w, %b : (tensor<1x1x8x8xf32>, tensor<3x1x4x4xf32>, tensor<3xf32>) -> tensor<1x4x3xf32>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// random_masking keeps 2 of 8 tokens; unshuffle puts them back among mask
// tokens: both scatters/gathers and the mask token's gradient.
func.func @random_masking_unshuffle(%x: tensor<2x8x4xf32> {amae.param = "x"}, %tok: tensor<1x1x4xf32> {amae.param = "mask_token"},
                                    %noise: tensor<2x8xf32> {amae.input = "noise"}, %t: tensor<2x8x4xf32> {amae.input = "target"},
                                    %m: tensor<2x8xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %kept, %mask, %restore, %keep = amae.random_masking %x, %noise {mask_ratio = 0.75 : f64}
      : (tensor<2x8x4xf32>, tensor<2x8xf32>) -> (tensor<2x2x4xf32>, tensor<2x8xf32>, tensor<2x8xi64>, tensor<2x2xi64>)
  %full = amae.unshuffle %kept, %tok, %restore : (tensor<2x2x4xf32>, tensor<1x1x4xf32>, tensor<2x8xi64>) -> tensor<2x8x4xf32>
  %l = amae.masked_mse_loss %full, %t, %m {norm_pix = false} : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @time_freq_masking(%x: tensor<2x32x4xf32> {amae.param = "x"}, %nt: tensor<2x8xf32> {amae.input = "noise_t"},
                             %nf: tensor<2x4xf32> {amae.input = "noise_f"}, %t: tensor<2x18x4xf32> {amae.input = "target"},
                             %m: tensor<2x18xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %kept, %kt, %kf = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64}
      : (tensor<2x32x4xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x4xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  %l = amae.masked_mse_loss %kept, %t, %m {norm_pix = false} : (tensor<2x18x4xf32>, tensor<2x18x4xf32>, tensor<2x18xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// The loss itself with per-patch normalised targets (unbiased variance).
func.func @masked_mse_loss_norm_pix(%pred: tensor<2x4x6xf32> {amae.param = "pred"}, %t: tensor<2x4x6xf32> {amae.input = "target"},
                                    %m: tensor<2x4xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %l = amae.masked_mse_loss %pred, %t, %m {norm_pix = true} : (tensor<2x4x6xf32>, tensor<2x4x6xf32>, tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @dropout(%x: tensor<2x4x8xf32> {amae.param = "x"}, %seed: tensor<i64> {amae.input = "seed"},
                   %t: tensor<2x4x8xf32> {amae.input = "target"}, %m: tensor<2x4xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.dropout %x, %seed {rate = 0.25 : f64, stream = 3 : i64} : tensor<2x4x8xf32>, tensor<i64>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @drop_path(%x: tensor<4x3x8xf32> {amae.param = "x"}, %seed: tensor<i64> {amae.input = "seed"},
                     %t: tensor<4x3x8xf32> {amae.input = "target"}, %m: tensor<4x3xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.drop_path %x, %seed {rate = 0.25 : f64, stream = 1 : i64} : tensor<4x3x8xf32>, tensor<i64>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<4x3x8xf32>, tensor<4x3x8xf32>, tensor<4x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @drop_path_first_sample(%x: tensor<4x3x8xf32> {amae.param = "x"}, %seed: tensor<i64> {amae.input = "seed"},
                                  %n: tensor<i64> {amae.input = "first_sample"},
                                  %t: tensor<4x3x8xf32> {amae.input = "target"}, %m: tensor<4x3xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.drop_path %x, %seed first_sample %n {rate = 0.25 : f64, stream = 1 : i64} : tensor<4x3x8xf32>, tensor<i64>, tensor<i64>
  %l = amae.masked_mse_loss %y, %t, %m {norm_pix = false} : (tensor<4x3x8xf32>, tensor<4x3x8xf32>, tensor<4x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// The two non-amae ops the pass differentiates: arith.addf (a residual)
// and tensor.extract_slice (the decoder dropping its CLS token).
func.func @residual_slice(%x: tensor<2x5x4xf32> {amae.param = "x"}, %w: tensor<4x4xf32> {amae.param = "w"},
                          %t: tensor<2x4x4xf32> {amae.input = "target"}, %m: tensor<2x4xf32> {amae.input = "mask"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %h = amae.linear %x, %w : (tensor<2x5x4xf32>, tensor<4x4xf32>) -> tensor<2x5x4xf32>
  %r = arith.addf %x, %h : tensor<2x5x4xf32>
  %s = tensor.extract_slice %r[0, 1, 0] [2, 4, 4] [1, 1, 1] : tensor<2x5x4xf32> to tensor<2x4x4xf32>
  %l = amae.masked_mse_loss %s, %t, %m {norm_pix = false} : (tensor<2x4x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// The pretraining graph's patch embedding: a convolution weight flattened
// for a linear (tensor.collapse_shape), and a tensor.expand_shape; the
// masked image pixels the linear reads get no gradient (not a parameter).
func.func @reshapes(%x: tensor<2x3x6xf32> {amae.input = "pixels"}, %w: tensor<4x1x2x3xf32> {amae.param = "w"},
                    %b: tensor<4xf32> {amae.param = "b"}, %t: tensor<2x3x2x2xf32> {amae.input = "target"},
                    %m: tensor<2x3xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %flat = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<4x1x2x3xf32> into tensor<4x6xf32>
  %y = amae.linear %x, %flat, %b : (tensor<2x3x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %e = tensor.expand_shape %y [[0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
  %c = tensor.collapse_shape %e [[0], [1], [2, 3]] : tensor<2x3x2x2xf32> into tensor<2x3x4xf32>
  %tc = tensor.collapse_shape %t [[0], [1], [2, 3]] : tensor<2x3x2x2xf32> into tensor<2x3x4xf32>
  %l = amae.masked_mse_loss %c, %tc, %m {norm_pix = false} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
