// RUN: amae-opt %s -amae-contractions-to-blas -canonicalize | FileCheck %s

#a = affine_map<(r, m, k) -> (r, k)>
#bt = affine_map<(r, m, k) -> (m, k)>
#c = affine_map<(r, m, k) -> (r, m)>

// The linear layout C += A B^T: one call on rank-3 views, transB = 1.
// CHECK: func.func private @amae_gemm(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @linear
// CHECK-DAG: %[[T:.*]] = arith.constant 1 : i64
// CHECK-DAG: memref.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, 4, 8]
// CHECK: call @amae_gemm({{.*}}, %[[T]])
// CHECK-NOT: linalg.generic
func.func @linear(%x: memref<4x8xf32>, %w: memref<3x8xf32>, %y: memref<4x3xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

#pa = affine_map<(n, h, i, e, j) -> (n, h, i, j)>
#pb = affine_map<(n, h, i, e, j) -> (n, h, j, e)>
#pc = affine_map<(n, h, i, e, j) -> (n, h, i, e)>

// softmax(.) v: batch dims (n, h) collapse into one, transB = 0.
// CHECK-LABEL: func.func @weighted_sum
// CHECK-DAG: %[[F:.*]] = arith.constant 0 : i64
// CHECK-DAG: memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : memref<2x4x7x7xf32> into memref<8x7x7xf32>
// CHECK: call @amae_gemm({{.*}}, %[[F]])
func.func @weighted_sum(%p: memref<2x4x7x7xf32>, %v: memref<2x4x7x16xf32>, %o: memref<2x4x7x16xf32>) {
  linalg.generic {indexing_maps = [#pa, #pb, #pc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x4x7x7xf32>, memref<2x4x7x16xf32>) outs(%o : memref<2x4x7x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// Not a multiply-accumulate: left alone.
// CHECK-LABEL: func.func @max_reduction
// CHECK: linalg.generic
// CHECK-NOT: call @amae_gemm
func.func @max_reduction(%x: memref<4x8xf32>, %w: memref<3x8xf32>, %y: memref<4x3xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.maximumf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

#ta = affine_map<(m, k, r) -> (r, m)>
#tb = affine_map<(m, k, r) -> (r, k)>
#tc = affine_map<(m, k, r) -> (m, k)>

// The weight gradient of linear, dW = dy^T x: A transposed, trans = 2.
// CHECK-LABEL: func.func @weight_gradient
// CHECK: %[[TA:.*]] = arith.constant 2 : i64
// CHECK: call @amae_gemm({{.*}}, %[[TA]])
func.func @weight_gradient(%dy: memref<4x3xf32>, %x: memref<4x8xf32>, %dw: memref<3x8xf32>) {
  linalg.generic {indexing_maps = [#ta, #tb, #tc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %x : memref<4x3xf32>, memref<4x8xf32>) outs(%dw : memref<3x8xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// A zero fill of the whole output right before the matmul (views and ops on
// other buffers in between) goes: the call overwrites C (bit 2, beta 0).
// CHECK-LABEL: func.func @overwrite
// CHECK-NOT: linalg.fill
// CHECK: %[[T:.*]] = arith.constant 5 : i64
// CHECK: call @amae_gemm({{.*}}, %[[T]])
func.func @overwrite(%x: memref<4x8xf32>, %w: memref<3x8xf32>, %other: memref<4xf32>) -> memref<4x3xf32> {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<4x3xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<4x3xf32>)
  linalg.fill ins(%zero : f32) outs(%other : memref<4xf32>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return %y : memref<4x3xf32>
}

// Kept, and C accumulated (bit 2 clear): a fill that something reads before
// the matmul, a fill of part of the output, a fill of another value.
// CHECK-LABEL: func.func @accumulate
// CHECK-COUNT-3: linalg.fill
// CHECK-NOT: arith.constant 5 : i64
func.func @accumulate(%x: memref<4x8xf32>, %w: memref<3x8xf32>, %seen: memref<4x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %y = memref.alloc() : memref<4x3xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<4x3xf32>)
  linalg.copy ins(%y : memref<4x3xf32>) outs(%seen : memref<4x3xf32>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  %z = memref.alloc() : memref<4x3xf32>
  %part = memref.subview %z[0, 0] [2, 3] [1, 1] : memref<4x3xf32> to memref<2x3xf32, strided<[3, 1]>>
  linalg.fill ins(%zero : f32) outs(%part : memref<2x3xf32, strided<[3, 1]>>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%z : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  %u = memref.alloc() : memref<4x3xf32>
  linalg.fill ins(%one : f32) outs(%u : memref<4x3xf32>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<3x8xf32>) outs(%u : memref<4x3xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
