// RUN: amae-opt %s -amae-bufferize | FileCheck %s

// Arguments are the caller's: an op that would update one in place makes a
// copy first, as linalg.copy (loops later, no runtime call).
// CHECK-LABEL: func.func @add_into_input
// CHECK-SAME:    (%[[A:[a-z0-9]+]]: memref<4xf32>
// CHECK:         %[[NEW:.*]] = memref.alloc() {{.*}} : memref<4xf32>
// CHECK:         linalg.copy ins(%[[A]] : memref<4xf32>) outs(%[[NEW]] : memref<4xf32>)
// CHECK-NOT:     memref.copy
func.func @add_into_input(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%b : tensor<4xf32>) outs(%a : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// amae.fused_attention writes its destination whole: an init that may not
// be written (an argument) gets a fresh buffer and is never copied into it.
// CHECK-LABEL: func.func @fused_attention
// CHECK-SAME:    (%[[Q:[a-z0-9]+]]: memref<1x2x5x4xf32>, %[[I:[a-z0-9]+]]: memref<1x2x5x4xf32>
// CHECK:         %[[O:.*]] = memref.alloc() {{.*}} : memref<1x2x5x4xf32>
// CHECK-NOT:     linalg.copy
// CHECK:         amae.fused_attention %[[Q]], %[[Q]], %[[Q]] into %[[O]] {scale = 5.000000e-01 : f32} : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>{{$}}
func.func @fused_attention(%q: tensor<1x2x5x4xf32>, %init: tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32> {
  %o = amae.fused_attention %q, %q, %q into %init {scale = 0.5 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into tensor<1x2x5x4xf32>
      -> tensor<1x2x5x4xf32>
  return %o : tensor<1x2x5x4xf32>
}

// One zero-filled tensor that two ops start from (as CSE leaves every
// accumulator of a graph): each gets its own fill, in its own buffer, and
// nothing is copied.
// CHECK-LABEL: func.func @shared_fill
// CHECK-COUNT-2: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<4xf32>)
// CHECK-NOT:     linalg.copy
func.func @shared_fill(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r1 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                        iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                        iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r1, %r2 : tensor<4xf32>, tensor<4xf32>
}
