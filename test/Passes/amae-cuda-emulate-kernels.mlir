// RUN: amae-opt %s -amae-cuda-emulate-kernels -split-input-file -verify-diagnostics | FileCheck %s

// A kernel becomes a host function of the same name that runs the whole
// launch: grid and block sizes appended, the x indices the loop indices,
// the y indices 0 and sizes 1. The host function that launched it goes.
// CHECK-NOT: gpu.module
// CHECK-NOT: func.func @host
// CHECK: func.func @scale_kernel(%[[X:.*]]: memref<8xf32>, %[[GRID:.*]]: index, %[[BLOCK:.*]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[B:.*]] = %[[C0]] to %[[GRID]] step %[[C1]]
// CHECK-NEXT: scf.for %[[T:.*]] = %[[C0]] to %[[BLOCK]] step %[[C1]]
// CHECK-NEXT: %[[I:.*]] = arith.muli %[[B]], %[[BLOCK]]
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[I]], %[[T]]
// CHECK-NEXT: %[[K:.*]] = arith.addi %[[J]], %[[C0]]
// CHECK-NEXT: %[[L:.*]] = arith.muli %[[K]], %[[C1]]
// CHECK-NEXT: memref.load %[[X]][%[[L]]]
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @amae_kernels {
    gpu.func @scale_kernel(%x: memref<8xf32>) kernel {
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %n = gpu.block_dim x
      %y = gpu.thread_id y
      %g = gpu.grid_dim y
      %i = arith.muli %b, %n : index
      %j = arith.addi %i, %t : index
      %k = arith.addi %j, %y : index
      %l = arith.muli %k, %g : index
      %v = memref.load %x[%l] : memref<8xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%l] : memref<8xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @amae_kernels::@scale_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    return
  }
}

// -----

// A barrier has no host form in a loop over threads.
module attributes {gpu.container_module} {
  gpu.module @amae_kernels {
    gpu.func @sync_kernel() kernel {
      // expected-error @+1 {{no host form for this GPU op}}
      gpu.barrier
      gpu.return
    }
  }
}
