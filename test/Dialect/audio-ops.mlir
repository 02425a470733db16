// RUN: amae-opt %s | amae-opt | FileCheck %s
// RUN: amae-opt %s --mlir-print-op-generic | amae-opt | FileCheck %s

// CHECK-LABEL: func.func @front_end
func.func @front_end(%wave: tensor<160000xf32>) -> tensor<1024x128xf32> {
  // CHECK-NEXT: %[[F:.*]] = amae.fbank %{{.*}} {sample_rate = 16000 : i64} : (tensor<160000xf32>) -> tensor<998x128xf32>
  %f = amae.fbank %wave {sample_rate = 16000 : i64} : (tensor<160000xf32>) -> tensor<998x128xf32>
  // CHECK-NEXT: %[[P:.*]] = amae.pad_frames %[[F]] {frames = 1024 : i64} : (tensor<998x128xf32>) -> tensor<1024x128xf32>
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<998x128xf32>) -> tensor<1024x128xf32>
  // CHECK-NEXT: amae.normalize %[[P]] {mean = -4.{{[0-9]+}} : f64, std = 4.5689973999999998 : f64} : tensor<1024x128xf32>
  %n = amae.normalize %p {mean = -4.2677393 : f64, std = 4.5689974 : f64} : tensor<1024x128xf32>
  return %n : tensor<1024x128xf32>
}

// CHECK-LABEL: func.func @fbank_options
func.func @fbank_options(%wave: tensor<?xf32>) -> tensor<?x64xf32> {
  // CHECK: amae.fbank %{{.*}} {frame_shift_ms = 1.250000e+01 : f64, high_freq = -4.000000e+02 : f64, low_freq = 6.000000e+01 : f64, num_mel_bins = 64 : i64, remove_dc_offset = false, sample_rate = 22050 : i64, window_type = "povey"} : (tensor<?xf32>) -> tensor<?x64xf32>
  %f = amae.fbank %wave {sample_rate = 22050 : i64, num_mel_bins = 64 : i64, frame_shift_ms = 12.5 : f64, low_freq = 60.0 : f64, high_freq = -400.0 : f64, remove_dc_offset = false, window_type = "povey"} : (tensor<?xf32>) -> tensor<?x64xf32>
  return %f : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @pad_dynamic
func.func @pad_dynamic(%f: tensor<?x128xf32>) -> tensor<1024x128xf32> {
  // CHECK-NEXT: amae.pad_frames %{{.*}} {frames = 1024 : i64} : (tensor<?x128xf32>) -> tensor<1024x128xf32>
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<?x128xf32>) -> tensor<1024x128xf32>
  return %p : tensor<1024x128xf32>
}

// A batch of recordings with their valid lengths, as the frontend graph runs it.
// CHECK-LABEL: func.func @batched_front_end
func.func @batched_front_end(%wave: tensor<2x16000xf32>, %n: tensor<2xi64>) -> tensor<2x100x128xf32> {
  // CHECK-NEXT: %[[C:.*]] = amae.remove_mean %{{.*}}, %{{.*}} : (tensor<2x16000xf32>, tensor<2xi64>) -> tensor<2x16000xf32>
  %c = amae.remove_mean %wave, %n : (tensor<2x16000xf32>, tensor<2xi64>) -> tensor<2x16000xf32>
  // CHECK-NEXT: %[[F:.*]] = amae.fbank %[[C]], %{{.*}} {sample_rate = 16000 : i64} : (tensor<2x16000xf32>, tensor<2xi64>) -> tensor<2x98x128xf32>
  %f = amae.fbank %c, %n {sample_rate = 16000 : i64} : (tensor<2x16000xf32>, tensor<2xi64>) -> tensor<2x98x128xf32>
  // CHECK-NEXT: amae.pad_frames %[[F]] {frames = 100 : i64} : (tensor<2x98x128xf32>) -> tensor<2x100x128xf32>
  %p = amae.pad_frames %f {frames = 100 : i64} : (tensor<2x98x128xf32>) -> tensor<2x100x128xf32>
  return %p : tensor<2x100x128xf32>
}
