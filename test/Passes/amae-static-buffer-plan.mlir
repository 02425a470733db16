// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-static-buffer-plan))' | FileCheck %s

// Three buffers: %a and %b live together, %c only after both are freed, so
// it reuses the memory of the larger one (placed first, at offset 0). The
// arena is the live peak, offsets 64-byte aligned; no dealloc but the arena's.
// CHECK-LABEL: func.func @graph
// CHECK:       %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1536xi8>
// CHECK:       %[[C1024:.*]] = arith.constant 1024 : index
// CHECK:       %[[A:.*]] = memref.view %[[ARENA]][%[[C1024]]][] : memref<1536xi8> to memref<128xf32>
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK:       memref.view %[[ARENA]][%[[C0]]][] : memref<1536xi8> to memref<256xf32>
// CHECK:       linalg.copy ins(%[[A]] : memref<128xf32>) outs(%{{.*}} : memref<128xf32>)
// CHECK:       %[[C0B:.*]] = arith.constant 0 : index
// CHECK:       memref.view %[[ARENA]][%[[C0B]]][] : memref<1536xi8> to memref<2x64xf32>
// CHECK-NOT:   memref.dealloc %[[A]]
// CHECK:       memref.dealloc %[[ARENA]]
// CHECK-NEXT:  return
func.func @graph(%x: memref<128xf32>, %y: memref<256xf32>, %out: memref<2x64xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<128xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  linalg.copy ins(%x : memref<128xf32>) outs(%a : memref<128xf32>)
  linalg.copy ins(%a : memref<128xf32>) outs(%x : memref<128xf32>)
  linalg.copy ins(%y : memref<256xf32>) outs(%b : memref<256xf32>)
  memref.dealloc %a : memref<128xf32>
  memref.dealloc %b : memref<256xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<2x64xf32>
  linalg.copy ins(%out : memref<2x64xf32>) outs(%c : memref<2x64xf32>)
  linalg.copy ins(%c : memref<2x64xf32>) outs(%out : memref<2x64xf32>)
  memref.dealloc %c : memref<2x64xf32>
  return
}

// -----

// Left alone: a buffer that is returned, one freed inside a branch, a
// dynamic-sized one, and every buffer of a private function (a kernel).
// CHECK-LABEL: func.func @unplanned
// CHECK-NOT:   memref.view
// CHECK:       memref.alloc() : memref<4xf32>
// CHECK:       memref.alloc() : memref<8xf32>
// CHECK:       memref.alloc(%{{.*}}) : memref<?xf32>
func.func @unplanned(%n: index, %flag: i1) -> memref<4xf32> {
  %r = memref.alloc() : memref<4xf32>
  %s = memref.alloc() : memref<8xf32>
  scf.if %flag {
    memref.dealloc %s : memref<8xf32>
  }
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  return %r : memref<4xf32>
}
// CHECK-LABEL: func.func private @kernel
// CHECK-NOT:   memref.view
func.func private @kernel(%x: memref<4xf32>) {
  %t = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%t : memref<4xf32>)
  memref.dealloc %t : memref<4xf32>
  return
}
