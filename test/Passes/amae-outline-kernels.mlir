// RUN: amae-opt %s -amae-outline-kernels | FileCheck %s

// Each top-level linalg op on buffers moves into a private, noinline
// function; the graph keeps the calls in order.
// CHECK: func.func private @graph_k0_fill(%{{.*}}: f32, %{{.*}}: memref<4xf32>) attributes {passthrough = ["noinline"]}
// CHECK-NEXT: linalg.fill
// CHECK: func.func private @graph_k1_generic({{.*}}) attributes {passthrough = ["noinline"]}
// CHECK-NEXT: linalg.generic
// CHECK-LABEL: func.func @graph(
// CHECK: call @graph_k0_fill(
// CHECK-NEXT: call @graph_k1_generic(
// CHECK-NEXT: return
func.func @graph(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%a : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]} ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  }
  return
}

// With copies (the CUDA target's host code must not touch buffers), a
// memref.copy into an out-parameter is a kernel too; without, it stays.
// RUN: amae-opt %s -split-input-file -amae-outline-kernels=copies=true | FileCheck %s --check-prefix=COPIES
// RUN: amae-opt %s -split-input-file -amae-outline-kernels | FileCheck %s --check-prefix=NOCOPIES
// COPIES-LABEL: func.func private @out_k0_copy(
// COPIES-NEXT: linalg.copy
// COPIES-LABEL: func.func @out(
// COPIES-NEXT: call @out_k0_copy(
// COPIES-NOT: memref.copy
// NOCOPIES-LABEL: func.func @out(
// NOCOPIES-NEXT: memref.copy
// -----
func.func @out(%src: memref<4xf32>, %dst: memref<4xf32>) {
  memref.copy %src, %dst : memref<4xf32> to memref<4xf32>
  return
}
