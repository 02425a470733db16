// RUN: amae-opt %s -split-input-file -verify-diagnostics

// fused_attention_c1
func.func @fused_attention_c1(%q: tensor<1x2x5x4xf32>, %o: memref<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_c1: q must be a rank-4 f32 memref like the destination, got 'tensor<1x2x5x4xf32>'}}
  amae.fused_attention %q, %q, %q into %o {scale = 0.5 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c1
func.func @fused_attention_c1_result(%q: tensor<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_c1: on tensors the op returns one value of each destination's type}}
  amae.fused_attention %q, %q, %q into %q {scale = 0.5 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into tensor<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c1
func.func @fused_attention_c1_rank(%q: memref<2x5x4xf32>, %o: memref<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_c1: q must be a rank-4 f32 memref like the destination, got 'memref<2x5x4xf32>'}}
  amae.fused_attention %q, %q, %q into %o {scale = 0.5 : f32}
      : memref<2x5x4xf32>, memref<2x5x4xf32>, memref<2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c2
func.func @fused_attention_c2(%q: memref<1x2x5x4xf32>, %k: memref<1x3x5x4xf32>) {
  // expected-error @+1 {{fused_attention_c2: batch and head dimensions of q [1, 2, 5, 4], k [1, 3, 5, 4] and v [1, 2, 5, 4] differ}}
  amae.fused_attention %q, %k, %q into %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x3x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c3
func.func @fused_attention_c3(%q: memref<1x2x5x4xf32>, %k: memref<1x2x5x8xf32>) {
  // expected-error @+1 {{fused_attention_c3: q head width 4 differs from k head width 8}}
  amae.fused_attention %q, %k, %q into %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x8xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c4
func.func @fused_attention_c4(%q: memref<1x2x5x4xf32>, %v: memref<1x2x6x4xf32>) {
  // expected-error @+1 {{fused_attention_c4: k has 5 keys but v has 6 values}}
  amae.fused_attention %q, %q, %v into %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x6x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c5
func.func @fused_attention_c5(%q: memref<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_c5: scale must be positive, got 0}}
  amae.fused_attention %q, %q, %q into %q {scale = 0.0 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_c6
func.func @fused_attention_c6(%q: memref<1x2x5x4xf32>, %o: memref<1x2x5x3xf32>) {
  // expected-error @+1 {{fused_attention_c6: init must have shape [1, 2, 5, 4], got [1, 2, 5, 3]}}
  amae.fused_attention %q, %q, %q into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x3xf32>
  return
}

// -----

// fused_attention_grad_c1
func.func @fused_attention_grad_c1(%q: memref<1x2x5x4xf32>, %d: tensor<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_grad_c1: dout must be a rank-4 f32 memref like the destination, got 'tensor<1x2x5x4xf32>'}}
  amae.fused_attention_grad %q, %q, %q, %d into %q, %q, %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, tensor<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_grad_c2
func.func @fused_attention_grad_c2(%q: memref<1x2x5x4xf32>, %v: memref<2x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_grad_c2: batch and head dimensions of q [1, 2, 5, 4], k [1, 2, 5, 4] and v [2, 2, 5, 4] differ}}
  amae.fused_attention_grad %q, %q, %v, %q into %q, %q, %v {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<2x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<2x2x5x4xf32>
  return
}

// -----

// fused_attention_grad_c3
func.func @fused_attention_grad_c3(%q: memref<1x2x5x4xf32>, %k: memref<1x2x5x8xf32>) {
  // expected-error @+1 {{fused_attention_grad_c3: q head width 4 differs from k head width 8}}
  amae.fused_attention_grad %q, %k, %q, %q into %q, %k, %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x8xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x8xf32>, memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_grad_c4
func.func @fused_attention_grad_c4(%q: memref<1x2x5x4xf32>, %v: memref<1x2x6x4xf32>) {
  // expected-error @+1 {{fused_attention_grad_c4: k has 5 keys but v has 6 values}}
  amae.fused_attention_grad %q, %q, %v, %q into %q, %q, %v {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x6x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x6x4xf32>
  return
}

// -----

// fused_attention_grad_c5
func.func @fused_attention_grad_c5(%q: memref<1x2x5x4xf32>) {
  // expected-error @+1 {{fused_attention_grad_c5: scale must be positive, got -1}}
  amae.fused_attention_grad %q, %q, %q, %q into %q, %q, %q {scale = -1.0 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}

// -----

// fused_attention_grad_c6
func.func @fused_attention_grad_c6(%q: memref<1x2x5x4xf32>, %dk: memref<1x2x4x4xf32>) {
  // expected-error @+1 {{fused_attention_grad_c6: dk_init must have shape [1, 2, 5, 4], got [1, 2, 4, 4]}}
  amae.fused_attention_grad %q, %q, %q, %q into %q, %dk, %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x4x4xf32>, memref<1x2x5x4xf32>
  return
}

// -----

// fused_window_attention_c1
func.func @fused_window_attention_c1(%a0: memref<1x2x32x8xf32>, %a1: memref<2x1xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c1: tau must be a rank-1 f32 memref like the destination, got 'memref<2x1xf32>'}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2x1xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c1
func.func @fused_window_attention_c1_kind(%a0: tensor<1x2x32x8xf32>, %a1: memref<1x2x32x8xf32>, %a2: memref<2xf32>, %a3: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c1: q must be a rank-4 f32 memref like the destination, got 'tensor<1x2x32x8xf32>'}}
  amae.fused_window_attention %a0, %a1, %a1, %a2, %a3 into %a1
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : tensor<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c2
func.func @fused_window_attention_c2(%a0: memref<1x2x32x8xf32>, %a1: memref<1x2x32x4xf32>, %a2: memref<2xf32>, %a3: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c2: k must have shape [1, 2, 32, 8], got [1, 2, 32, 4]}}
  amae.fused_window_attention %a0, %a1, %a0, %a2, %a3 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x4xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c3
func.func @fused_window_attention_c3(%a0: memref<1x2x32x8xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c3: 32 tokens do not fill the grid [4, 4]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 4, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c4
func.func @fused_window_attention_c4(%a0: memref<1x2x32x8xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c4: window [3, 4] must divide the grid [8, 4]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 3, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c5
func.func @fused_window_attention_c5(%a0: memref<1x2x32x8xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c5: shift [4, 0] must be smaller than the window [4, 4]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 4, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c6
func.func @fused_window_attention_c6(%a0: memref<1x2x32x8xf32>, %a1: memref<3xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c6: tau must have shape [2], got [3]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<3xf32>, memref<256x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c7
func.func @fused_window_attention_c7(%a0: memref<1x2x32x8xf32>, %a1: memref<2xf32>, %a2: memref<16x2xf32>) {
  // expected-error @+1 {{fused_window_attention_c7: pos_bias must have shape [256, 2], got [16, 2]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a0
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<16x2xf32> into memref<1x2x32x8xf32>
  return
}

// -----

// fused_window_attention_c8
func.func @fused_window_attention_c8(%a0: memref<1x2x32x8xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>, %a3: memref<1x2x32x4xf32>) {
  // expected-error @+1 {{fused_window_attention_c8: init must have shape [1, 2, 32, 8], got [1, 2, 32, 4]}}
  amae.fused_window_attention %a0, %a0, %a0, %a1, %a2 into %a3
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>, memref<2xf32>, memref<256x2xf32> into memref<1x2x32x4xf32>
  return
}

// -----

// fused_window_attention_grad_c1
func.func @fused_window_attention_grad_c1(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>, %a3: memref<256xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c1: dbias_init must be a rank-2 f32 memref like the destination, got 'memref<256xf32>'}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a3
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256xf32>
  return
}

// -----

// fused_window_attention_grad_c2
func.func @fused_window_attention_grad_c2(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>, %a3: memref<1x2x32x8xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c2: dout must have shape [1, 2, 32, 4], got [1, 2, 32, 8]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a3 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x8xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>
  return
}

// -----

// fused_window_attention_grad_c3
func.func @fused_window_attention_grad_c3(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c3: 32 tokens do not fill the grid [8, 8]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 8>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>
  return
}

// -----

// fused_window_attention_grad_c4
func.func @fused_window_attention_grad_c4(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c4: window [4, 3] must divide the grid [8, 4]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 3>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>
  return
}

// -----

// fused_window_attention_grad_c5
func.func @fused_window_attention_grad_c5(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c5: shift [0, 5] must be smaller than the window [4, 4]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 0, 5>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>
  return
}

// -----

// fused_window_attention_grad_c6
func.func @fused_window_attention_grad_c6(%a0: memref<1x2x32x4xf32>, %a1: memref<4xf32>, %a2: memref<256x2xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c6: tau must have shape [2], got [4]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<4xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<4xf32>, memref<256x2xf32>
  return
}

// -----

// fused_window_attention_grad_c7
func.func @fused_window_attention_grad_c7(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x4xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c7: pos_bias must have shape [256, 2], got [256, 4]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a1, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x4xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x4xf32>
  return
}

// -----

// fused_window_attention_grad_c8
func.func @fused_window_attention_grad_c8(%a0: memref<1x2x32x4xf32>, %a1: memref<2xf32>, %a2: memref<256x2xf32>, %a3: memref<4xf32>) {
  // expected-error @+1 {{fused_window_attention_grad_c8: dtau_init must have shape [2], got [4]}}
  amae.fused_window_attention_grad %a0, %a0, %a0, %a1, %a2, %a0 into %a0, %a0, %a0, %a3, %a2
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>, memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<4xf32>, memref<256x2xf32>
  return
}
