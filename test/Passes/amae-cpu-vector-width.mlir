// RUN: amae-opt %s -amae-cpu-vector-width=width=512 | FileCheck %s
// RUN: amae-opt %s -amae-cpu-vector-width | FileCheck %s --check-prefix=NONE

// Every function with a body gets the preferred width the X86 backend reads;
// an existing preference is replaced, other passthrough attributes are kept;
// declarations (libm, BLAS) are left alone.
// CHECK-LABEL: llvm.func @kernel(
// CHECK-SAME: passthrough = {{\[}}["prefer-vector-width", "512"]]
// CHECK-LABEL: llvm.func @tuned(
// CHECK-SAME: passthrough = ["noinline", ["prefer-vector-width", "512"]]
// CHECK: llvm.func @expf(f32) -> f32
// CHECK-NOT: prefer-vector-width
// NONE: llvm.func @kernel(%arg0: f32) -> f32 {
// NONE: passthrough = ["noinline", ["prefer-vector-width", "256"]]
llvm.func @kernel(%arg0: f32) -> f32 {
  llvm.return %arg0 : f32
}
llvm.func @tuned(%arg0: f32) -> f32 attributes {passthrough = ["noinline", ["prefer-vector-width", "256"]]} {
  llvm.return %arg0 : f32
}
llvm.func @expf(f32) -> f32
