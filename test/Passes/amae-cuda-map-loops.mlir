// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cuda-map-loops{block-size=64}))' | FileCheck %s

// A 2-D kernel: collapsed to 4 * 100 = 400 iterations, tiled by 64, tiles on
// blocks, iterations on threads, the tail (400 is not a multiple of 64)
// guarded.
// CHECK-LABEL: func.func private @k_2d
// CHECK: %[[ROWS:.*]] = arith.muli %{{.*}}, %c4
// CHECK: %[[N:.*]] = arith.muli %[[ROWS]], %c100
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %c64
// CHECK: scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[N]]) step (%[[STEP]])
// CHECK-NEXT: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[STEP]]) step
// CHECK: %[[I:.*]] = arith.addi %[[T]], %[[B]]
// CHECK: arith.cmpi ult, %{{.*}}, %[[N]]
// CHECK: scf.if
// CHECK: %[[COL:.*]] = arith.remsi %[[I]], %c100
// CHECK: %[[ROW:.*]] = arith.divsi %[[I]], %c100
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[COL]]]
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func private @k_2d(%a: memref<4x100xf32>, %b: memref<4x100xf32>) attributes {passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<4x100xf32>
    memref.store %x, %b[%i, %j] : memref<4x100xf32>
    scf.reduce
  }
  return
}

// A reduction to a scalar has no parallel loop: one thread of one block.
// CHECK-LABEL: func.func private @k_scalar
// CHECK: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}})
// CHECK: scf.for
// CHECK: processor = block_x
// CHECK-NEXT: return
func.func private @k_scalar(%a: memref<8xf32>, %s: memref<f32>) attributes {passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i] : memref<8xf32>
    %y = memref.load %s[] : memref<f32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %s[] : memref<f32>
  }
  return
}
