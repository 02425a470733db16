// RUN: amae-opt %s -pass-pipeline='builtin.module(amae-cuda-device-constants)' -split-input-file -verify-diagnostics | FileCheck %s
// The pass declares the runtime's functions in the module, so it runs on the
// module: nested per function, in parallel, it raced (two functions
// declaring amae_cuda_read32 at once: "redefinition of symbol").
// RUN: not amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cuda-device-constants))' -split-input-file 2>&1 | FileCheck %s --check-prefix=NESTED
// NESTED: Can't add pass 'AmaeCudaDeviceConstants' restricted to 'builtin.module'

// A constant global read by a kernel call: the call gets a device buffer
// filled from the global by the runtime's asynchronous copy (behind the
// kernels queued before it), freed at the end of the block.
memref.global "private" constant @window : memref<4xf32> = dense<[0.0, 0.5, 1.0, 0.5]>
func.func private @kernel(memref<4xf32>)
// CHECK: func.func private @amae_cuda_upload(i64, i64, i64)
// CHECK-LABEL: func.func @frontend
// CHECK: %[[G:.*]] = memref.get_global @window : memref<4xf32>
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[BYTES:.*]] = arith.constant 16 : i64
// CHECK-NEXT: %[[CP:.*]] = memref.extract_aligned_pointer_as_index %[[C]]
// CHECK-NEXT: %[[DST:.*]] = arith.index_cast %[[CP]] : index to i64
// CHECK-NEXT: %[[GP:.*]] = memref.extract_aligned_pointer_as_index %[[G]]
// CHECK-NEXT: %[[SRC:.*]] = arith.index_cast %[[GP]] : index to i64
// CHECK-NEXT: call @amae_cuda_upload(%[[DST]], %[[SRC]], %[[BYTES]])
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

// Host code reads scalars back through the runtime, which waits for the
// kernels first: a 32-bit float as its bits, bitcast back.
func.func private @kernel(memref<f32>)
// CHECK-LABEL: func.func @step
// CHECK: call @kernel(%arg0)
// CHECK: %[[BASE:.*]], %[[OFF:.*]] = memref.extract_strided_metadata %arg1
// CHECK: %[[BYTES:.*]] = arith.muli %[[OFF]], %c4
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: %[[A:.*]] = arith.addi %[[P]], %[[BYTES]]
// CHECK: %[[A64:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK: %[[W:.*]] = call @amae_cuda_read32(%[[A64]]) : (i64) -> i32
// CHECK: %[[V:.*]] = arith.bitcast %[[W]] : i32 to f32
// CHECK: arith.addf %{{.*}}, %[[V]]
// CHECK-NOT: memref.load
func.func @step(%lr: memref<f32>, %beta: memref<f32>) -> f32 {
  %0 = memref.load %lr[] : memref<f32>
  func.call @kernel(%lr) : (memref<f32>) -> ()
  %1 = memref.load %beta[] : memref<f32>
  %2 = arith.addf %0, %1 : f32
  return %2 : f32
}

// -----

// An element of a strided view: the offset plus each index times its
// stride, in bytes; a 64-bit integer needs no bitcast.
// CHECK-LABEL: func.func @element
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK: %[[R:.*]] = arith.muli %arg1, %[[STRIDES]]#0
// CHECK: %[[L1:.*]] = arith.addi %[[OFF]], %[[R]]
// CHECK: %[[C:.*]] = arith.muli %arg2, %[[STRIDES]]#1
// CHECK: %[[L2:.*]] = arith.addi %[[L1]], %[[C]]
// CHECK: arith.muli %[[L2]], %c8
// CHECK: %[[V:.*]] = call @amae_cuda_read64(%{{.*}}) : (i64) -> i64
// CHECK-NEXT: return %[[V]]
func.func @element(%m: memref<3x4xi64, strided<[8, 2], offset: 5>>, %i: index, %j: index) -> i64 {
  %0 = memref.load %m[%i, %j] : memref<3x4xi64, strided<[8, 2], offset: 5>>
  return %0 : i64
}

// -----

// Only 32- and 64-bit scalars are read back.
func.func @half(%m: memref<f16>) -> f16 {
  // expected-error @+1 {{host code can read back 32- and 64-bit scalars only, not 'f16'}}
  %0 = memref.load %m[] : memref<f16>
  return %0 : f16
}

// -----

// A write from the host would race with the kernels: refused.
func.func @writes(%out: memref<f32>, %x: f32) {
  // expected-error @+1 {{host code would write a buffer while kernels run}}
  memref.store %x, %out[] : memref<f32>
  return
}

// -----

// Several host functions reading scalars back (the training graph's and its
// optimizer's): one declaration of each runtime function.
// CHECK-DAG: func.func private @amae_cuda_read32(i64) -> i32
// CHECK-DAG: func.func private @amae_cuda_read64(i64) -> i64
// CHECK-NOT: func.func private @amae_cuda_read
// CHECK-LABEL: func.func @first
// CHECK: call @amae_cuda_read32
// CHECK-LABEL: func.func @second
// CHECK: call @amae_cuda_read32
// CHECK: call @amae_cuda_read64
func.func @first(%x: memref<f32>) -> f32 {
  %0 = memref.load %x[] : memref<f32>
  return %0 : f32
}
func.func @second(%x: memref<f32>, %y: memref<f64>) -> (f32, f64) {
  %0 = memref.load %x[] : memref<f32>
  %1 = memref.load %y[] : memref<f64>
  return %0, %1 : f32, f64
}
