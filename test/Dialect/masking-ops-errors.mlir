// RUN: amae-opt %s -split-input-file -verify-diagnostics

// random_masking_c1
func.func @random_masking_c1(%x: tensor<2x32xf32>, %n: tensor<2x32xf32>) {
  // expected-error @+1 {{random_masking_c1: input must have rank 3, got rank 2}}
  %a, %b, %c, %d = amae.random_masking %x, %n {mask_ratio = 0.8 : f64} : (tensor<2x32xf32>, tensor<2x32xf32>) -> (tensor<2x6x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
  return
}

// -----

// random_masking_c2
func.func @random_masking_c2(%x: tensor<2x32x64xf32>, %n: tensor<2x31xf32>) {
  // expected-error @+1 {{random_masking_c2: noise must have shape [2, 32], got [2, 31]}}
  %a, %b, %c, %d = amae.random_masking %x, %n {mask_ratio = 0.8 : f64} : (tensor<2x32x64xf32>, tensor<2x31xf32>) -> (tensor<2x6x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
  return
}

// -----

// random_masking_c3
func.func @random_masking_c3(%x: tensor<2x32x64xf32>, %n: tensor<2x32xf32>) {
  // expected-error @+1 {{random_masking_c3: mask_ratio must be in [0, 1), got 1}}
  %a, %b, %c, %d = amae.random_masking %x, %n {mask_ratio = 1.0 : f64} : (tensor<2x32x64xf32>, tensor<2x32xf32>) -> (tensor<2x0x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x0xi64>)
  return
}

// -----

// random_masking_c3
func.func @random_masking_c3_none_kept(%x: tensor<2x4x64xf32>, %n: tensor<2x4xf32>) {
  // expected-error @+1 {{random_masking_c3: mask_ratio 0.8 keeps none of 4 tokens}}
  %a, %b, %c, %d = amae.random_masking %x, %n {mask_ratio = 0.8 : f64} : (tensor<2x4x64xf32>, tensor<2x4xf32>) -> (tensor<2x0x64xf32>, tensor<2x4xf32>, tensor<2x4xi64>, tensor<2x0xi64>)
  return
}

// -----

// random_masking_c4
func.func @random_masking_c4(%x: tensor<2x32x64xf32>, %n: tensor<2x32xf32>) {
  // expected-error @+1 {{random_masking_c4: kept must have shape [2, 6, 64], got [2, 7, 64]}}
  %a, %b, %c, %d = amae.random_masking %x, %n {mask_ratio = 0.8 : f64} : (tensor<2x32x64xf32>, tensor<2x32xf32>) -> (tensor<2x7x64xf32>, tensor<2x32xf32>, tensor<2x32xi64>, tensor<2x6xi64>)
  return
}

// -----

// time_freq_masking_c1
func.func @time_freq_masking_c1(%x: tensor<2x32x64xf32>, %nt: tensor<8xf32>, %nf: tensor<2x4xf32>) {
  // expected-error @+1 {{time_freq_masking_c1: noise_t must have rank 2, got rank 1}}
  %a, %b, %c = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64} : (tensor<2x32x64xf32>, tensor<8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  return
}

// -----

// time_freq_masking_c2
func.func @time_freq_masking_c2(%x: tensor<2x32x64xf32>, %nt: tensor<2x8xf32>, %nf: tensor<2x8xf32>) {
  // expected-error @+1 {{time_freq_masking_c2: input has 32 tokens, not the 8 x 8 grid of the noise tensors}}
  %a, %b, %c = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64} : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x8xf32>) -> (tensor<2x36x64xf32>, tensor<2x6xi64>, tensor<2x6xi64>)
  return
}

// -----

// time_freq_masking_c2
func.func @time_freq_masking_c2_batch(%x: tensor<2x32x64xf32>, %nt: tensor<3x8xf32>, %nf: tensor<2x4xf32>) {
  // expected-error @+1 {{time_freq_masking_c2: noise batch sizes must match the input batch 2}}
  %a, %b, %c = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64} : (tensor<2x32x64xf32>, tensor<3x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  return
}

// -----

// time_freq_masking_c3
func.func @time_freq_masking_c3(%x: tensor<2x32x64xf32>, %nt: tensor<2x8xf32>, %nf: tensor<2x4xf32>) {
  // expected-error @+1 {{time_freq_masking_c3: mask_f must be in [0, 1), got -0.1}}
  %a, %b, %c = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = -0.1 : f64} : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  return
}

// -----

// time_freq_masking_c4
func.func @time_freq_masking_c4(%x: tensor<2x32x64xf32>, %nt: tensor<2x8xf32>, %nf: tensor<2x4xf32>) {
  // expected-error @+1 {{time_freq_masking_c4: keep_f must have shape [2, 3], got [2, 4]}}
  %a, %b, %c = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64} : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x4xi64>)
  return
}

// -----

// unshuffle_c1
func.func @unshuffle_c1(%v: tensor<2x6x32xf32>, %t: tensor<32xf32>, %r: tensor<2x32xi64>) {
  // expected-error @+1 {{unshuffle_c1: mask_token must have rank 3, got rank 1}}
  %u = amae.unshuffle %v, %t, %r : (tensor<2x6x32xf32>, tensor<32xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  return
}

// -----

// unshuffle_c2
func.func @unshuffle_c2(%v: tensor<2x6x32xf32>, %t: tensor<1x1x64xf32>, %r: tensor<2x32xi64>) {
  // expected-error @+1 {{unshuffle_c2: mask_token must have shape [1, 1, 32], got [1, 1, 64]}}
  %u = amae.unshuffle %v, %t, %r : (tensor<2x6x32xf32>, tensor<1x1x64xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  return
}

// -----

// unshuffle_c3
func.func @unshuffle_c3(%v: tensor<2x40x32xf32>, %t: tensor<1x1x32xf32>, %r: tensor<2x32xi64>) {
  // expected-error @+1 {{unshuffle_c3: 40 visible tokens exceed the 32 restored positions}}
  %u = amae.unshuffle %v, %t, %r : (tensor<2x40x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  return
}

// -----

// unshuffle_c4
func.func @unshuffle_c4(%v: tensor<2x6x32xf32>, %t: tensor<1x1x32xf32>, %r: tensor<2x32xi64>) {
  // expected-error @+1 {{unshuffle_c4: result must have shape [2, 32, 32], got [2, 33, 32]}}
  %u = amae.unshuffle %v, %t, %r : (tensor<2x6x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>) -> tensor<2x33x32xf32>
  return
}

// -----

// prepend_token_c1
func.func @prepend_token_c1(%x: tensor<2x6x64xf32>, %t: tensor<64xf32>) {
  // expected-error @+1 {{prepend_token_c1: token must have rank 3, got rank 1}}
  %y = amae.prepend_token %x, %t : (tensor<2x6x64xf32>, tensor<64xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// prepend_token_c2
func.func @prepend_token_c2(%x: tensor<2x6x64xf32>, %t: tensor<2x1x64xf32>) {
  // expected-error @+1 {{prepend_token_c2: token must have shape [1, 1, 64], got [2, 1, 64]}}
  %y = amae.prepend_token %x, %t : (tensor<2x6x64xf32>, tensor<2x1x64xf32>) -> tensor<2x7x64xf32>
  return
}

// -----

// prepend_token_c3
func.func @prepend_token_c3(%x: tensor<2x6x64xf32>, %t: tensor<1x1x64xf32>) {
  // expected-error @+1 {{prepend_token_c3: result must have shape [2, 7, 64], got [2, 6, 64]}}
  %y = amae.prepend_token %x, %t : (tensor<2x6x64xf32>, tensor<1x1x64xf32>) -> tensor<2x6x64xf32>
  return
}

// -----

// add_position_c1
func.func @add_position_c1(%x: tensor<2x32x64xf32>, %p: tensor<2x33x64xf32>) {
  // expected-error @+1 {{add_position_c1: table must have a leading dimension of 1, got 2}}
  %y = amae.add_position %x, %p {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<2x33x64xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// add_position_c2
func.func @add_position_c2(%x: tensor<2x32x64xf32>, %p: tensor<1x33x32xf32>) {
  // expected-error @+1 {{add_position_c2: input width 64 differs from the table width 32}}
  %y = amae.add_position %x, %p {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<1x33x32xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// add_position_c3
func.func @add_position_c3(%x: tensor<2x32x64xf32>, %p: tensor<1x33x64xf32>) {
  // expected-error @+1 {{add_position_c3: rows [2, 2 + 32) are not inside the table's 33 rows}}
  %y = amae.add_position %x, %p {offset = 2 : i64} : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<2x32x64xf32>
  return
}

// -----

// add_position_c4
func.func @add_position_c4(%x: tensor<2x32x64xf32>, %p: tensor<1x33x64xf32>) {
  // expected-error @+1 {{add_position_c4: result type 'tensor<?x32x64xf32>' differs from the input type 'tensor<2x32x64xf32>'}}
  %y = amae.add_position %x, %p {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<?x32x64xf32>
  return
}
