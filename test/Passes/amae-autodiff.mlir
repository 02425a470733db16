// RUN: amae-opt %s -amae-autodiff -split-input-file -verify-diagnostics | FileCheck %s

// A linear classifier: the loss gains grad outputs for the weight and bias,
// none for the input or the labels; the seed is d loss / d loss = 1.
// CHECK-LABEL: func.func @train
// CHECK-SAME: -> (tensor<f32> {amae.output = "loss"}, tensor<3x8xf32> {amae.output = "grad.w"}, tensor<3xf32> {amae.output = "grad.b"})
// CHECK: arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<f32>, tensor<3x8xf32>, tensor<3xf32>
func.func @train(%x: tensor<2x8xf32> {amae.input = "x"}, %y: tensor<2x3xf32> {amae.input = "labels"},
                 %w: tensor<3x8xf32> {amae.param = "w"}, %b: tensor<3xf32> {amae.param = "b"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %logits = amae.linear %x, %w, %b : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %loss = amae.bce_with_logits %logits, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Frozen parameters get no gradient; unused ones a zero gradient; a value
// used twice accumulates.
// CHECK-LABEL: func.func @frozen_and_unused
// CHECK-SAME: -> (tensor<f32> {amae.output = "loss"}, tensor<3x8xf32> {amae.output = "grad.w"}, tensor<5xf32> {amae.output = "grad.unused"})
// CHECK: arith.addf %{{.*}}, %{{.*}} : tensor<2x3xf32>
func.func @frozen_and_unused(%x: tensor<2x8xf32> {amae.input = "x"}, %y: tensor<2x3xf32> {amae.input = "labels"},
                             %w: tensor<3x8xf32> {amae.param = "w"}, %t: tensor<1x2x8xf32> {amae.param = "table", amae.frozen},
                             %u: tensor<5xf32> {amae.param = "unused"}) -> (tensor<f32> {amae.output = "loss"}) {
  %logits = amae.linear %x, %w : (tensor<2x8xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  %twice = arith.addf %logits, %logits : tensor<2x3xf32>
  %loss = amae.bce_with_logits %twice, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Graphs without a loss are left alone.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: -> (tensor<2x3xf32> {amae.output = "logits"})
func.func @infer(%x: tensor<2x8xf32> {amae.input = "x"}, %w: tensor<3x8xf32> {amae.param = "w"})
    -> (tensor<2x3xf32> {amae.output = "logits"}) {
  %logits = amae.linear %x, %w : (tensor<2x8xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  return %logits : tensor<2x3xf32>
}

// -----

// Dropout's backward applies the same counter-based mask (splitmix64 of
// seed, stream and index) to the gradient.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: {amae.output = "grad.w"}
// CHECK-COUNT-2: arith.constant -7046029254386353131 : i64
func.func @dropout(%x: tensor<2x8xf32> {amae.input = "x"}, %y: tensor<2x3xf32> {amae.input = "labels"},
                   %seed: tensor<i64> {amae.input = "seed"}, %w: tensor<3x8xf32> {amae.param = "w"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %logits = amae.linear %x, %w : (tensor<2x8xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  %d = amae.dropout %logits, %seed {rate = 0.1 : f64, stream = 4 : i64} : tensor<2x3xf32>, tensor<i64>
  %loss = amae.bce_with_logits %d, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// An op without a VJP on the path to the loss is an error at its location.
func.func @no_vjp(%x: tensor<2x8xf32> {amae.input = "x"}, %y: tensor<2x3xf32> {amae.input = "labels"},
                  %seed: tensor<i64> {amae.input = "seed"}, %w: tensor<3x8xf32> {amae.param = "w"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %logits = amae.linear %x, %w : (tensor<2x8xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  // expected-error @+1 {{'amae.normalize' op has no vector-Jacobian product (needed by amae-autodiff)}}
  %d = amae.normalize %logits {mean = 0.0 : f64, std = 1.0 : f64} : tensor<2x3xf32>
  %loss = amae.bce_with_logits %d, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A VJP that gives no gradient for an operand (here the loss's target, data
// in the model) is an error once that operand depends on a trained
// parameter: the gradient would be silently incomplete.
func.func @target_depends_on_param(%x: tensor<1x4x6xf32> {amae.input = "x"}, %m: tensor<1x4xf32> {amae.input = "mask"},
                                   %w: tensor<6x6xf32> {amae.param = "w"})
    -> (tensor<f32> {amae.output = "loss"}) {
  %y = amae.linear %x, %w : (tensor<1x4x6xf32>, tensor<6x6xf32>) -> tensor<1x4x6xf32>
  // expected-error @+1 {{'amae.masked_mse_loss' op has no gradient for operand #1, which depends on a trained parameter (amae-autodiff)}}
  %l = amae.masked_mse_loss %x, %y, %m {norm_pix = false} : (tensor<1x4x6xf32>, tensor<1x4x6xf32>, tensor<1x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
