// RUN: amae-opt %s -amae-autodiff=recompute=blocks | FileCheck %s
// RUN: not amae-opt %s -amae-autodiff=recompute=layers 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: amae-autodiff: recompute must be none or blocks, got 'layers'

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
