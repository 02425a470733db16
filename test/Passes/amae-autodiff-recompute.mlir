// RUN: amae-opt %s -split-input-file -amae-autodiff=recompute=blocks | FileCheck %s
// RUN: amae-opt %s -split-input-file -amae-autodiff=recompute=activations | FileCheck %s --check-prefix=ACT
// RUN: not amae-opt %s -amae-autodiff=recompute=layers 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: amae-autodiff: recompute must be none, activations or blocks, got 'layers'

// One transformer-style block (ops located in "blocks.0.*") between an
// embedding and a loss. With recompute=blocks the backward clones the
// block's forward, fed from its input through `x + 0.0`, and its VJPs read
// the clones: the forward's layer norm and linear results are used by the
// forward only.
// CHECK-LABEL: func.func @train
// CHECK:         %[[X:.*]] = amae.linear %arg0, %arg2
// CHECK:         %[[N:.*]] = amae.layer_norm %[[X]], %arg3, %arg4
// CHECK:         %[[H:.*]] = amae.linear %[[N]], %arg5
// CHECK:         %[[R:.*]] = arith.addf %[[X]], %[[H]]
// CHECK:         amae.masked_mse_loss %[[R]]
// The recomputed block, after the loss's own VJP:
// CHECK:         %[[X2:.*]] = arith.addf %[[X]], %cst
// CHECK:         %[[N2:.*]] = amae.layer_norm %[[X2]], %arg3, %arg4
// CHECK:         amae.linear %[[N2]], %arg5
// CHECK-NOT:     %[[N]]{{[^0-9]}}
// CHECK:         return
// With recompute=activations the layer norm alone is recomputed (its VJP
// reads only its input, which the residual keeps), before the weight
// gradient of the linear that reads it:
// ACT-LABEL: func.func @train
// ACT:         %[[X:.*]] = amae.linear %arg0, %arg2
// ACT:         %[[N:.*]] = amae.layer_norm %[[X]], %arg3, %arg4
// ACT:         amae.linear %[[N]], %arg5
// ACT-NOT:     amae.linear
// ACT:         amae.masked_mse_loss
// ACT:         %[[X2:.*]] = arith.addf %[[X]], %cst{{.*}} : tensor<1x4x6xf32>
// ACT:         %[[N2:.*]] = amae.layer_norm %[[X2]], %arg3, %arg4
// ACT:         tensor.collapse_shape %[[N2]]
// ACT-NOT:     %[[N]]{{[^0-9]}}
// ACT:         return
func.func @train(%in: tensor<1x4x6xf32> {amae.input = "x"}, %t: tensor<1x4x6xf32> {amae.input = "target"},
                 %w0: tensor<6x6xf32> {amae.param = "embed"}, %g: tensor<6xf32> {amae.param = "blocks.0.norm1.weight"},
                 %b: tensor<6xf32> {amae.param = "blocks.0.norm1.bias"}, %w1: tensor<6x6xf32> {amae.param = "blocks.0.fc"},
                 %m: tensor<1x4xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %x = amae.linear %in, %w0 : (tensor<1x4x6xf32>, tensor<6x6xf32>) -> tensor<1x4x6xf32> loc("embed")
  %n = amae.layer_norm %x, %g, %b {eps = 1.0e-6 : f64} : (tensor<1x4x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x4x6xf32> loc("blocks.0.attn")
  %h = amae.linear %n, %w1 : (tensor<1x4x6xf32>, tensor<6x6xf32>) -> tensor<1x4x6xf32> loc("blocks.0.attn")
  %r = arith.addf %x, %h : tensor<1x4x6xf32> loc("blocks.0.attn")
  %l = amae.masked_mse_loss %r, %t, %m {norm_pix = false} : (tensor<1x4x6xf32>, tensor<1x4x6xf32>, tensor<1x4xf32>) -> tensor<f32> loc("head")
  return %l : tensor<f32>
}

// -----

// With recompute=activations the backward reads a GELU of the stored input
// (through `x + 0.0`) instead of the forward's GELU output, which the
// forward's second linear is then the last to use.
// ACT-LABEL: func.func @mlp
// ACT:         %[[U:.*]] = amae.linear %arg0, %arg2
// ACT:         %[[G:.*]] = amae.gelu %[[U]]
// ACT:         amae.linear %[[G]], %arg3
// ACT:         %[[U2:.*]] = arith.addf %[[U]], %{{.*}} : tensor<1x4x8xf32>
// ACT:         %[[G2:.*]] = amae.gelu %[[U2]]
// ACT-NOT:     %[[G]]{{[^0-9]}}
// ACT:         return
func.func @mlp(%in: tensor<1x4x6xf32> {amae.input = "x"}, %t: tensor<1x4x6xf32> {amae.input = "target"},
               %w0: tensor<8x6xf32> {amae.param = "fc1"}, %w1: tensor<6x8xf32> {amae.param = "fc2"},
               %m: tensor<1x4xf32> {amae.input = "mask"}) -> (tensor<f32> {amae.output = "loss"}) {
  %u = amae.linear %in, %w0 : (tensor<1x4x6xf32>, tensor<8x6xf32>) -> tensor<1x4x8xf32>
  %g = amae.gelu %u : tensor<1x4x8xf32>
  %h = amae.linear %g, %w1 : (tensor<1x4x8xf32>, tensor<6x8xf32>) -> tensor<1x4x6xf32>
  %l = amae.masked_mse_loss %h, %t, %m {norm_pix = false} : (tensor<1x4x6xf32>, tensor<1x4x6xf32>, tensor<1x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
