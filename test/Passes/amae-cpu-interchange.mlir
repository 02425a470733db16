// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-cpu-interchange))' | FileCheck %s
// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-cpu-interchange{parallel-min-iterations=32768}))' | FileCheck %s --check-prefix=STRIPS

// A bias gradient, db[j] = sum_i dy[i][j], as lowering makes it: the output
// loop outside, a strided walk down each column inside. Interchanged, the
// inner loop walks rows contiguously; with threads, the columns are cut into
// parallel strips first (3072 / 64 = 48 wide).
#in = affine_map<(d0, d1) -> (d1, d0)>
#out = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @column_sum
// CHECK: linalg.generic {indexing_maps = [#[[IN:.+]], #[[OUT:.+]]], iterator_types = ["reduction", "parallel"]}
// STRIPS-LABEL: func.func @column_sum
// STRIPS: arith.constant 48 : index
// STRIPS: scf.parallel (%[[J:.+]]) = (%{{.+}}) to (%c3072) step (%{{.+}})
// STRIPS: memref.subview %arg0[0, %[[J]]] [1026, 48] [1, 1]
// STRIPS: memref.subview %arg1[%[[J]]] [48] [1]
// STRIPS: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
func.func @column_sum(%dy: memref<1026x3072xf32>, %db: memref<3072xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%dy : memref<1026x3072xf32>) outs(%db : memref<3072xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A row sum already walks contiguous memory: left alone.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @row_sum
// CHECK: iterator_types = ["parallel", "reduction"]
// STRIPS-LABEL: func.func @row_sum
// STRIPS-NOT: scf.parallel
func.func @row_sum(%x: memref<1026x3072xf32>, %s: memref<1026xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<1026x3072xf32>) outs(%s : memref<1026xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Two reductions: moving the contiguous one past the other would reorder
// each output's sum, so the op is left alone (results stay bit-identical).
#in = affine_map<(d0, d1, d2) -> (d2, d1, d0)>
#out = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @two_reductions
// CHECK: iterator_types = ["reduction", "parallel", "reduction"]
func.func @two_reductions(%x: memref<8x16x32xf32>, %s: memref<16xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel", "reduction"]}
      ins(%x : memref<8x16x32xf32>) outs(%s : memref<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A transpose has no reduction: not this pass's business.
#in = affine_map<(d0, d1) -> (d1, d0)>
#out = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @transpose
// CHECK: indexing_maps = [#{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel"]
func.func @transpose(%x: memref<64x32xf32>, %y: memref<32x64xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x32xf32>) outs(%y : memref<32x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}
