// RUN: amae-opt %s -amae-cpu-attention-to-library | FileCheck %s

// One declaration per kernel for every shape: fully dynamic strided rank-4 views.
// CHECK-DAG: func.func private @amae_attention_grad(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @amae_attention(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32) attributes {llvm.emit_c_interface}

// Unit inner strides (a head-sliced view of a qkv buffer included): the
// views go to the kernel as they are.
// CHECK-LABEL: func.func @views
// CHECK-SAME: (%[[Q:.*]]: memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>>, %[[KV:.*]]: memref<1x2x5x4xf32>, %[[O:.*]]: memref<1x2x5x4xf32>)
// CHECK-DAG: %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[QD:.*]] = memref.cast %[[Q]] : memref<1x2x5x4xf32, strided<[120, 4, 24, 1]>> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK-DAG: %[[OD:.*]] = memref.cast %[[O]]
// CHECK: call @amae_attention(%[[QD]], %{{.*}}, %{{.*}}, %[[OD]], %[[S]])
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
// CHECK: call @amae_attention_grad(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: amae.fused_attention_grad
func.func @backward(%q: memref<1x2x5x4xf32>, %dq: memref<1x2x5x4xf32>) {
  amae.fused_attention_grad %q, %q, %q, %q into %dq, %dq, %dq {scale = 0.5 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}
