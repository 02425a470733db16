//===- AudioOps.td - Audio front end ops -------------------*- tablegen -*-===//
//
// Waveform to normalised log-mel features, as AudioMAE's dataset.py does it:
// torchaudio.compliance.kaldi.fbank, pad/crop to a frame count, (x-m)/(2s).
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_AUDIO_OPS
#define AMAE_AUDIO_OPS

include "mlir/Interfaces/SideEffectInterfaces.td"

def Amae_FbankOp : Amae_Op<"fbank", [Pure]> {
  let summary = "Kaldi log-mel filter bank of a mono waveform";
  let description = [{
    Computes `torchaudio.compliance.kaldi.fbank` of a 1-D waveform with
    `dither = 0`, `use_energy = false`, `use_power = true`, `use_log_fbank =
    true` and `snip_edges = true`. Per frame: optional DC removal,
    pre-emphasis with replicate-left padding, the window, zero padding to the
    next power of two, the power spectrum, the triangular mel bank
    (`mel(f) = 1127 ln(1 + f/700)`, Nyquist bin weight 0) and
    `ln(max(x, float32 epsilon))`. The defaults are AudioMAE's settings.

    The frame count is `1 + (n - win) / hop` with `win = int(sr * length_ms /
    1000)` and `hop = int(sr * shift_ms / 1000)`.

    A rank-2 waveform `[batch, n]` is a batch of recordings, each
    transformed on its own into `[batch, frames, num_mel_bins]`. With
    `length` (one valid sample count per recording), frame `f` of a
    recording is kept only when its window lies inside the valid samples
    (`f * hop + win <= length`); later frames are zero, as the official code
    zero-pads the fbank of a shorter clip. So a buffer of the longest input
    serves every clip.

    Not differentiable: the audio front end works on data, before any parameter.

    Constraints:
    - (fbank_c1) `waveform` has rank 1 or 2.
    - (fbank_c2) `sample_rate` is in [1000, 768000] Hz (the range amae
      accepts for audio anywhere), `frame_length_ms`, `frame_shift_ms` and
      `num_mel_bins` are positive, and the window holds between 2 and 2^24
      samples and the hop at least 1.
    - (fbank_c3) `0 <= low_freq < high` where `high` is `high_freq` if it is
      positive and `nyquist + high_freq` otherwise, and `high <= nyquist`.
    - (fbank_c4) `window_type` is one of `hanning`, `hamming`, `povey`,
      `rectangular`, `blackman`.
    - (fbank_c5) The result has shape `[frames, num_mel_bins]` (after the
      waveform's batch dimension, if any); with a static waveform length
      `n`, `n >= win` and `frames = 1 + (n - win) / hop`.
    - (fbank_c6) `length`, when present, has the waveform's batch shape:
      `[batch]`, or rank 0 for a rank-1 waveform.

    Example:
    ```mlir
    %f = amae.fbank %wave {sample_rate = 16000 : i64}
        : (tensor<160000xf32>) -> tensor<998x128xf32>
    ```
  }];
  let arguments = (ins
    Amae_F32Tensor:$waveform,
    Optional<Amae_I64Tensor>:$length,
    I64Attr:$sample_rate,
    DefaultValuedAttr<I64Attr, "128">:$num_mel_bins,
    DefaultValuedAttr<F64Attr, "25.0">:$frame_length_ms,
    DefaultValuedAttr<F64Attr, "10.0">:$frame_shift_ms,
    DefaultValuedAttr<F64Attr, "0.97">:$preemphasis,
    DefaultValuedAttr<F64Attr, "20.0">:$low_freq,
    DefaultValuedAttr<F64Attr, "0.0">:$high_freq,
    DefaultValuedAttr<BoolAttr, "true">:$remove_dc_offset,
    DefaultValuedAttr<BoolAttr, "true">:$round_to_power_of_two,
    DefaultValuedAttr<StrAttr, "\"hanning\"">:$window_type);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat =
      "$waveform (`,` $length^)? attr-dict `:` functional-type(operands, results)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$waveform, "::mlir::Value":$length,
                   "int64_t":$sampleRate, "int64_t":$numMelBins)>
  ];
  let hasVerifier = 1;
}

def Amae_RemoveMeanOp : Amae_Op<"remove_mean", [Pure, AllTypesMatch<["waveform", "result"]>]> {
  let summary = "Subtract a recording's mean over its valid samples";
  let description = [{
    `waveform - waveform.mean()` of the official loader (dataset.py
    `_wav2fbank`), per recording of a batch and over its first `length`
    samples; the samples past `length` become zero. The mean is summed in
    float64 and subtracted in float32.

    The official code takes the mean over all channels before keeping the
    first; amae feeds the first channel and takes its mean. With
    `remove_dc_offset` (on in AudioMAE) the fbank removes every frame's
    mean again, so the two differ by rounding only.

    Not differentiable: the audio front end works on data, before any parameter.

    Constraints:
    - (remove_mean_c1) `waveform` has rank 1 or 2, and `length` has its
      batch shape: `[batch]`, or rank 0 for a rank-1 waveform.

    Example:
    ```mlir
    %c = amae.remove_mean %wave, %length
        : (tensor<8x164080xf32>, tensor<8xi64>) -> tensor<8x164080xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$waveform, Amae_I64Tensor:$length);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$waveform `,` $length attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Amae_PadFramesOp : Amae_Op<"pad_frames", [Pure]> {
  let summary = "Zero-pad or crop features to a fixed frame count";
  let description = [{
    Appends zero rows at the end of the time axis when the input has fewer
    than `frames` rows, and keeps the first `frames` rows otherwise. This is
    done in the log-mel domain before normalisation, as the official code
    does, so padded rows become `-mean / (2 std)` after `amae.normalize`.

    A rank-3 input is a batch `[batch, frames, bins]`, padded or cropped
    per row.

    Not differentiable: the audio front end works on data, before any parameter.

    Constraints:
    - (pad_frames_c1) `input` has rank 2 or 3 and `frames > 0`.
    - (pad_frames_c2) The result has the input's shape with the frame
      dimension (the one before last) replaced by `frames`.

    Example:
    ```mlir
    %p = amae.pad_frames %f {frames = 1024 : i64}
        : (tensor<?x128xf32>) -> tensor<1024x128xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, I64Attr:$frames);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "int64_t":$frames)>];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Amae_NormalizeOp : Amae_Op<"normalize", [Pure, SameOperandsAndResultType]> {
  let summary = "AudioMAE feature normalisation (x - mean) / (2 std)";
  let description = [{
    `result = (input - mean) / (2 * std)`, elementwise. The factor 2 is the
    official code's (dataset.py); AudioSet uses mean -4.2677393 and std
    4.5689974.

    Not differentiable: the audio front end works on data, before any parameter.

    Constraints:
    - (normalize_c1) `std > 0`.

    Example:
    ```mlir
    %n = amae.normalize %p {mean = -4.2677393 : f64, std = 4.5689974 : f64}
        : tensor<1024x128xf32>
    ```
  }];
  let arguments = (ins Amae_F32Tensor:$input, F64Attr:$mean, F64Attr:$std);
  let results = (outs Amae_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // AMAE_AUDIO_OPS
