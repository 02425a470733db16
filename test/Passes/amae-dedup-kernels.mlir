// RUN: amae-opt %s -amae-dedup-kernels | FileCheck %s

// Two layers' kernels that differ only in name and location become one;
// a kernel of another shape, or with another constant, stays.
// CHECK: func.func private @g_k0_generic(%{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32>)
// CHECK-NOT: @g_k1_generic(
// CHECK: func.func private @g_k2_generic(%{{.*}}: memref<4x16xf32>, %{{.*}}: memref<4x16xf32>)
// CHECK: func.func private @g_k3_generic(%{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32>)
// CHECK: arith.constant 3.000000e+00
// CHECK-LABEL: func.func @g(
// CHECK-NEXT: call @g_k0_generic(%arg0, %arg1)
// CHECK-NEXT: call @g_k0_generic(%arg1, %arg0)
// CHECK-NEXT: call @g_k2_generic(%arg2, %arg3)
// CHECK-NEXT: call @g_k3_generic(%arg0, %arg1)
// A declaration (the BLAS entry) and a function not marked noinline are
// never merged.
// CHECK: func.func private @amae_gemm
// CHECK: func.func private @helper_a
// CHECK: func.func private @helper_b

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func private @g_k0_generic(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {passthrough = ["noinline"]} {
  %c = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%b : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %c : f32
    linalg.yield %m : f32
  } loc("blocks.0.mlp")
  return
}
func.func private @g_k1_generic(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {passthrough = ["noinline"]} {
  %c = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%b : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %c : f32
    linalg.yield %m : f32
  } loc("blocks.1.mlp")
  return
}
func.func private @g_k2_generic(%a: memref<4x16xf32>, %b: memref<4x16xf32>) attributes {passthrough = ["noinline"]} {
  %c = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x16xf32>) outs(%b : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %c : f32
    linalg.yield %m : f32
  }
  return
}
func.func private @g_k3_generic(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {passthrough = ["noinline"]} {
  %c = arith.constant 3.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%b : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %c : f32
    linalg.yield %m : f32
  }
  return
}
func.func @g(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>) {
  call @g_k0_generic(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  call @g_k1_generic(%b, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  call @g_k2_generic(%c, %d) : (memref<4x16xf32>, memref<4x16xf32>) -> ()
  call @g_k3_generic(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}
func.func private @amae_gemm(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64)
func.func private @helper_a() {
  return
}
func.func private @helper_b() {
  return
}
