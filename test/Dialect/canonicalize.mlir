// RUN: amae-opt %s -canonicalize -split-input-file | FileCheck %s

// The position table folds to the official values (row 0 is CLS, token 1 of a
// 2 x 1 grid is (1 mod 2, 1 div 2) = (1, 0)).
// CHECK-LABEL: func.func @fold_pos_embed
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00, 1.000000e+00], [0.841470957, 0.540302277, 0.000000e+00, 1.000000e+00]]]> : tensor<1x3x4xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_pos_embed() -> tensor<1x3x4xf32> {
  %pos = amae.sincos_pos_embed {grid = array<i64: 2, 1>, dim = 4 : i64} : tensor<1x3x4xf32>
  return %pos : tensor<1x3x4xf32>
}

// -----

// Grid 2 x 1, window 2 x 1, shift 1: rows 0 and 1 are separate regions.
// CHECK-LABEL: func.func @fold_shift_mask
// CHECK-NEXT: arith.constant dense<{{\[\[\[}}0.000000e+00, -1.000000e+02], [-1.000000e+02, 0.000000e+00]]]> : tensor<1x2x2xf32>
func.func @fold_shift_mask() -> tensor<1x2x2xf32> {
  %m = amae.shift_mask {grid = array<i64: 2, 1>, window = array<i64: 2, 1>, shift = array<i64: 1, 0>} : tensor<1x2x2xf32>
  return %m : tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @fold_log_relative_coords
// CHECK-NEXT: arith.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00], [0.000000e+00, -0.693147182], [0.000000e+00, 0.693147182], [0.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>
func.func @fold_log_relative_coords() -> tensor<4x2xf32> {
  %c = amae.log_relative_coords {window = array<i64: 1, 2>} : tensor<4x2xf32>
  return %c : tensor<4x2xf32>
}

// -----

// Evaluation semantics: zero-rate regularisers vanish; relu is idempotent;
// features that already have the frame count are not padded.
// CHECK-LABEL: func.func @trivial_ops
// CHECK-SAME: (%[[X:.*]]: tensor<2x7x64xf32>, %[[S:.*]]: tensor<i64>, %[[F:.*]]: tensor<1024x128xf32>)
// CHECK-NEXT: %[[R:.*]] = amae.relu %[[X]]
// CHECK-NEXT: return %[[X]], %[[X]], %[[R]], %[[F]]
func.func @trivial_ops(%x: tensor<2x7x64xf32>, %s: tensor<i64>, %f: tensor<1024x128xf32>)
    -> (tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<1024x128xf32>) {
  %a = amae.dropout %x, %s {rate = 0.0 : f64} : tensor<2x7x64xf32>, tensor<i64>
  %b = amae.drop_path %x, %s {rate = 0.0 : f64} : tensor<2x7x64xf32>, tensor<i64>
  %r = amae.relu %x : tensor<2x7x64xf32>
  %rr = amae.relu %r : tensor<2x7x64xf32>
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<1024x128xf32>) -> tensor<1024x128xf32>
  return %a, %b, %rr, %p : tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<1024x128xf32>
}

// -----

// Non-zero rates stay.
// CHECK-LABEL: func.func @training_regularisers
// CHECK: amae.dropout
// CHECK: amae.drop_path
func.func @training_regularisers(%x: tensor<2x7x64xf32>, %s: tensor<i64>) -> (tensor<2x7x64xf32>, tensor<2x7x64xf32>) {
  %a = amae.dropout %x, %s {rate = 0.1 : f64} : tensor<2x7x64xf32>, tensor<i64>
  %b = amae.drop_path %x, %s {rate = 0.1 : f64} : tensor<2x7x64xf32>, tensor<i64>
  return %a, %b : tensor<2x7x64xf32>, tensor<2x7x64xf32>
}

// -----

// Regression (hardening issue 5): a grid whose table would hold 2^30 floats
// used to abort the folder (std::length_error); above 2^24 elements it does
// not fold.
// CHECK-LABEL: func.func @no_fold_huge_pos_embed
// CHECK-NEXT: amae.sincos_pos_embed
func.func @no_fold_huge_pos_embed() -> tensor<1x1048577x1024xf32> {
  %pos = amae.sincos_pos_embed {grid = array<i64: 1024, 1024>, dim = 1024 : i64} : tensor<1x1048577x1024xf32>
  return %pos : tensor<1x1048577x1024xf32>
}
