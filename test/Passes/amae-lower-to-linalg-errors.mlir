// RUN: amae-opt %s -split-input-file -amae-lower-to-linalg -verify-diagnostics

// Regression (hardening issue 6): dynamic shapes verify, but the lowering
// emitted 'tensor.empty' without its dynamic sizes (invalid IR). It refuses
// them by name instead.
func.func @dynamic_batch(%imgs: tensor<?x1x1024x128xf32>) -> tensor<?x512x256xf32> {
  // expected-error @+1 {{'amae.patchify' op has the dynamic type 'tensor<?x1x1024x128xf32>'; amae-lower-to-linalg lowers static shapes only}}
  %p = amae.patchify %imgs {patch = 16 : i64} : (tensor<?x1x1024x128xf32>) -> tensor<?x512x256xf32>
  return %p : tensor<?x512x256xf32>
}

// -----

// A dynamic fbank used to fail to legalize without saying why.
func.func @dynamic_fbank(%w: tensor<?xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{'amae.fbank' op has the dynamic type 'tensor<?xf32>'}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<?xf32>) -> tensor<?x128xf32>
  return %f : tensor<?x128xf32>
}

// -----

// Regression (hardening issue 5): a table too large to fold is reported,
// not left for the conversion to fail on silently.
func.func @huge_table() -> tensor<1x1048577x1024xf32> {
  // expected-error @+1 {{'amae.sincos_pos_embed' op cannot be lowered: its table 'tensor<1x1048577x1024xf32>' must be at most 16777216 elements}}
  %pos = amae.sincos_pos_embed {grid = array<i64: 1024, 1024>, dim = 1024 : i64} : tensor<1x1048577x1024xf32>
  return %pos : tensor<1x1048577x1024xf32>
}
