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
