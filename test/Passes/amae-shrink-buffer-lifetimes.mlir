// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-shrink-buffer-lifetimes))' | FileCheck %s

// Allocations hoisted to the top and frees at the end (what bufferization
// and the deallocation pipeline produce) become first-use / last-use
// bounded: %a is freed once its last reader (through a view) ran, before
// %b is allocated, so the two are never live together.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[A:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    linalg.fill {{.*}} outs(%[[A]]
// CHECK-NEXT:    %[[V:.*]] = memref.collapse_shape %[[A]]
// CHECK-NEXT:    memref.copy %[[V]], %arg0
// CHECK-NEXT:    memref.dealloc %[[A]]
// CHECK-NEXT:    %[[B:.*]] = memref.alloc() : memref<32xf32>
// CHECK-NEXT:    linalg.fill {{.*}} outs(%[[B]]
// CHECK-NEXT:    memref.copy %[[B]], %arg1
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK-NEXT:    return
func.func @chain(%out0: memref<32xf32>, %out1: memref<32xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<32xf32>
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  linalg.fill ins(%one : f32) outs(%a : memref<4x8xf32>)
  %v = memref.collapse_shape %a [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  memref.copy %v, %out0 : memref<32xf32> to memref<32xf32>
  linalg.fill ins(%two : f32) outs(%b : memref<32xf32>)
  memref.copy %b, %out1 : memref<32xf32> to memref<32xf32>
  memref.dealloc %a : memref<4x8xf32>
  memref.dealloc %b : memref<32xf32>
  return
}

// A use inside a nested region keeps the buffer alive until the op that
// holds the region; a buffer with a dynamic size stays where its size is.
// CHECK-LABEL: func.func @nested
// CHECK:         scf.for
// CHECK:           memref.load %[[T:.*]][
// CHECK:         }
// CHECK-NEXT:    memref.dealloc %[[T]]
// CHECK-NEXT:    return
func.func @nested(%n: index, %out: memref<f32>) {
  %t = memref.alloc(%n) : memref<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %t[%i] : memref<?xf32>
    memref.store %x, %out[] : memref<f32>
  }
  memref.dealloc %t : memref<?xf32>
  return
}
