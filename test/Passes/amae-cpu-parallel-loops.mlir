// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-cpu-parallel-loops{min-iterations=1000}))' | FileCheck %s

// A large elementwise op: the leading dimensions are shared out until there
// are 64 chunks (8 x 16 = 128 here); the innermost runs sequentially, so it
// stays vectorizable once OpenMP collapses the parallel ones.
// CHECK-LABEL: func.func @elementwise
// CHECK:       scf.parallel (%[[I:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step
// CHECK-NEXT:    scf.for %[[K:.*]] =
// CHECK:           affine.apply #{{.*}}(%[[K]])
// CHECK:           memref.load
// CHECK:           arith.addf
// CHECK:           memref.store
// CHECK-NOT:   linalg.generic
func.func @elementwise(%a: memref<8x16x64xf32>, %b: memref<8x16x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a : memref<8x16x64xf32>) outs(%b : memref<8x16x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A row reduction: rows in parallel, the reduction loop inside each.
// CHECK-LABEL: func.func @row_sum
// CHECK:       scf.parallel (%[[R:.*]]) =
// CHECK-NEXT:    scf.for
// CHECK-NOT:   scf.parallel
func.func @row_sum(%a: memref<256x128xf32>, %s: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<256x128xf32>) outs(%s : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %t = arith.addf %x, %acc : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// Below min-iterations (and led by a reduction): left for convert-linalg-to-loops.
// CHECK-LABEL: func.func @small_or_reduction_first
// CHECK-NOT:   scf.parallel
// CHECK:       linalg.generic
// CHECK:       linalg.generic
func.func @small_or_reduction_first(%a: memref<8x8xf32>, %b: memref<8x8xf32>,
                                    %big: memref<128x256xf32>, %col: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<8x8xf32>) outs(%b : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%big : memref<128x256xf32>) outs(%col : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %t = arith.addf %x, %acc : f32
    linalg.yield %t : f32
  }
  return
}
