// RUN: amae-opt %s -amae-cuda-lower-attention -split-input-file -verify-diagnostics | FileCheck %s
// With two floats in registers: the query row read where used, the output
// row in two walks of two columns each.
// RUN: amae-opt %s -amae-cuda-lower-attention=register-width=2 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=WIDTH2
// RUN: amae-opt %s -amae-cuda-lower-attention=register-width=4 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=HALF
// RUN: not amae-opt %s -amae-cuda-lower-attention=register-width=0 -split-input-file 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: amae-cuda-lower-attention: register-width must be at least 1, got 0

// The forward: a kernel function of its own, one parallel iteration per
// (batch, head, query row), one walk over the keys with a running max and
// sum (the row rescaled as the max grows), the division at the end. Nothing
// is allocated: the scores live in registers, and so do the query row
// (loaded once, before the walk) and the output row (four loop-carried
// values, stored once after it).
// CHECK-LABEL: func.func private @graph_attention0({{.*}}) attributes {passthrough = ["noinline"]}
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel
// CHECK-COUNT-4: memref.load %arg1
// CHECK: %[[ML:.*]]:6 = scf.for {{.*}} iter_args(%[[M:[a-z0-9_]+]] = %{{.*}}, %[[L:[a-z0-9_]+]] = %{{.*}}, {{.*}}) -> (f32, f32, f32, f32, f32, f32)
// CHECK-NOT: memref.load %arg1
// CHECK-NOT: memref.store
// CHECK: %[[MAX:.*]] = arith.maximumf %[[M]]
// CHECK: math.exp
// CHECK: math.exp
// CHECK-NOT: memref.store
// CHECK: scf.yield %[[MAX]]
// CHECK-COUNT-4: arith.divf %{{.*}}, %[[ML]]#1
// CHECK-NOT: scf.for
// CHECK: scf.reduce
// WIDTH2-LABEL: func.func private @graph_attention0(
// WIDTH2: scf.parallel
// WIDTH2-NOT: memref.load
// WIDTH2: scf.for {{.*}} -> (f32, f32, f32, f32)
// WIDTH2: memref.load %arg1
// WIDTH2: scf.for {{.*}} -> (f32, f32, f32, f32)
// WIDTH2-NOT: scf.for
// WIDTH2: scf.reduce
// CHECK-LABEL: func.func @graph(
// CHECK-NEXT: call @graph_attention0(
// CHECK-NEXT: return
func.func @graph(%q: memref<1x2x5x4xf32>, %k: memref<1x2x5x4xf32>, %v: memref<1x2x5x4xf32>,
                 %o: memref<1x2x5x4xf32>) {
  amae.fused_attention %q, %k, %v into %o {scale = 5.000000e-01 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32> into memref<1x2x5x4xf32>
  return
}

// -----

// The backward: the per-row log-sum-exp and D in two [N, H, S_q] buffers,
// a loop over query rows (dq) and one over key rows (dk, dv). Over query
// rows: the max and sum walk, the D walk, then dq accumulated in registers
// and stored after its walk. Over key rows: dv, then dk, each in a walk of
// its own.
// CHECK-LABEL: func.func private @grad_attention_grad0(
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} -> (f32, f32)
// CHECK: math.log
// CHECK: scf.for {{.*}} -> (f32)
// CHECK-COUNT-2: memref.store
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK-COUNT-4: memref.store %{{.*}}, %arg0
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK-COUNT-4: memref.store %{{.*}}, %arg8
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK-COUNT-4: memref.store %{{.*}}, %arg7
// CHECK-NOT: scf.parallel
// The walks that also hold two rows (q and dout for dq; k and v for dk)
// take half the register width of columns at a time (32 of the base
// model's 64): with four floats, dq and dk in two walks of two, dv in one.
// HALF-LABEL: func.func private @grad_attention_grad0(
// HALF: scf.parallel
// HALF: math.log
// HALF-COUNT-2: memref.store
// HALF: scf.for {{.*}} -> (f32, f32)
// HALF-COUNT-2: memref.store %{{.*}}, %arg0
// HALF: scf.for {{.*}} -> (f32, f32)
// HALF-COUNT-2: memref.store %{{.*}}, %arg0
// HALF: scf.parallel
// HALF: scf.for {{.*}} -> (f32, f32, f32, f32)
// HALF-COUNT-4: memref.store %{{.*}}, %arg8
// HALF: scf.for {{.*}} -> (f32, f32)
// HALF-COUNT-2: memref.store %{{.*}}, %arg7
// HALF: scf.for {{.*}} -> (f32, f32)
// HALF-COUNT-2: memref.store %{{.*}}, %arg7
// HALF-NOT: scf.for
// HALF: scf.reduce
// CHECK-LABEL: func.func @grad(
// CHECK: %[[LSE:.*]] = memref.alloc() : memref<1x2x5xf32>
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x2x5xf32>
// CHECK: call @grad_attention_grad0({{.*}}%[[LSE]]{{.*}}%[[D]]
func.func @grad(%q: memref<1x2x5x4xf32>, %k: memref<1x2x5x4xf32>, %v: memref<1x2x5x4xf32>,
                %do: memref<1x2x5x4xf32>, %dq: memref<1x2x5x4xf32>, %dk: memref<1x2x5x4xf32>,
                %dv: memref<1x2x5x4xf32>) {
  amae.fused_attention_grad %q, %k, %v, %do into %dq, %dk, %dv {scale = 5.000000e-01 : f32}
      : memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
        into memref<1x2x5x4xf32>, memref<1x2x5x4xf32>, memref<1x2x5x4xf32>
  return
}

// -----

// Shifted-window attention, forward: a launch for the q and k norms (one
// iteration per token), then one per (batch, head, window, position) whose
// logits, with the shift mask's -100 chosen by region, feed an online
// softmax, the output row in registers (four loop-carried values) and
// stored after the walk. The only buffers are the two [N, H, L] norms: no
// logits.
// CHECK-LABEL: func.func private @win_window_attention0(
// CHECK: arith.constant -1.000000e+02 : f32
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}) =
// CHECK: math.sqrt
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}, {{.*}}) = ({{.*}}) to (%{{.*}}, %{{.*}}, %c2{{.*}}, %c16) step
// CHECK: %[[ML:.*]]:6 = scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32)
// CHECK-NOT: memref.store
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf %{{.*}}, %[[ML]]#1
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func @win(
// CHECK-COUNT-2: memref.alloc() : memref<1x2x32xf32>
// CHECK-NOT: memref.alloc
// CHECK: call @win_window_attention0(
func.func @win(%q: memref<1x2x32x4xf32>, %tau: memref<2xf32>, %b: memref<256x2xf32>,
               %o: memref<1x2x32x4xf32>) {
  amae.fused_window_attention %q, %q, %q, %tau, %b into %o
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>,
        memref<256x2xf32> into memref<1x2x32x4xf32>
  return
}

// -----

// The backward: norms; query rows (log-sum-exp, D, dq); key rows (dk, dv);
// (head, i, j) for the position bias's and tau's sums over batch and
// windows; tau's partial sums per head. Its buffers: the norms, the
// log-sum-exp and D per token, tau's partial sums per (head, i, j).
// CHECK-LABEL: func.func private @wgrad_window_attention_grad0(
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}) =
// CHECK: math.sqrt
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}, {{.*}}) =
// CHECK: math.log
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}, {{.*}}) =
// CHECK: scf.parallel ({{.*}}, {{.*}}, {{.*}}) = ({{.*}}) to (%{{.*}}, %c16{{.*}}, %c16{{.*}}) step
// CHECK: scf.parallel ({{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func @wgrad(
// CHECK-COUNT-4: memref.alloc() : memref<1x2x32xf32>
// CHECK-NEXT: memref.alloc() : memref<2x16x16xf32>
// CHECK-NOT: memref.alloc
// CHECK: call @wgrad_window_attention_grad0(
func.func @wgrad(%q: memref<1x2x32x4xf32>, %tau: memref<2xf32>, %b: memref<256x2xf32>,
                 %dt: memref<2xf32>, %db: memref<256x2xf32>) {
  amae.fused_window_attention_grad %q, %q, %q, %tau, %b, %q into %q, %q, %q, %dt, %db
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>,
        memref<256x2xf32>, memref<1x2x32x4xf32>
        into memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<1x2x32x4xf32>, memref<2xf32>,
        memref<256x2xf32>
  return
}

// -----

func.func @tensors(%q: tensor<1x2x5x4xf32>, %o: tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32> {
  // expected-error @+1 {{must be bufferized before amae-cuda-lower-attention}}
  %r = amae.fused_attention %q, %q, %q into %o {scale = 5.000000e-01 : f32}
      : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32> into tensor<1x2x5x4xf32>
      -> tensor<1x2x5x4xf32>
  return %r : tensor<1x2x5x4xf32>
}

// -----

func.func @dynamic(%q: memref<1x2x5x?xf32>, %o: memref<1x2x5x?xf32>) {
  // expected-error @+1 {{needs static head widths for amae-cuda-lower-attention}}
  amae.fused_attention %q, %q, %q into %o {scale = 5.000000e-01 : f32}
      : memref<1x2x5x?xf32>, memref<1x2x5x?xf32>, memref<1x2x5x?xf32> into memref<1x2x5x?xf32>
  return
}
