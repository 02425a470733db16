// RUN: amae-opt %s -amae-cpu-attention-to-library -verify-diagnostics

// The pass replaces the buffer form; tensors mean bufferization did not run.
func.func @tensors(%q: tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32> {
  %init = tensor.empty() : tensor<1x2x5x4xf32>
  // expected-error @+1 {{must be bufferized before amae-cpu-attention-to-library}}
  %o = amae.fused_attention %q, %q, %q into %init {scale = 0.5 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into tensor<1x2x5x4xf32>
      -> tensor<1x2x5x4xf32>
  return %o : tensor<1x2x5x4xf32>
}
