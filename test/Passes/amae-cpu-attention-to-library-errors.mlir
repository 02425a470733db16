// RUN: amae-opt %s -amae-cpu-attention-to-library -verify-diagnostics
// A block that is not whole register tiles of the kernels' GEMMs is refused.
// RUN: not amae-opt %s -amae-cpu-attention-to-library=block-rows=12 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: error: amae-cpu-attention-to-library: block-rows must be 0 or a multiple of 8 up to 4096, got 12

// The pass replaces the buffer form; tensors mean bufferization did not run.
func.func @tensors(%q: tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32> {
  %init = tensor.empty() : tensor<1x2x5x4xf32>
  // expected-error @+1 {{must be bufferized before amae-cpu-attention-to-library}}
  %o = amae.fused_attention %q, %q, %q into %init {scale = 0.5 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into tensor<1x2x5x4xf32>
      -> tensor<1x2x5x4xf32>
  return %o : tensor<1x2x5x4xf32>
}
