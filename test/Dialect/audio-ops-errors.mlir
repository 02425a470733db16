// RUN: amae-opt %s -split-input-file -verify-diagnostics

// fbank_c1
func.func @fbank_c1(%w: tensor<2x16000xf32>) {
  // expected-error @+1 {{fbank_c1: waveform must have rank 1, got rank 2}}
  %f = amae.fbank %w {sample_rate = 16000 : i64} : (tensor<2x16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: sample_rate, num_mel_bins, frame_length_ms and frame_shift_ms must be positive}}
  %f = amae.fbank %w {sample_rate = 0 : i64} : (tensor<16000xf32>) -> tensor<98x128xf32>
  return
}

// -----

// fbank_c2
func.func @fbank_c2_window(%w: tensor<16000xf32>) {
  // expected-error @+1 {{fbank_c2: the window must hold at least 2 samples and the hop 1, got 0 and 0}}
  %f = amae.fbank %w {sample_rate = 10 : i64, high_freq = 4.0 : f64, low_freq = 0.0 : f64} : (tensor<16000xf32>) -> tensor<?x128xf32>
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
func.func @pad_frames_c1(%f: tensor<1x98x128xf32>) {
  // expected-error @+1 {{pad_frames_c1: input must have rank 2, got rank 3}}
  %p = amae.pad_frames %f {frames = 1024 : i64} : (tensor<1x98x128xf32>) -> tensor<1024x128xf32>
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
