// RUN: amae-opt %s -split-input-file -verify-diagnostics

// fbank_c1
func.func @fbank_c1(%w: tensor<2x2x16000xf32>) {
  // expected-error @+1 {{fbank_c1: waveform must have rank 1 or 2, got rank 3}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<2x2x16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: sample_rate must be between 1000 and 768000 Hz, got 0}}
  %f = amae.fbank %w {sample_rate = 0 : i64} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c2: a negative rate is reported as itself, not as a huge window (c5).
func.func @fbank_c2_negative_rate(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: sample_rate must be between 1000 and 768000 Hz, got -16000}}
  %f = amae.fbank %w {sample_rate = -16000 : i64} : (tensor<16000xf32>) -> tensor<?x128xf32>
  return
}

// -----

// fbank_c2: a WAV header's 2147483647 Hz
func.func @fbank_c2_huge_rate(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: sample_rate must be between 1000 and 768000 Hz, got 2147483647}}
  %f = amae.fbank %w {sample_rate = 2147483647 : i64} : (tensor<16000xf32>) -> tensor<?x128xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2_mel_bins(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: num_mel_bins must be positive, got 0}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, num_mel_bins = 0 : i64} : (tensor<16000xf32>) -> tensor<98x0xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2_window(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: the window must hold at least 2 samples and the hop 1, got 1 and 160}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, frame_length_ms = 0.1 : f64} : (tensor<16000xf32>) -> tensor<?x128xf32>
  return
}

// -----

// fbank_c2: a frame length of 1e300 ms used to print a window of INT64_MIN.
func.func @fbank_c2_huge_window(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: the window (9223372036854775807 samples) and the hop (160) must be at most 16777216 samples}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, frame_length_ms = 1.0e300 : f64} : (tensor<16000xf32>) -> tensor<?x128xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2_nan_shift(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: frame_length_ms and frame_shift_ms must be positive, got 25 and nan}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, frame_shift_ms = 0x7FF8000000000000 : f64} : (tensor<16000xf32>) -> tensor<?x128xf32>
  return
}

// -----

// fbank_c3
func.func @fbank_c3(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c3: need 0 <= low_freq < high_freq <= nyquist (8000 Hz), got low 20 and high 9000}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, high_freq = 9000.0 : f64} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c4
func.func @fbank_c4(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c4: unknown window_type 'hann'}}
  %f = amae.fbank %w {sample_rate = 16000 : i64, window_type = "hann"} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c5
func.func @fbank_c5_frames(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c5: result must have shape [98, 128], got [100, 128]}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<16000xf32>) -> tensor<100x128xf32>
  return
}

// -----

// fbank_c5
func.func @fbank_c5_short(%w: tensor<300xf32>) {
  // expected-error @+1 {{fbank_c5: the waveform has 300 samples, fewer than one window of 400}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<300xf32>) -> tensor<0x128xf32>
  return
}

// -----

// pad_frames_c1
func.func @pad_frames_c1(%f: tensor<1x1x98x128xf32>) {
  // expected-error @+1 {{pad_frames_c1: input must have rank 2 or 3, got rank 4}}
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<1x1x98x128xf32>) -> tensor<1024x128xf32>
  return
}

// -----

// pad_frames_c1
func.func @pad_frames_c1_frames(%f: tensor<98x128xf32>) {
  // expected-error @+1 {{pad_frames_c1: frames must be positive, got 0}}
  %p = amae.pad_frames %f {frames = 0 : i64} : (tensor<98x128xf32>) -> tensor<0x128xf32>
  return
}

// -----

// pad_frames_c2
func.func @pad_frames_c2(%f: tensor<98x128xf32>) {
  // expected-error @+1 {{pad_frames_c2: result must have shape [1024, 128], got [1024, 64]}}
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<98x128xf32>) -> tensor<1024x64xf32>
  return
}

// -----

// normalize_c1
func.func @normalize_c1(%f: tensor<98x128xf32>) {
  // expected-error @+1 {{normalize_c1: std must be positive, got 0}}
  %n = amae.normalize %f {mean = 0.0 : f64, std = 0.0 : f64} : tensor<98x128xf32>
  return
}

// -----

// fbank_c5: a batch keeps its batch dimension.
func.func @fbank_c5_batch(%w: tensor<2x16000xf32>) {
  // expected-error @+1 {{fbank_c5: result must have shape [2, 98, 128], got [98, 128]}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<2x16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c6
func.func @fbank_c6(%w: tensor<2x16000xf32>, %n: tensor<3xi64>) {
  // expected-error @+1 {{fbank_c6: length must have the waveform's batch shape [2], got [3]}}
  %f = amae.fbank %w, %n {sample_rate = 16000 : i64} : (tensor<2x16000xf32>, tensor<3xi64>) -> tensor<2x98x128xf32>
  return
}

// -----

// fbank_c6: one recording takes a rank-0 length.
func.func @fbank_c6_unbatched(%w: tensor<16000xf32>, %n: tensor<1xi64>) {
  // expected-error @+1 {{fbank_c6: length must have the waveform's batch shape [], got [1]}}
  %f = amae.fbank %w, %n {sample_rate = 16000 : i64} : (tensor<16000xf32>, tensor<1xi64>) -> tensor<98x128xf32>
  return
}

// -----

// remove_mean_c1
func.func @remove_mean_c1_rank(%w: tensor<1x2x16000xf32>, %n: tensor<1x2xi64>) {
  // expected-error @+1 {{remove_mean_c1: waveform must have rank 1 or 2, got rank 3}}
  %c = amae.remove_mean %w, %n : (tensor<1x2x16000xf32>, tensor<1x2xi64>) -> tensor<1x2x16000xf32>
  return
}

// -----

// remove_mean_c1
func.func @remove_mean_c1_length(%w: tensor<2x16000xf32>, %n: tensor<2x1xi64>) {
  // expected-error @+1 {{remove_mean_c1: length must have the waveform's batch shape [2], got [2, 1]}}
  %c = amae.remove_mean %w, %n : (tensor<2x16000xf32>, tensor<2x1xi64>) -> tensor<2x16000xf32>
  return
}

// -----

// pad_frames_c2: a batch pads the frame dimension, the one before last.
func.func @pad_frames_c2_batch(%f: tensor<2x98x128xf32>) {
  // expected-error @+1 {{pad_frames_c2: result must have shape [2, 1024, 128], got [1024, 2, 128]}}
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<2x98x128xf32>) -> tensor<1024x2x128xf32>
  return
}
