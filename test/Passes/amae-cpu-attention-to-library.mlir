// RUN: amae-opt %s -amae-cpu-attention-to-library | FileCheck %s
// The block size the kernels get (amae-compile --attention-block-rows):
// RUN: amae-opt %s -amae-cpu-attention-to-library=block-rows=64 | FileCheck %s --check-prefix=ROWS

// One declaration per kernel for every shape: fully dynamic strided rank-4 views.
// CHECK-DAG: func.func private @amae_attention_grad(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i64) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @amae_attention(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i64) attributes {llvm.emit_c_interface}

// Unit inner strides (a head-sliced view of a qkv buffer included): the
// views go to the kernel as they are.
// CHECK-LABEL: func.func @views
// CHECK-SAME: (%[[Q:.*]]: memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, %[[KV:.*]]: memref<1x2x5x4xf32>, %[[O:.*]]: memref<1x2x5x4xf32>)
// CHECK-DAG: %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[R:.*]] = arith.constant 0 : i64
// ROWS-LABEL: func.func @views
// ROWS: %[[R64:.*]] = arith.constant 64 : i64
// ROWS: call @amae_attention(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[R64]])
// CHECK-DAG: %[[QD:.*]] = memref.cast %[[Q]] : memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK-DAG: %[[OD:.*]] = memref.cast %[[O]]
// CHECK: call @amae_attention(%[[QD]], %{{.*}}, %{{.*}}, %[[OD]], %[[S]], %[[R]])
// CHECK-NOT: amae.fused_attention
// CHECK-NOT: linalg.copy
func.func @views(%q: memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, %kv: memref<1x2x5x4xf32>,
                 %o: memref<1x2x5x4xf32>) {
  amae.fused_attention %q, %kv, %kv into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>
  return
}

// A column-major operand is copied to a contiguous buffer first, and a
// column-major destination is written through one.
// CHECK-LABEL: func.func @copies
// CHECK: %[[QC:.*]] = memref.alloc() : memref<1x2x5x4xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<1x2x5x4xf32, strided<[40, 20, 1, 5]>>) outs(%[[QC]] : memref<1x2x5x4xf32>)
// CHECK: %[[OC:.*]] = memref.alloc() : memref<1x2x5x4xf32>
// CHECK: call @amae_attention
// CHECK: linalg.copy ins(%[[OC]] : memref<1x2x5x4xf32>) outs(%{{.*}} : memref<1x2x5x4xf32, strided<[40, 20, 1, 5]>>)
func.func @copies(%q: memref<1x2x5x4xf32, strided<[40, 20, 1, 5]>>, %kv: memref<1x2x5x4xf32>) {
  amae.fused_attention %q, %kv, %kv into %q {scale = 0.5 : f32}
      : memref<1x2x5x4xf32, strided<[40, 20, 1, 5]>>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32, strided<[40, 20, 1, 5]>>
  return
}

// The backward: one call of its kernel with the seven views and the scale.
// CHECK-LABEL: func.func @backward
// CHECK: call @amae_attention_grad(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: amae.fused_attention_grad
func.func @backward(%q: memref<1x2x5x4xf32>, %dq: memref<1x2x5x4xf32>) {
  amae.fused_attention_grad %q, %q, %q, %q into %dq, %dq, %dq {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}

// The heads split off a qkv buffer by transposes into fresh buffers, and
// merged back by one after the call: the call reads and writes permuted
// views instead, and the copies and their buffers go.
// CHECK-LABEL: func.func @heads
// CHECK-SAME: (%[[DST:.*]]: memref<1x5x2x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.transpose
// CHECK-DAG: %[[QV:.*]] = memref.transpose %{{.*}} (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>> to memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>
// CHECK-DAG: %[[OV:.*]] = memref.transpose %[[DST]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x5x2x4xf32> to memref<1x2x5x4xf32, strided<[40, 4, 8, 1]>>
// CHECK: %[[QC:.*]] = memref.cast %[[QV]]
// CHECK: %[[OC:.*]] = memref.cast %[[OV]]
// CHECK: call @amae_attention(%[[QC]], %{{.*}}, %{{.*}}, %[[OC]], %{{.*}}, %{{.*}})
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @heads(%dst: memref<1x5x2x4xf32>) {
  %qkv = memref.alloc() : memref<1x5x3x2x4xf32>
  %s0 = memref.subview %qkv[0, 0, 0, 0, 0] [1, 5, 1, 2, 4] [1, 1, 1, 1, 1]
      : memref<1x5x3x2x4xf32> to memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1]>>
  %q5 = memref.collapse_shape %s0 [[0], [1], [2, 3], [4]]
      : memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1]>> into memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>>
  %q = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%q5 : memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>>) outs(%q : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  %k = memref.alloc() : memref<1x2x5x4xf32>
  %o = memref.alloc() : memref<1x2x5x4xf32>
  amae.fused_attention %q, %k, %k into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  linalg.transpose ins(%o : memref<1x2x5x4xf32>) outs(%dst : memref<1x5x2x4xf32>) permutation = [0, 2, 1, 3]
  return
}

// q, k and v all split off one qkv buffer, as the encoder's blocks do: q's
// copy folds; k's and v's stay, contiguous for the GEMMs of every block of
// query rows that reads them.
// CHECK-LABEL: func.func @qkv
// CHECK: linalg.transpose ins(%{{.*}} : memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 8>>)
// CHECK: linalg.transpose ins(%{{.*}} : memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 16>>)
// CHECK-NOT: linalg.transpose
// CHECK: memref.transpose %{{.*}} : memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>> to memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>
// CHECK-NOT: linalg.transpose
// CHECK: call @amae_attention
// CHECK: return
func.func @qkv(%dst: memref<1x2x5x4xf32>) {
  %qkv = memref.alloc() : memref<1x5x3x2x4xf32>
  %s0 = memref.subview %qkv[0, 0, 0, 0, 0] [1, 5, 1, 2, 4] [1, 1, 1, 1, 1]
      : memref<1x5x3x2x4xf32> to memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1]>>
  %q5 = memref.collapse_shape %s0 [[0], [1], [2, 3], [4]]
      : memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1]>> into memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>>
  %s1 = memref.subview %qkv[0, 0, 1, 0, 0] [1, 5, 1, 2, 4] [1, 1, 1, 1, 1]
      : memref<1x5x3x2x4xf32> to memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1], offset: 8>>
  %k5 = memref.collapse_shape %s1 [[0], [1], [2, 3], [4]]
      : memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1], offset: 8>> into memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 8>>
  %q = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%q5 : memref<1x5x2x4xf32, strided<[120, 24, 4, 1]>>) outs(%q : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  %k = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%k5 : memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 8>>) outs(%k : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  %s2 = memref.subview %qkv[0, 0, 2, 0, 0] [1, 5, 1, 2, 4] [1, 1, 1, 1, 1]
      : memref<1x5x3x2x4xf32> to memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1], offset: 16>>
  %v5 = memref.collapse_shape %s2 [[0], [1], [2, 3], [4]]
      : memref<1x5x1x2x4xf32, strided<[120, 24, 8, 4, 1], offset: 16>> into memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 16>>
  %v = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%v5 : memref<1x5x2x4xf32, strided<[120, 24, 4, 1], offset: 16>>) outs(%v : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  amae.fused_attention %q, %k, %v into %dst {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// The output is read again after its transpose, and the input's source is
// written between its copy and the call: both copies stay; so does one whose
// buffer the call reads twice (as q and as k).
// CHECK-LABEL: func.func @kept
// CHECK: linalg.transpose
// CHECK: call @amae_attention
// CHECK: linalg.transpose
// CHECK: linalg.copy
// CHECK: linalg.transpose
// CHECK: call @amae_attention
func.func @kept(%src: memref<1x5x2x4xf32>, %dst: memref<1x5x2x4xf32>, %other: memref<1x2x5x4xf32>) {
  %q = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%src : memref<1x5x2x4xf32>) outs(%q : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%src : memref<1x5x2x4xf32>)
  %o = memref.alloc() : memref<1x2x5x4xf32>
  amae.fused_attention %q, %q, %q into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  linalg.transpose ins(%o : memref<1x2x5x4xf32>) outs(%dst : memref<1x5x2x4xf32>) permutation = [0, 2, 1, 3]
  linalg.copy ins(%o : memref<1x2x5x4xf32>) outs(%other : memref<1x2x5x4xf32>)
  %t = memref.alloc() : memref<1x2x5x4xf32>
  linalg.transpose ins(%dst : memref<1x5x2x4xf32>) outs(%t : memref<1x2x5x4xf32>) permutation = [0, 2, 1, 3]
  amae.fused_attention %t, %t, %other into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// The output is read again inside a loop (another block) after its transpose:
// the copy stays, and the pass does not order ops across blocks.
// CHECK-LABEL: func.func @nested
// CHECK: call @amae_attention
// CHECK: linalg.transpose
// CHECK: scf.for
// CHECK: linalg.copy
func.func @nested(%k: memref<1x2x5x4xf32>, %dst: memref<1x5x2x4xf32>, %other: memref<1x2x5x4xf32>) {
  %o = memref.alloc() : memref<1x2x5x4xf32>
  amae.fused_attention %k, %k, %k into %o {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  linalg.transpose ins(%o : memref<1x2x5x4xf32>) outs(%dst : memref<1x5x2x4xf32>) permutation = [0, 2, 1, 3]
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c2 step %c1 {
    linalg.copy ins(%o : memref<1x2x5x4xf32>) outs(%other : memref<1x2x5x4xf32>)
  }
  return
}
