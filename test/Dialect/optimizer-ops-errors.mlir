// RUN: amae-opt %s -split-input-file -verify-diagnostics

// adamw_update_c1
func.func @adamw_update_c1(%p: tensor<64xf32>, %lr: tensor<f32>, %s: tensor<i64>) {
  %b1 = arith.constant dense<0.9> : tensor<f32>
  %b2 = arith.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{adamw_update_c1: beta2 must be in [0, 1), got 1}}
  %a, %b, %c = amae.adamw_update %p, %p, %p, %p, %lr, %s, %b1, %b2, %lr {eps = 1.0e-8 : f64} : tensor<64xf32>, tensor<f32>, tensor<i64>
  return
}

// -----

// adamw_update_c2
func.func @adamw_update_c2(%p: tensor<64xf32>, %lr: tensor<f32>, %s: tensor<i64>) {
  %wd = arith.constant dense<-0.05> : tensor<f32>
  // expected-error @+1 {{adamw_update_c2: eps must be positive and weight_decay non-negative, got 1e-08 and -0.05}}
  %a, %b, %c = amae.adamw_update %p, %p, %p, %p, %lr, %s, %lr, %lr, %wd {eps = 1.0e-8 : f64} : tensor<64xf32>, tensor<f32>, tensor<i64>
  return
}

// -----

// The optimizer state must have the parameter's type (ODS AllTypesMatch).
func.func @adamw_types(%p: tensor<64xf32>, %g: tensor<32xf32>, %lr: tensor<f32>, %s: tensor<i64>) {
  // expected-error @+1 {{all of {param, grad, m, v, new_param, new_m, new_v} have same type}}
  %a, %b, %c = "amae.adamw_update"(%p, %g, %p, %p, %lr, %s, %lr, %lr, %lr) {eps = 1.0e-8 : f64} : (tensor<64xf32>, tensor<32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>, tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
