// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cuda-device-constants))' -split-input-file -verify-diagnostics | FileCheck %s

// A constant global read by a kernel call: the call gets a device-visible
// copy made where the global was read, after the kernels before it are done,
// freed at the end of the block.
memref.global "private" constant @window : memref<4xf32> = dense<[0.0, 0.5, 1.0, 0.5]>
func.func private @kernel(memref<4xf32>)
// CHECK-LABEL: func.func @frontend
// CHECK: %[[G:.*]] = memref.get_global @window : memref<4xf32>
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: call @amae_cuda_host_fence()
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

// -----

// Host code reads scalars only: a load ahead of every call and launch needs
// no fence, one after them waits for the kernels first.
func.func private @kernel(memref<f32>)
// CHECK-LABEL: func.func @step
// CHECK-NEXT: memref.load %arg0[]
// CHECK-NEXT: call @kernel(%arg0)
// CHECK-NEXT: call @amae_cuda_host_fence()
// CHECK-NEXT: memref.load %arg1[]
func.func @step(%lr: memref<f32>, %beta: memref<f32>) -> f32 {
  %0 = memref.load %lr[] : memref<f32>
  func.call @kernel(%lr) : (memref<f32>) -> ()
  %1 = memref.load %beta[] : memref<f32>
  %2 = arith.addf %0, %1 : f32
  return %2 : f32
}

// -----

// A write from the host would race with the kernels: refused.
func.func @writes(%out: memref<f32>, %x: f32) {
  // expected-error @+1 {{host code would write a buffer while kernels run}}
  memref.store %x, %out[] : memref<f32>
  return
}
