// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cuda-device-constants))' -split-input-file -verify-diagnostics | FileCheck %s

// A constant global read by a kernel call: the call gets a device-visible
// copy made where the global was read, freed at the end of the block.
memref.global "private" constant @window : memref<4xf32> = dense<[0.0, 0.5, 1.0, 0.5]>
func.func private @kernel(memref<4xf32>)
// CHECK-LABEL: func.func @frontend
// CHECK: %[[G:.*]] = memref.get_global @window : memref<4xf32>
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.copy %[[G]], %[[C]]
// CHECK-NEXT: call @kernel(%[[C]])
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: return
func.func @frontend() {
  %0 = memref.get_global @window : memref<4xf32>
  func.call @kernel(%0) : (memref<4xf32>) -> ()
  return
}

// -----

// A global with a layout (or a dynamic shape) is not copied: refused.
memref.global "private" constant @strided : memref<2x2xf32, strided<[4, 1]>> = dense<0.0>
func.func @reads_strided() {
  // expected-error @+1 {{only a static, identity-layout global can be copied to the device}}
  %0 = memref.get_global @strided : memref<2x2xf32, strided<[4, 1]>>
  return
}
