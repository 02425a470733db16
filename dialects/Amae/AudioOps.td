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

    Constraints:
    - (fbank_c1) `waveform` has rank 1.
    - (fbank_c2) `sample_rate` is in [1000, 768000] Hz (the range amae
      accepts for audio anywhere), `frame_length_ms`, `frame_shift_ms` and
      `num_mel_bins` are positive, and the window holds between 2 and 2^24
      samples and the hop at least 1.
    - (fbank_c3) `0 <= low_freq < high` where `high` is `high_freq` if it is
      positive and `nyquist + high_freq` otherwise, and `high <= nyquist`.
    - (fbank_c4) `window_type` is one of `hanning`, `hamming`, `povey`,
      `rectangular`, `blackman`.
    - (fbank_c5) The result has shape `[frames, num_mel_bins]`; with a static
      waveform length `n`, `n >= win` and `frames = 1 + (n - win) / hop`.

    Example:
    ```mlir
    %f = amae.fbank %wave {sample_rate = 16000 : i64}
        : (tensor<160000xf32>) -> tensor<998x128xf32>
    ```
  }];
  let arguments = (ins
    Amae_F32Tensor:$waveform,
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
      "$waveform attr-dict `:` functional-type(operands, results)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$waveform, "int64_t":$sampleRate,
                   "int64_t":$numMelBins)>
  ];
  let hasVerifier = 1;
}

def Amae_PadFramesOp : Amae_Op<"pad_frames", [Pure]> {
  let summary = "Zero-pad or crop features to a fixed frame count";
  let description = [{
    Appends zero rows at the end of the time axis when the input has fewer
    than `frames` rows, and keeps the first `frames` rows otherwise. This is
    done in the log-mel domain before normalisation, as the official code
    does, so padded rows become `-mean / (2 std)` after `amae.normalize`.

    Constraints:
    - (pad_frames_c1) `input` has rank 2 and `frames > 0`.
    - (pad_frames_c2) The result has shape `[frames, input.dim(1)]`.

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
