// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-cpu-vectorize))' | FileCheck %s
// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-cpu-vectorize{vector-size=8 min-iterations=32}))' | FileCheck %s --check-prefix=AVX2

// The layer norm of one encoder block as amae-compile outlines it (tiny
// spec: 33 tokens of 64): the mean's row sum, the variance's sum of
// squares, the normalization.
// The row sum keeps 16 partial sums, one per lane, and adds them to the
// output once per row.
// CHECK-LABEL: func.func @ln_sum
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %c33 step
// CHECK: %[[ZERO:.+]] = vector.broadcast %{{.+}} : f32 to vector<16xf32>
// CHECK: %[[ACC:.+]] = scf.for %[[J:.+]] = %{{.+}} to %c64 step %c16 iter_args(%[[P:.+]] = %[[ZERO]]) -> (vector<16xf32>)
// CHECK: %[[X:.+]] = vector.transfer_read %arg0[%[[I]], %[[J]]], %{{.+}} {in_bounds = [true]} : memref<33x64xf32>, vector<16xf32>
// CHECK: %[[S:.+]] = arith.addf %[[X]], %[[P]] : vector<16xf32>
// CHECK: scf.yield %[[S]]
// CHECK: %[[OLD:.+]] = memref.load %arg1[%[[I]]]
// CHECK: %[[ROW:.+]] = vector.reduction <add>, %[[ACC]], %[[OLD]] : vector<16xf32> into f32
// CHECK: memref.store %[[ROW]], %arg1[%[[I]]]
// CHECK-NOT: linalg.generic
// AVX2-LABEL: func.func @ln_sum
// AVX2: scf.parallel
// AVX2: scf.for {{.*}} step %c8 iter_args({{.*}}) -> (vector<8xf32>)
// AVX2: vector.reduction <add>, {{.*}} : vector<8xf32> into f32
func.func @ln_sum(%x: memref<33x64xf32>, %sum: memref<33xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<33x64xf32>) outs(%sum : memref<33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// The mean is the same for every lane of a row: loaded and scaled once per
// row, then broadcast.
// CHECK-LABEL: func.func @ln_var
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %c33 step
// CHECK: %[[SUM:.+]] = memref.load %arg2[%[[I]]] : memref<33xf32>
// CHECK: %[[MEAN:.+]] = arith.mulf %[[SUM]], %arg0 : f32
// CHECK: scf.for %[[J:.+]] = {{.*}} iter_args(%[[P:.+]] = %{{.+}}) -> (vector<16xf32>)
// CHECK: %[[X:.+]] = vector.transfer_read %arg1[%[[I]], %[[J]]]
// CHECK: %[[M:.+]] = vector.broadcast %[[MEAN]] : f32 to vector<16xf32>
// CHECK: %[[D:.+]] = arith.subf %[[X]], %[[M]] : vector<16xf32>
// CHECK: %[[SQ:.+]] = arith.mulf %[[D]], %[[D]] : vector<16xf32>
// CHECK: arith.addf %[[SQ]], %[[P]] : vector<16xf32>
// CHECK: vector.reduction <add>
func.func @ln_var(%inv: f32, %x: memref<33x64xf32>, %sum: memref<33xf32>, %var: memref<33xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x, %sum : memref<33x64xf32>, memref<33xf32>) outs(%var : memref<33xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in_0, %inv : f32
    %1 = arith.subf %in, %0 : f32
    %2 = arith.mulf %1, %1 : f32
    %3 = arith.addf %2, %out : f32
    linalg.yield %3 : f32
  }
  return
}

// -----

// Elementwise: the row's statistics and rsqrt once per row, as scalars; the
// weight and bias (indexed by the column) and x as vectors.
// CHECK-LABEL: func.func @ln_normalize
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %c33 step
// CHECK: memref.load %arg3[%[[I]]]
// CHECK: memref.load %arg4[%[[I]]]
// CHECK: %[[R:.+]] = math.rsqrt %{{.+}} : f32
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %c64 step %c16 {
// CHECK-DAG: vector.transfer_read %arg2[%[[I]], %[[J]]], {{.*}} : memref<33x64xf32>, vector<16xf32>
// CHECK-DAG: %[[W:.+]] = vector.transfer_read %arg5[%[[J]]], {{.*}} : memref<64xf32>, vector<16xf32>
// CHECK-DAG: %[[B:.+]] = vector.transfer_read %arg6[%[[J]]], {{.*}} : memref<64xf32>, vector<16xf32>
// CHECK: vector.broadcast %[[R]] : f32 to vector<16xf32>
// CHECK: %[[Y:.+]] = arith.addf %{{.+}}, %[[B]] : vector<16xf32>
// CHECK: vector.transfer_write %[[Y]], %arg7[%[[I]], %[[J]]] {in_bounds = [true]} : vector<16xf32>, memref<33x64xf32>
func.func @ln_normalize(%inv: f32, %eps: f32, %x: memref<33x64xf32>, %sum: memref<33xf32>, %var: memref<33xf32>, %w: memref<64xf32>, %b: memref<64xf32>, %y: memref<33x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %sum, %var, %w, %b : memref<33x64xf32>, memref<33xf32>, memref<33xf32>, memref<64xf32>, memref<64xf32>) outs(%y : memref<33x64xf32>) {
  ^bb0(%in: f32, %in_0: f32, %in_1: f32, %in_2: f32, %in_3: f32, %out: f32):
    %0 = arith.mulf %in_0, %inv : f32
    %1 = arith.subf %in, %0 : f32
    %2 = arith.mulf %in_1, %inv : f32
    %3 = arith.addf %2, %eps : f32
    %4 = math.rsqrt %3 : f32
    %5 = arith.mulf %1, %4 : f32
    %6 = arith.mulf %5, %in_2 : f32
    %7 = arith.addf %6, %in_3 : f32
    linalg.yield %7 : f32
  }
  return
}

// -----

// Softmax over rows of 20 scores: a row max (scaled), exp, the row sum, the
// division in place; 20 = one vector of 16 and a masked chunk of 4.
// The max's partial chunk: lanes past the row's end read as padding and are
// replaced by the identity (-inf) before they are combined.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: scf.for {{.*}} to %c16 step %c16{{.*}} iter_args
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: %[[TAIL:.+]] = vector.transfer_read %arg1[%{{.+}}, %c16{{.*}}], %{{[^{]+}} : memref<2x20xf32>, vector<16xf32>
// CHECK: %[[SCALED:.+]] = arith.mulf %[[TAIL]]
// CHECK: %[[MASK:.+]] = vector.create_mask %c4 : vector<16xi1>
// CHECK: %[[KEEP:.+]] = arith.select %[[MASK]], %[[SCALED]], %{{.+}} : vector<16xi1>, vector<16xf32>
// CHECK: arith.maximumf %[[KEEP]]
// CHECK: vector.reduction <maximumf>
// The exponentials: a masked store for the last 4 of each row.
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK: vector.transfer_write %{{.+}}, %arg3[%{{.+}}, %{{.+}}] {in_bounds = [true]}
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK: vector.transfer_write %{{.+}}, %arg3[%{{.+}}, %c16{{.*}}] : vector<16xf32>, memref<2x20xf32>
// CHECK: vector.reduction <add>
// The division in place.
// CHECK: arith.divf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NOT: linalg.generic
// With threads (min-iterations 32: the 40 points are enough), the rows are
// shared out.
// AVX2-LABEL: func.func @softmax
// AVX2-COUNT-4: scf.parallel
func.func @softmax(%scale: f32, %s: memref<2x20xf32>, %max: memref<2xf32>, %e: memref<2x20xf32>, %sum: memref<2xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%s : memref<2x20xf32>) outs(%max : memref<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %scale : f32
    %1 = arith.maximumf %0, %out : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s, %max : memref<2x20xf32>, memref<2xf32>) outs(%e : memref<2x20xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %scale : f32
    %1 = arith.subf %0, %in_0 : f32
    %2 = math.exp %1 : f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%e : memref<2x20xf32>) outs(%sum : memref<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%e, %sum : memref<2x20xf32>, memref<2xf32>) outs(%e : memref<2x20xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.divf %in, %in_0 : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// Left as they are: a walk across the operand's contiguous dimension (the
// mean over patches), linalg.index, fewer columns than lanes, and a body
// with an op that is not elementwise.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%x: memref<1x32x64xf32>, %m: memref<1x64xf32>, %i: memref<4x64xf32>, %n: memref<4x10xf32>, %t: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : memref<1x32x64xf32>) outs(%m : memref<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%i : memref<4x64xf32>) {
  ^bb0(%out: f32):
    %0 = linalg.index 1 : index
    %1 = arith.index_cast %0 : index to i64
    %2 = arith.sitofp %1 : i64 to f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%n : memref<4x10xf32>) {
  ^bb0(%out: f32):
    %0 = arith.addf %out, %out : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%t : memref<4x64xf32>) {
  ^bb0(%out: f32):
    %0 = scf.execute_region -> f32 {
      scf.yield %out : f32
    }
    linalg.yield %0 : f32
  }
  return
}
