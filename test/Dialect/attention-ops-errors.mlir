// RUN: amae-opt %s -split-input-file -verify-diagnostics

// split_qkv_c1
func.func @split_qkv_c1(%x: tensor<2x7x192xf32>) {
  // expected-error @+1 {{split_qkv_c1: heads must be positive, got 0}}
  %q, %k, %v = amae.split_qkv %x {heads = 0 : i64} : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// split_qkv_c2
func.func @split_qkv_c2(%x: tensor<2x7x190xf32>) {
  // expected-error @+1 {{split_qkv_c2: width 190 is not 3 x 4 heads}}
  %q, %k, %v = amae.split_qkv %x {heads = 4 : i64} : (tensor<2x7x190xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// split_qkv_c3
func.func @split_qkv_c3(%x: tensor<2x7x192xf32>) {
  // expected-error @+1 {{split_qkv_c3: v must have shape [2, 4, 7, 16], got [2, 4, 16, 7]}}
  %q, %k, %v = amae.split_qkv %x {heads = 4 : i64} : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x16x7xf32>)
  return
}

// -----

// merge_heads_c1
func.func @merge_heads_c1(%x: tensor<2x7x64xf32>) {
  // expected-error @+1 {{merge_heads_c1: input must have rank 4, got rank 3}}
  %m = amae.merge_heads %x : (tensor<2x7x64xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// merge_heads_c2
func.func @merge_heads_c2(%x: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{merge_heads_c2: result must have shape [2, 7, 64], got [2, 4, 112]}}
  %m = amae.merge_heads %x : (tensor<2x4x7x16xf32>) -> tensor<2x4x112xf32>
  return
}

// -----

// attention_c1
func.func @attention_c1(%q: tensor<2x7x16xf32>, %k: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{attention_c1: q must have rank 4, got rank 3}}
  %o = amae.attention %q, %k, %k {scale = 0.25 : f32} : (tensor<2x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  return
}

// -----

// attention_c2
func.func @attention_c2(%q: tensor<2x4x7x16xf32>, %k: tensor<2x2x7x16xf32>) {
  // expected-error @+1 {{attention_c2: batch and head dimensions of q [2, 4, 7, 16], k [2, 2, 7, 16] and v [2, 2, 7, 16] differ}}
  %o = amae.attention %q, %k, %k {scale = 0.25 : f32} : (tensor<2x4x7x16xf32>, tensor<2x2x7x16xf32>, tensor<2x2x7x16xf32>) -> tensor<2x4x7x16xf32>
  return
}

// -----

// attention_c3
func.func @attention_c3(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x7x8xf32>) {
  // expected-error @+1 {{attention_c3: q head width 16 differs from k head width 8}}
  %o = amae.attention %q, %k, %k {scale = 0.25 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) -> tensor<2x4x7x8xf32>
  return
}

// -----

// attention_c4
func.func @attention_c4(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x9x16xf32>, %v: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{attention_c4: k has 9 keys but v has 7 values}}
  %o = amae.attention %q, %k, %v {scale = 0.25 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  return
}

// -----

// attention_c5
func.func @attention_c5(%q: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{attention_c5: scale must be positive, got -0.25}}
  %o = amae.attention %q, %q, %q {scale = -0.25 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  return
}

// -----

// attention_c6
func.func @attention_c6(%q: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{attention_c6: result must have shape [2, 4, 7, 16], got [2, 4, 16, 7]}}
  %o = amae.attention %q, %q, %q {scale = 0.25 : f32} : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x16x7xf32>
  return
}

// -----

// window_attention_c1
func.func @window_attention_c1(%q: tensor<2x4x32x8xf32>, %k: tensor<2x4x32x16xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_c1: k must have shape [2, 4, 32, 8], got [2, 4, 32, 16]}}
  %o = amae.window_attention %q, %k, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 0, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c2
func.func @window_attention_c2(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_c2: 32 tokens do not fill the grid [8, 8]}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 8>, window = array<i64: 4, 4>, shift = array<i64: 0, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c3
func.func @window_attention_c3(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<576x4xf32>) {
  // expected-error @+1 {{window_attention_c3: window [3, 4] must divide the grid [8, 4]}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 3, 4>, shift = array<i64: 0, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<576x4xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c4
func.func @window_attention_c4(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_c4: shift [4, 0] must be smaller than the window [4, 4]}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 4, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c5
func.func @window_attention_c5(%q: tensor<2x4x32x8xf32>, %tau: tensor<16xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_c5: tau must have shape [4], got [16]}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<16xf32>, tensor<256x4xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c6
func.func @window_attention_c6(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<4x256xf32>) {
  // expected-error @+1 {{window_attention_c6: pos_bias must have shape [256, 4], got [4, 256]}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<4x256xf32>) -> tensor<2x4x32x8xf32>
  return
}

// -----

// window_attention_c7
func.func @window_attention_c7(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_c7: result type 'tensor<2x32x32xf32>' differs from q type 'tensor<2x4x32x8xf32>'}}
  %o = amae.window_attention %q, %q, %q, %tau, %b {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>) -> tensor<2x32x32xf32>
  return
}

// -----

// shift_mask_c1
func.func @shift_mask_c1() {
  // expected-error @+1 {{shift_mask_c1: shift [2, 4] must be smaller than the window [4, 4]}}
  %m = amae.shift_mask {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 4>} : tensor<2x16x16xf32>
  return
}

// -----

// shift_mask_c2
func.func @shift_mask_c2() {
  // expected-error @+1 {{shift_mask_c2: result must have shape [2, 16, 16], got [32, 16, 16]}}
  %m = amae.shift_mask {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>} : tensor<32x16x16xf32>
  return
}

// -----

// log_relative_coords_c1
func.func @log_relative_coords_c1() {
  // expected-error @+1 {{log_relative_coords_c1: window must hold 2 sizes, got 1}}
  %c = amae.log_relative_coords {window = array<i64: 4>} : tensor<16x2xf32>
  return
}

// -----

// log_relative_coords_c2
func.func @log_relative_coords_c2() {
  // expected-error @+1 {{log_relative_coords_c2: result must have shape [256, 2], got [16, 16, 2]}}
  %c = amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<16x16x2xf32>
  return
}

// -----

// attention_grad_c1
func.func @attention_grad_c1(%q: tensor<2x4x7x16xf32>, %d: tensor<2x4x7xf32>) {
  // expected-error @+1 {{attention_grad_c1: dout must have rank 4, got rank 3}}
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %d {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// attention_grad_c2
func.func @attention_grad_c2(%q: tensor<2x4x7x16xf32>, %k: tensor<2x2x7x16xf32>) {
  // expected-error @+1 {{attention_grad_c2: batch and head dimensions of q [2, 4, 7, 16], k [2, 2, 7, 16] and v [2, 2, 7, 16] differ}}
  %dq, %dk, %dv = amae.attention_grad %q, %k, %k, %q {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x2x7x16xf32>, tensor<2x2x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x2x7x16xf32>, tensor<2x2x7x16xf32>)
  return
}

// -----

// attention_grad_c3
func.func @attention_grad_c3(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x7x8xf32>) {
  // expected-error @+1 {{attention_grad_c3: q head width 16 differs from k head width 8}}
  %dq, %dk, %dv = amae.attention_grad %q, %k, %q, %q {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// attention_grad_c4
func.func @attention_grad_c4(%q: tensor<2x4x7x16xf32>, %k: tensor<2x4x9x16xf32>) {
  // expected-error @+1 {{attention_grad_c4: k has 9 keys but v has 7 values}}
  %dq, %dk, %dv = amae.attention_grad %q, %k, %q, %q {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x9x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// attention_grad_c5
func.func @attention_grad_c5(%q: tensor<2x4x7x16xf32>) {
  // expected-error @+1 {{attention_grad_c5: scale must be positive, got 0}}
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %q {scale = 0.0 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// attention_grad_c6
func.func @attention_grad_c6(%q: tensor<2x4x7x16xf32>, %d: tensor<2x4x16x7xf32>) {
  // expected-error @+1 {{attention_grad_c6: dout must have shape [2, 4, 7, 16], got [2, 4, 16, 7]}}
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %d {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x16x7xf32>)
      -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  return
}

// -----

// window_attention_grad_c1
func.func @window_attention_grad_c1(%q: tensor<2x4x32x8xf32>, %d: tensor<2x4x32x16xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_grad_c1: dout must have shape [2, 4, 32, 8], got [2, 4, 32, 16]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %d {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>, tensor<2x4x32x16xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>)
  return
}

// -----

// window_attention_grad_c2
func.func @window_attention_grad_c2(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_grad_c2: 32 tokens do not fill the grid [8, 8]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %q {grid = array<i64: 8, 8>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>)
  return
}

// -----

// window_attention_grad_c3
func.func @window_attention_grad_c3(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<576x4xf32>) {
  // expected-error @+1 {{window_attention_grad_c3: window [3, 4] must divide the grid [8, 4]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %q {grid = array<i64: 8, 4>, window = array<i64: 3, 4>, shift = array<i64: 0, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<576x4xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<576x4xf32>)
  return
}

// -----

// window_attention_grad_c4
func.func @window_attention_grad_c4(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_grad_c4: shift [4, 0] must be smaller than the window [4, 4]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %q {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 4, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<256x4xf32>)
  return
}

// -----

// window_attention_grad_c5
func.func @window_attention_grad_c5(%q: tensor<2x4x32x8xf32>, %tau: tensor<16xf32>, %b: tensor<256x4xf32>) {
  // expected-error @+1 {{window_attention_grad_c5: tau must have shape [4], got [16]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %q {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<16xf32>, tensor<256x4xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<16xf32>, tensor<256x4xf32>)
  return
}

// -----

// window_attention_grad_c6
func.func @window_attention_grad_c6(%q: tensor<2x4x32x8xf32>, %tau: tensor<4xf32>, %b: tensor<4x256xf32>) {
  // expected-error @+1 {{window_attention_grad_c6: pos_bias must have shape [256, 4], got [4, 256]}}
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %q {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<4x256xf32>, tensor<2x4x32x8xf32>)
      -> (tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>, tensor<4xf32>, tensor<4x256xf32>)
  return
}
