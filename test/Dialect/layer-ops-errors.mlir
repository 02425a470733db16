// RUN: amae-opt %s -split-input-file -verify-diagnostics

// layer_norm_c1
func.func @layer_norm_c1(%x: tensor<2x7x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{layer_norm_c1: weight must have shape [64], got [32]}}
  %n = amae.layer_norm %x, %g, %g : (tensor<2x7x64xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// layer_norm_c1
func.func @layer_norm_c1_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{layer_norm_c1: input must have rank >= 1}}
  %n = amae.layer_norm %x, %g, %g : (tensor<f32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

// layer_norm_c2
func.func @layer_norm_c2(%x: tensor<2x7x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+1 {{layer_norm_c2: eps must be positive, got 0}}
  %n = amae.layer_norm %x, %g, %g {eps = 0.0 : f64} : (tensor<2x7x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// layer_norm_c3
func.func @layer_norm_c3(%x: tensor<2x7x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+1 {{layer_norm_c3: result type 'tensor<14x64xf32>' differs from the input type 'tensor<2x7x64xf32>'}}
  %n = amae.layer_norm %x, %g, %g : (tensor<2x7x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<14x64xf32>
  return
}

// -----

// linear_c1
func.func @linear_c1(%x: tensor<2x7x64xf32>, %w: tensor<192x64x1xf32>) {
  // expected-error @+1 {{linear_c1: weight must have rank 2, got rank 3}}
  %y = amae.linear %x, %w : (tensor<2x7x64xf32>, tensor<192x64x1xf32>) -> tensor<2x7x192xf32>
  return
}

// -----

// linear_c2
func.func @linear_c2(%x: tensor<2x7x64xf32>, %w: tensor<64x192xf32>) {
  // expected-error @+1 {{linear_c2: weight [64, 192] does not take inputs of width 64}}
  %y = amae.linear %x, %w : (tensor<2x7x64xf32>, tensor<64x192xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// linear_c3
func.func @linear_c3(%x: tensor<2x7x64xf32>, %w: tensor<192x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{linear_c3: bias must have shape [192], got [64]}}
  %y = amae.linear %x, %w, %b : (tensor<2x7x64xf32>, tensor<192x64xf32>, tensor<64xf32>) -> tensor<2x7x192xf32>
  return
}

// -----

// linear_c4
func.func @linear_c4(%x: tensor<2x7x64xf32>, %w: tensor<192x64xf32>) {
  // expected-error @+1 {{linear_c4: result must have shape [2, 7, 192], got [14, 192]}}
  %y = amae.linear %x, %w : (tensor<2x7x64xf32>, tensor<192x64xf32>) -> tensor<14x192xf32>
  return
}

// -----

// dropout_c1
func.func @dropout_c1(%x: tensor<256x384xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{dropout_c1: rate must be in [0, 1), got 1}}
  %d = amae.dropout %x, %s {rate = 1.0 : f64} : tensor<256x384xf32>, tensor<i64>
  return
}

// -----

// drop_path_c1
func.func @drop_path_c1(%x: tensor<2x7x64xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{drop_path_c1: rate must be in [0, 1), got -0.5}}
  %d = amae.drop_path %x, %s {rate = -0.5 : f64} : tensor<2x7x64xf32>, tensor<i64>
  return
}

// -----

// drop_path_c1
func.func @drop_path_c1_rank(%x: tensor<f32>, %s: tensor<i64>) {
  // expected-error @+1 {{drop_path_c1: input must have a batch dimension}}
  %d = amae.drop_path %x, %s {rate = 0.1 : f64} : tensor<f32>, tensor<i64>
  return
}

// -----

// Element types are part of the ODS operand constraints.
func.func @linear_f16(%x: tensor<2x64xf16>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %y = amae.linear %x, %w : (tensor<2x64xf16>, tensor<8x64xf32>) -> tensor<2x8xf32>
  return
}
