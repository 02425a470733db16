//===- ModelMath.h - Exact constants of the official model ------*- C++ -*-===//
//
// The small pieces of arithmetic where the official implementation has to be
// reproduced to the bit: keep counts, the sin-cos position table, the shift
// mask, the log-spaced relative coordinates and fbank framing. Folders,
// lowerings, the frontend and the runtime all call these, so each rule lives
// in one place and is unit-tested once.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_DIALECT_MODELMATH_H
#define AMAE_DIALECT_MODELMATH_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::amae::math {

/// Python's `int(count * (1 - ratio))` in float64: `keptCount(512, 0.8)` is
/// 102 because `1 - 0.8` is 0.19999999999999996.
int64_t keptCount(int64_t count, double ratio);

/// The official position table, row-major `(1 + gridT * gridF) x dim`; row 0
/// is zero, row `1 + n` is `concat(S(n mod gridT), S(n div gridT))`.
std::vector<float> sincosPositionTable(int64_t gridT, int64_t gridF,
                                       int64_t dim);

/// The official shifted-window attention mask, row-major `nW x P x P` with
/// values 0 and -100.
std::vector<float> shiftMask(std::array<int64_t, 2> grid,
                             std::array<int64_t, 2> window,
                             std::array<int64_t, 2> shift);

/// The meta-MLP input, row-major `(P * P) x 2`: sign(d) ln(1 + |d|).
std::vector<float> logRelativeCoords(std::array<int64_t, 2> window);

/// Kaldi framing with snip_edges: window and hop in samples, and the frame
/// count of `samples` (0 when the signal is shorter than one window).
struct FbankFraming {
  int64_t windowSize;
  int64_t hop;
  int64_t paddedWindowSize;
  int64_t frames(int64_t samples) const {
    return samples < windowSize ? 0 : 1 + (samples - windowSize) / hop;
  }
};
FbankFraming fbankFraming(double sampleRate, double frameLengthMs,
                          double frameShiftMs, bool roundToPowerOfTwo);

/// The sample rates amae accepts anywhere (specs, fbank ops, audio files):
/// below 1 kHz AudioMAE's 25 ms window holds too few samples to mean
/// anything, and no audio hardware records above 768 kHz. Bounding the rate
/// also bounds every resampling ratio and so the memory a header can ask for.
constexpr double kMinSampleRate = 1000, kMaxSampleRate = 768000;
/// The longest fbank window, in samples (21.8 s at the highest rate).
constexpr int64_t kMaxFbankWindow = int64_t(1) << 24;

/// Why `sampleRate` is not one amae accepts, or "" when it is; `what` names
/// the rate in the message.
std::string sampleRateError(double sampleRate, const std::string &what = "sample_rate");

/// The rule of fbank_c2, shared by the verifier and the runtime's front end:
/// why these settings cannot frame a signal (the rate first, then the frame
/// length and shift, then the window and hop they give), or "".
std::string fbankFramingError(double sampleRate, double frameLengthMs,
                              double frameShiftMs);

/// The analysis window of torchaudio's kaldi.fbank in float32: "hanning"
/// (torch.hann_window(size, periodic=False)), "hamming", "povey" (Hann to
/// the 0.85), "rectangular" or "blackman". Empty for an unknown kind.
std::vector<float> fbankWindow(const std::string &kind, int64_t size);

/// torchaudio's get_mel_banks in float32: `bins` rows of
/// `paddedWindow / 2 + 1` weights, the Nyquist column zero. `highFreq <= 0`
/// counts back from the Nyquist frequency.
std::vector<float> melBank(double sampleRate, int64_t paddedWindow, int64_t bins,
                           double lowFreq, double highFreq);

/// The official per-iteration schedule (util/lr_sched.py) at fractional
/// epoch `epoch` (= epoch + iteration / iterations_per_epoch): linear warmup
/// to `lr` over `warmup` epochs, then a half cosine from `lr` down to
/// `minLr` at `epochs`.
double scheduledLearningRate(double epoch, double lr, double minLr, double warmup,
                             double epochs);

/// The fine-tuning layer-wise lr scale (util/lr_decay.py):
/// `layerDecay^(depth + 1 - layer)` with layer 0 for cls_token, pos_embed and
/// patch_embed.*, i + 1 for blocks.i, depth + 1 for everything else.
double layerDecayScale(const std::string &param, int64_t depth, double layerDecay);

} // namespace mlir::amae::math

#endif // AMAE_DIALECT_MODELMATH_H
