// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-fuse-elementwise))' -split-input-file | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// Layer norm as the lowering writes it: sum, x - mean, square, sum,
// normalise. `x - mean` is cheap and read by two consumers: it is cloned
// into both, the square fuses into the variance, and three kernels remain
// (sum, sum of squares, normalise), none storing an intermediate row.
// CHECK-LABEL: func.func @layer_norm
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}ins(%arg0
// CHECK:           arith.addf
// CHECK:         %[[VAR:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}ins(%arg0, %[[SUM]]
// CHECK:           arith.subf
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.addf
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}}ins(%arg0, %[[SUM]], %[[VAR]], %arg1
// CHECK:           arith.subf
// CHECK:           math.rsqrt
// CHECK:         return %[[Y]]
// CHECK-NOT:     linalg.generic
func.func @layer_norm(%x: tensor<8x64xf32>, %g: tensor<64xf32>) -> tensor<8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.015625 : f32
  %eps = arith.constant 1.0e-6 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x64xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x64xf32>
  %d = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : tensor<8x64xf32>, tensor<8xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %s, %inv : f32
    %r = arith.subf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<8x64xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d : tensor<8x64xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8x64xf32>
  %var = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<8x64xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d, %var, %g : tensor<8x64xf32>, tensor<8xf32>, tensor<64xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %v: f32, %gg: f32, %o: f32):
    %m = arith.mulf %v, %inv : f32
    %p = arith.addf %m, %eps : f32
    %r = math.rsqrt %p : f32
    %n = arith.mulf %a, %r : f32
    %w = arith.mulf %n, %gg : f32
    linalg.yield %w : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// The exp is stored: its two readers (the row sum and the division) each
// take it whole, and it is too dear to compute twice. The division is not
// fused into the matmul that reads it: that stays a plain contraction for
// the BLAS rewrite. The scale (cheap) fuses into both of its readers.
// CHECK-LABEL: func.func @softmax_then_matmul
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}}["parallel", "reduction"]
// CHECK:           arith.mulf
// CHECK-NEXT:      arith.maximumf
// CHECK:         %[[EXP:.*]] = linalg.generic {{.*}}["parallel", "parallel"]{{.*}}ins(%arg0, %[[MAX]]
// CHECK:           arith.mulf
// CHECK-NEXT:      arith.subf
// CHECK-NEXT:      math.exp
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}["parallel", "reduction"]{{.*}}ins(%[[EXP]]
// CHECK:         %[[P:.*]] = linalg.generic {{.*}}["parallel", "parallel"]{{.*}}ins(%[[EXP]], %[[SUM]]
// CHECK:           arith.divf
// CHECK:         linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}}ins(%[[P]], %arg1
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.addf
// CHECK-NEXT:      linalg.yield
func.func @softmax_then_matmul(%s: tensor<8x8xf32>, %v: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.25 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %er = tensor.empty() : tensor<8xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %scale : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %lo = linalg.fill ins(%ninf : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%scaled : tensor<8x8xf32>) outs(%lo : tensor<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %exp = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%scaled, %max : tensor<8x8xf32>, tensor<8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%exp : tensor<8x8xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%exp, %sum : tensor<8x8xf32>, tensor<8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %r = arith.divf %a, %t : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %eo = tensor.empty() : tensor<8x4xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<8x4xf32>) -> tensor<8x4xf32>
  %o = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<8x8xf32>, tensor<4x8xf32>) outs(%zo : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A dear producer read broadcast (one exp per row, read by every element
// of the row) is not recomputed per element.
// CHECK-LABEL: func.func @no_broadcast_recompute
// CHECK:         %[[E:.*]] = linalg.generic {{.*}}ins(%arg1 : tensor<8xf32>)
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}ins(%arg0, %[[E]]
// CHECK-NOT:       math.exp
// CHECK:           arith.mulf
func.func @no_broadcast_recompute(%x: tensor<8x64xf32>, %r: tensor<8xf32>) -> tensor<8x64xf32> {
  %er = tensor.empty() : tensor<8xf32>
  %exp = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%r : tensor<8xf32>) outs(%er : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<8xf32>
  %e = tensor.empty() : tensor<8x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %exp : tensor<8x64xf32>, tensor<8xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.mulf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
