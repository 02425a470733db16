// RUN: amae-opt %s -amae-lower-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @linear
// CHECK-NOT: amae.
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<3x8xf32>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.expand_shape {{.*}} into tensor<2x2x3xf32>
func.func @linear(%x: tensor<2x2x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x2x3xf32> {
  %y = amae.linear %x, %w, %b : (tensor<2x2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x2x3xf32>
  return %y : tensor<2x2x3xf32>
}

// -----

// Random masking as ranks: a reduction over (n, i, j), then the first K.
// CHECK-LABEL: func.func @random_masking
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<2x8xi64>)
// CHECK: arith.cmpf olt
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2xi64>)
// CHECK: tensor.extract
func.func @random_masking(%x: tensor<2x8x4xf32>, %noise: tensor<2x8xf32>) -> (tensor<2x2x4xf32>, tensor<2x8xf32>) {
  %kept, %mask, %restore, %keep = amae.random_masking %x, %noise {mask_ratio = 0.75 : f64}
      : (tensor<2x8x4xf32>, tensor<2x8xf32>) -> (tensor<2x2x4xf32>, tensor<2x8xf32>, tensor<2x8xi64>, tensor<2x2xi64>)
  return %kept, %mask : tensor<2x2x4xf32>, tensor<2x8xf32>
}

// -----

// Window attention is fused: gathers with the shift folded into indexing,
// the -100 shift mask as a constant, no rolled or partitioned copies.
// CHECK-LABEL: func.func @window_attention
// CHECK-NOT: amae.
// CHECK-DAG: arith.constant 9.99999997E-7 : f32
// CHECK-DAG: arith.constant dense<"0x{{[0-9A-F]*}}0000C8C2{{[0-9A-F]*}}"> : tensor<2x16x16xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x2x16x8xf32>)
// CHECK: arith.remui
// CHECK: tensor.extract
// CHECK: math.sqrt
// CHECK: math.exp
// CHECK: return {{.*}} : tensor<1x2x32x8xf32>
func.func @window_attention(%q: tensor<1x2x32x8xf32>, %tau: tensor<2xf32>, %bias: tensor<256x2xf32>) -> tensor<1x2x32x8xf32> {
  %o = amae.window_attention %q, %q, %q, %tau, %bias {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<2xf32>, tensor<256x2xf32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}

// -----

// The fbank: frames gathered, float64 DFT against one constant cos|sin
// table (a matmul), the mel bank as a contraction, log with the float32
// epsilon floor.
// CHECK-LABEL: func.func @fbank
// CHECK-DAG: arith.constant 1.1920929E-7 : f32
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<400x514xf64>
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<128x257xf32>
// CHECK-NOT: amae.
// CHECK: tensor.extract
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<98x400xf64>, tensor<400x514xf64>)
// CHECK: math.log
// CHECK-NOT: arith.select
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x98x128xf32> into tensor<98x128xf32>
func.func @fbank(%w: tensor<16000xf32>) -> tensor<98x128xf32> {
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return %f : tensor<98x128xf32>
}

// -----

// A batch with valid lengths: one DFT matmul over every frame of the batch,
// and frame f of row n is kept when f * 160 + 400 <= length[n].
// CHECK-LABEL: func.func @fbank_batch_length
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<196x400xf64>, tensor<400x514xf64>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x98x128xf32>, tensor<2xi64>)
// CHECK: math.log
// CHECK: %[[F:.*]] = linalg.index 1
// CHECK: %[[HOP:.*]] = arith.muli %[[F]], %c160
// CHECK: %[[END:.*]] = arith.addi %[[HOP]], %c400
// CHECK: %[[N:.*]] = arith.index_cast
// CHECK: %[[IN:.*]] = arith.cmpi sle, %[[END]], %[[N]]
// CHECK: arith.select %[[IN]]
func.func @fbank_batch_length(%w: tensor<2x16000xf32>, %n: tensor<2xi64>) -> tensor<2x98x128xf32> {
  %f = amae.fbank %w, %n {sample_rate = 16000 : i64} : (tensor<2x16000xf32>, tensor<2xi64>) -> tensor<2x98x128xf32>
  return %f : tensor<2x98x128xf32>
}

// -----

// The mean of each row's valid samples, summed in float64; the samples past
// the length are left out and zeroed.
// CHECK-LABEL: func.func @remove_mean
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x100xf32>, tensor<2xi64>) outs(%{{.*}} : tensor<2xf64>)
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: arith.addf {{.*}} : f64
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.divf {{.*}} : f64
// CHECK: arith.truncf
// CHECK: arith.subf {{.*}} : f32
// CHECK: arith.select
func.func @remove_mean(%w: tensor<2x100xf32>, %n: tensor<2xi64>) -> tensor<2x100xf32> {
  %c = amae.remove_mean %w, %n : (tensor<2x100xf32>, tensor<2xi64>) -> tensor<2x100xf32>
  return %c : tensor<2x100xf32>
}

// -----

// Padding appends zero frames: the input lands at the start of a zero tensor.
// CHECK-LABEL: func.func @pad_frames_batch
// CHECK-NOT: amae.
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<2x10x4xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[Z]][0, 0, 0] [2, 6, 4] [1, 1, 1]
func.func @pad_frames_batch(%f: tensor<2x6x4xf32>) -> tensor<2x10x4xf32> {
  %p = amae.pad_frames %f {frames = 10 : i64} : (tensor<2x6x4xf32>) -> tensor<2x10x4xf32>
  return %p : tensor<2x10x4xf32>
}

// -----

// Cropping keeps the first frames.
// CHECK-LABEL: func.func @pad_frames_crop
// CHECK-NOT: amae.
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [3, 4] [1, 1] : tensor<6x4xf32> to tensor<3x4xf32>
func.func @pad_frames_crop(%f: tensor<6x4xf32>) -> tensor<3x4xf32> {
  %p = amae.pad_frames %f {frames = 3 : i64} : (tensor<6x4xf32>) -> tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}

// -----

// (x - mean) / (2 std) in float32, 2 std folded into one constant.
// CHECK-LABEL: func.func @normalize
// CHECK-DAG: %[[M:.*]] = arith.constant -4.2677393 : f32
// CHECK-DAG: %[[S:.*]] = arith.constant 9.13799476 : f32
// CHECK: linalg.generic
// CHECK: %[[D:.*]] = arith.subf %{{.*}}, %[[M]]
// CHECK: arith.divf %[[D]], %[[S]]
func.func @normalize(%f: tensor<6x4xf32>) -> tensor<6x4xf32> {
  %n = amae.normalize %f {mean = -4.2677393 : f64, std = 4.5689974 : f64} : tensor<6x4xf32>
  return %n : tensor<6x4xf32>
}

// -----

// Drop-path keyed by the run index of each sample: row n of the batch draws
// as sample first_sample + n, so ranks holding slices of one batch draw the
// whole batch's decisions.
// CHECK-LABEL: func.func @drop_path_first_sample
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<i64>, tensor<i64>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[SEED:.*]]: i64, %[[FIRST:.*]]: i64,
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: %[[I:.*]] = arith.index_cast %[[ROW]] : index to i64
// CHECK: arith.addi %[[I]], %[[FIRST]] : i64
func.func @drop_path_first_sample(%x: tensor<4x3xf32>, %seed: tensor<i64>, %n: tensor<i64>) -> tensor<4x3xf32> {
  %y = amae.drop_path %x, %seed first_sample %n {rate = 0.5 : f64, stream = 2 : i64} : tensor<4x3xf32>, tensor<i64>, tensor<i64>
  return %y : tensor<4x3xf32>
}

// -----

// Encoder attention: heads split by three copies that read the qkv buffer
// in place (q, k, v at column offsets 0, 64, 128: generics, so that the qkv
// bias fuses into them), scores as a contraction over the head dim, a
// max-subtracted softmax, the weighted sum, heads merged back.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * 16 + d3)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, (d1 + 4) * 16 + d3)>
// CHECK-DAG: #[[V:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, (d1 + 8) * 16 + d3)>
// CHECK-LABEL: func.func @encoder_attention
// CHECK-NOT: amae.
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #{{.*}}], {{.*}} ins(%{{.*}} : tensor<2x7x192xf32>) outs(%{{.*}} : tensor<2x4x7x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[K]], #{{.*}}], {{.*}} ins(%{{.*}} : tensor<2x7x192xf32>) outs(%{{.*}} : tensor<2x4x7x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[V]], #{{.*}}], {{.*}} ins(%{{.*}} : tensor<2x7x192xf32>) outs(%{{.*}} : tensor<2x4x7x16xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) outs(%{{.*}} : tensor<2x4x7x7xf32>)
// CHECK: arith.mulf %{{.*}}, %cst_0 : f32
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x4x7x7xf32>, tensor<2x4x7x16xf32>) outs(%{{.*}} : tensor<2x4x7x16xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 1, 3]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<2x7x4x16xf32> into tensor<2x7x64xf32>
func.func @encoder_attention(%qkv: tensor<2x7x192xf32>) -> tensor<2x7x64xf32> {
  %q, %k, %v = amae.split_qkv %qkv {heads = 4 : i64}
      : (tensor<2x7x192xf32>) -> (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>)
  %o = amae.attention %q, %k, %v {scale = 0.25 : f32}
      : (tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>) -> tensor<2x4x7x16xf32>
  %m = amae.merge_heads %o : (tensor<2x4x7x16xf32>) -> tensor<2x7x64xf32>
  return %m : tensor<2x7x64xf32>
}

// -----

// Exact GELU (erf), as torch.nn.GELU; ReLU as a maximum.
// CHECK-LABEL: func.func @activations
// CHECK-NOT: amae.
// CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[RSQRT2:.*]] = arith.constant 0.707106769 : f32
// CHECK: arith.mulf %{{.*}}, %[[RSQRT2]]
// CHECK: math.erf
// CHECK: arith.mulf %{{.*}}, %[[HALF]]
// CHECK: linalg.generic
// CHECK: arith.maximumf %{{.*}}, %cst
func.func @activations(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = amae.gelu %x : tensor<2x8xf32>
  %r = amae.relu %a : tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Mean over the tokens after the skipped CLS.
// CHECK-LABEL: func.func @mean_pool
// CHECK-NOT: amae.
// CHECK-DAG: %[[COUNT:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0] [2, 4, 4] [1, 1, 1]
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.divf %{{.*}}, %[[COUNT]]
func.func @mean_pool(%t: tensor<2x5x4xf32>) -> tensor<2x4xf32> {
  %p = amae.mean_pool %t {skip = 1 : i64} : (tensor<2x5x4xf32>) -> tensor<2x4xf32>
  return %p : tensor<2x4xf32>
}

// -----

// The window tables and the position table are constants of the geometry.
// CHECK-LABEL: func.func @tables
// CHECK-NOT: amae.
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<2x16x16xf32>
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<256x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00, 1.000000e+00], [0.000000e+00, 1.000000e+00, 0.841470957, 0.540302277]]]> : tensor<1x3x4xf32>
func.func @tables() -> (tensor<2x16x16xf32>, tensor<256x2xf32>, tensor<1x3x4xf32>) {
  %m = amae.shift_mask {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>} : tensor<2x16x16xf32>
  %c = amae.log_relative_coords {window = array<i64: 4, 4>} : tensor<256x2xf32>
  %pos = amae.sincos_pos_embed {grid = array<i64: 1, 2>, dim = 4 : i64} : tensor<1x3x4xf32>
  return %m, %c, %pos : tensor<2x16x16xf32>, tensor<256x2xf32>, tensor<1x3x4xf32>
}

// -----

// Token bookkeeping: the position table's rows after the offset added, CLS
// broadcast and inserted in front, mask tokens placed by ids_restore.
// CHECK-LABEL: func.func @tokens
// CHECK-NOT: amae.
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0] [1, 32, 64] [1, 1, 1] : tensor<1x33x64xf32> to tensor<1x32x64xf32>
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [2, 1, 64] [1, 1, 1] : tensor<2x1x64xf32> into tensor<2x33x64xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 1, 0] [2, 32, 64] [1, 1, 1] : tensor<2x32x64xf32> into tensor<2x33x64xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x32xi64>, tensor<32xf32>) outs(%{{.*}} : tensor<2x32x32xf32>)
// CHECK: %[[ID:.*]] = arith.index_cast
// CHECK: %[[VISIBLE:.*]] = arith.cmpi ult, %[[ID]], %c6
// CHECK: tensor.extract %{{.*}} : tensor<2x6x32xf32>
// CHECK: arith.select %[[VISIBLE]]
func.func @tokens(%x: tensor<2x32x64xf32>, %pos: tensor<1x33x64xf32>, %cls: tensor<1x1x64xf32>,
                  %vis: tensor<2x6x32xf32>, %tok: tensor<1x1x32xf32>, %restore: tensor<2x32xi64>)
    -> (tensor<2x33x64xf32>, tensor<2x32x32xf32>) {
  %xp = amae.add_position %x, %pos {offset = 1 : i64} : (tensor<2x32x64xf32>, tensor<1x33x64xf32>) -> tensor<2x32x64xf32>
  %withCls = amae.prepend_token %xp, %cls : (tensor<2x32x64xf32>, tensor<1x1x64xf32>) -> tensor<2x33x64xf32>
  %full = amae.unshuffle %vis, %tok, %restore : (tensor<2x6x32xf32>, tensor<1x1x32xf32>, tensor<2x32xi64>) -> tensor<2x32x32xf32>
  return %withCls, %full : tensor<2x33x64xf32>, tensor<2x32x32xf32>
}

// -----

// Time+frequency token dropping: ranks of the noise by counting (ties
// broken by index, as a stable argsort), the kept rows and columns, then the
// kept tokens gathered as a (time, frequency) grid.
// CHECK-LABEL: func.func @time_freq_masking
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<2x8xf32>) outs(%{{.*}} : tensor<2x8xi64>)
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf oeq
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x6xi64>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xi64>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xi64>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x6xi64>, tensor<2x3xi64>) outs(%{{.*}} : tensor<2x6x3x64xf32>)
// CHECK: arith.muli %{{.*}}, %c4
// CHECK: tensor.extract %{{.*}} : tensor<2x32x64xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<2x6x3x64xf32> into tensor<2x18x64xf32>
func.func @time_freq_masking(%x: tensor<2x32x64xf32>, %nt: tensor<2x8xf32>, %nf: tensor<2x4xf32>) -> tensor<2x18x64xf32> {
  %kept, %kt, %kf = amae.time_freq_masking %x, %nt, %nf {mask_t = 0.2 : f64, mask_f = 0.2 : f64}
      : (tensor<2x32x64xf32>, tensor<2x8xf32>, tensor<2x4xf32>) -> (tensor<2x18x64xf32>, tensor<2x6xi64>, tensor<2x3xi64>)
  return %kept : tensor<2x18x64xf32>
}

// -----

// Patches by reshape + transpose: patchify in the official (p, q, c) order,
// the embedding's columns in the (c, p, q) order of the conv kernel, then a
// matmul with the bias as its initial value.
// CHECK-LABEL: func.func @patches
// CHECK-NOT: amae.
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 4, 3, 5, 1]
// CHECK: tensor.collapse_shape %{{.*}} : tensor<2x2x1x16x16x1xf32> into tensor<2x2x256xf32>
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 4, 1, 3, 5]
// CHECK: tensor.collapse_shape %{{.*}} : tensor<2x2x1x1x16x16xf32> into tensor<4x256xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x256xf32>, tensor<8x256xf32>) outs(%[[BIAS]] : tensor<4x8xf32>)
func.func @patches(%imgs: tensor<2x1x32x16xf32>, %w: tensor<8x1x16x16xf32>, %b: tensor<8xf32>)
    -> (tensor<2x2x256xf32>, tensor<2x2x8xf32>) {
  %p = amae.patchify %imgs {patch = 16 : i64} : (tensor<2x1x32x16xf32>) -> tensor<2x2x256xf32>
  %e = amae.patch_embed %imgs, %w, %b : (tensor<2x1x32x16xf32>, tensor<8x1x16x16xf32>, tensor<8xf32>) -> tensor<2x2x8xf32>
  return %p, %e : tensor<2x2x256xf32>, tensor<2x2x8xf32>
}

// -----

// AdamW: the step's scalars (bias corrections with powf in float64) outside
// the loop, one loop nest writing the new parameter and both moments.
// CHECK-LABEL: func.func @adamw
// CHECK-NOT: amae.
// CHECK: math.powf {{.*}} : f64
// CHECK: math.powf {{.*}} : f64
// CHECK: math.sqrt {{.*}} : f64
// CHECK: %{{.*}}:3 = linalg.generic
// CHECK-NOT: math.powf
// CHECK: math.sqrt {{.*}} : f32
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
func.func @adamw(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %v: tensor<4x3xf32>,
                 %lr: tensor<f32>, %step: tensor<i64>, %b1: tensor<f32>, %b2: tensor<f32>,
                 %wd: tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %p1, %m1, %v1 = amae.adamw_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %wd
      {eps = 1.0e-8 : f64} : tensor<4x3xf32>, tensor<f32>, tensor<i64>
  return %p1, %m1, %v1 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// The attention backward: p recomputed (scores, max-subtracted softmax),
// dv = p^T dout, dp = dout v^T, ds = p (dp - rowsum(dp p)) scale, dq = ds k,
// dk = ds^T q; results in the order dq, dk, dv.
// CHECK-LABEL: func.func @attention_grad
// CHECK-NOT: amae.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>) outs(%{{.*}} : tensor<1x2x5x5xf32>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[DV:.*]] = linalg.generic {{.*}} ins(%[[P:.*]], %[[DOUT:.*]] : tensor<1x2x5x5xf32>, tensor<1x2x5x4xf32>)
// CHECK: %[[DP:.*]] = linalg.generic {{.*}} ins(%[[DOUT]], %{{.*}} : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>) outs(%{{.*}} : tensor<1x2x5x5xf32>)
// CHECK: %[[ROW:.*]] = linalg.generic {{.*}} ins(%[[DP]], %[[P]] : {{.*}}) outs(%{{.*}} : tensor<1x2x5xf32>)
// CHECK: %[[DS:.*]] = linalg.generic {{.*}} ins(%[[DP]], %[[P]], %[[ROW]] : {{.*}})
// CHECK: arith.subf
// CHECK: %[[DQ:.*]] = linalg.generic {{.*}} ins(%[[DS]], %{{.*}} : {{.*}})
// CHECK: %[[DK:.*]] = linalg.generic {{.*}} ins(%[[DS]], %{{.*}} : {{.*}})
// CHECK: return %[[DQ]], %[[DK]], %[[DV]]
func.func @attention_grad(%q: tensor<1x2x5x4xf32>, %d: tensor<1x2x5x4xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>) {
  %dq, %dk, %dv = amae.attention_grad %q, %q, %q, %d {scale = 0.5 : f32}
      : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>)
      -> (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>)
  return %dq, %dk, %dv : tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>
}

// -----

// The window attention backward works in window order: the inputs and dout
// gathered into (N, H, windows, P, E), the forward's probabilities
// recomputed with the shift mask as a constant, the position-bias gradient
// summed over batch and windows into (P * P, H), tau's over everything but
// the head, and dq, dk, dv gathered back to token order.
// CHECK-LABEL: func.func @window_attention_grad
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<2x16x16xf32>
// CHECK-NOT: amae.
// CHECK: tensor.extract {{.*}} : tensor<1x2x32x4xf32>
// CHECK: math.exp
// CHECK: %[[DBIAS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x16x2xf32>)
// CHECK: %[[DB:.*]] = tensor.collapse_shape %[[DBIAS]] {{\[\[}}0, 1], [2]] : tensor<16x16x2xf32> into tensor<256x2xf32>
// CHECK: %[[DTAU:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2xf32>)
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %[[DTAU]], %[[DB]] : tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>
func.func @window_attention_grad(%q: tensor<1x2x32x4xf32>, %tau: tensor<2xf32>, %b: tensor<256x2xf32>, %d: tensor<1x2x32x4xf32>)
    -> (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>) {
  %dq, %dk, %dv, %dt, %db = amae.window_attention_grad %q, %q, %q, %tau, %b, %d
      {grid = array<i64: 8, 4>, window = array<i64: 4, 4>, shift = array<i64: 2, 0>}
      : (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>, tensor<1x2x32x4xf32>)
      -> (tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>)
  return %dq, %dk, %dv, %dt, %db : tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<1x2x32x4xf32>, tensor<2xf32>, tensor<256x2xf32>
}
