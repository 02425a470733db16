//===- ModelMath.cpp - Exact constants of the official model --------------===//

#include "dialects/Amae/ModelMath.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mlir::amae::math {

int64_t keptCount(int64_t count, double ratio) {
  // Same operation order as `int(L * (1 - mask_ratio))` in Python.
  return static_cast<int64_t>(static_cast<double>(count) * (1.0 - ratio));
}

/// Appends `S(pos)` of width `width`: sines of all frequencies, then cosines.
/// numpy computes this in float64 (`1 / 10000 ** (k / (width / 2))`); the
/// table is rounded to float32 only at the end, as `torch.from_numpy(..)
/// .float()` does.
static void appendSincos(std::vector<float> &out, double pos, int64_t width) {
  int64_t freqs = width / 2;
  for (int phase = 0; phase < 2; ++phase) {
    for (int64_t k = 0; k < freqs; ++k) {
      double omega = 1.0 / std::pow(10000.0, static_cast<double>(k) /
                                                 (static_cast<double>(width) / 2.0));
      double angle = pos * omega;
      out.push_back(static_cast<float>(phase == 0 ? std::sin(angle)
                                                  : std::cos(angle)));
    }
  }
}

std::vector<float> sincosPositionTable(int64_t gridT, int64_t gridF,
                                       int64_t dim) {
  std::vector<float> table;
  table.reserve((1 + gridT * gridF) * dim);
  table.assign(dim, 0.0f); // The CLS row.
  // The official grid is (F, T) row-major, and its first half encodes the
  // column coordinate: token n gets (n mod T, n div T), not (t, f).
  for (int64_t n = 0; n < gridT * gridF; ++n) {
    appendSincos(table, static_cast<double>(n % gridT), dim / 2);
    appendSincos(table, static_cast<double>(n / gridT), dim / 2);
  }
  return table;
}

/// Region label of one coordinate along one axis of the rolled grid. The
/// official code assigns slices [0, -w), [-w, -s), [-s, None) in turn; with
/// s = 0 the last slice is the whole axis, so there is one region.
static int64_t shiftRegion(int64_t pos, int64_t size, int64_t window,
                           int64_t shift) {
  if (shift == 0)
    return 0;
  if (pos < size - window)
    return 0;
  return pos < size - shift ? 1 : 2;
}

std::vector<float> shiftMask(std::array<int64_t, 2> grid,
                             std::array<int64_t, 2> window,
                             std::array<int64_t, 2> shift) {
  int64_t blocksT = grid[0] / window[0], blocksF = grid[1] / window[1];
  int64_t p = window[0] * window[1];
  std::vector<float> mask;
  mask.reserve(blocksT * blocksF * p * p);
  for (int64_t bt = 0; bt < blocksT; ++bt) {
    for (int64_t bf = 0; bf < blocksF; ++bf) {
      auto label = [&](int64_t i) {
        int64_t t = bt * window[0] + i / window[1];
        int64_t f = bf * window[1] + i % window[1];
        return shiftRegion(t, grid[0], window[0], shift[0]) * 3 +
               shiftRegion(f, grid[1], window[1], shift[1]);
      };
      for (int64_t i = 0; i < p; ++i)
        for (int64_t j = 0; j < p; ++j)
          mask.push_back(label(i) == label(j) ? 0.0f : -100.0f);
    }
  }
  return mask;
}

std::vector<float> logRelativeCoords(std::array<int64_t, 2> window) {
  int64_t p = window[0] * window[1];
  std::vector<float> coords;
  coords.reserve(p * p * 2);
  auto logSpaced = [](int64_t d) {
    // torch evaluates sign(d) * log(1 + |d|) in float32.
    float mag = std::log(1.0f + static_cast<float>(d < 0 ? -d : d));
    return d < 0 ? -mag : (d > 0 ? mag : 0.0f);
  };
  for (int64_t i = 0; i < p; ++i) {
    for (int64_t j = 0; j < p; ++j) {
      coords.push_back(logSpaced(i / window[1] - j / window[1]));
      coords.push_back(logSpaced(i % window[1] - j % window[1]));
    }
  }
  return coords;
}

/// Python's int() of a float, saturated where the conversion would be
/// undefined in C++ (NaN gives 0): callers then reject the value by range.
static int64_t truncatedToInt(double v) {
  if (std::isnan(v))
    return 0;
  if (v >= 9.2e18)
    return INT64_MAX;
  if (v <= -9.2e18)
    return INT64_MIN;
  return static_cast<int64_t>(v);
}

FbankFraming fbankFraming(double sampleRate, double frameLengthMs,
                          double frameShiftMs, bool roundToPowerOfTwo) {
  // torchaudio: int(sample_frequency * frame_length * 0.001), same order.
  FbankFraming framing;
  framing.windowSize = truncatedToInt(sampleRate * frameLengthMs * 0.001);
  framing.hop = truncatedToInt(sampleRate * frameShiftMs * 0.001);
  framing.paddedWindowSize = framing.windowSize;
  if (roundToPowerOfTwo && framing.windowSize > 0 && framing.windowSize <= kMaxFbankWindow) {
    int64_t padded = 1;
    while (padded < framing.windowSize)
      padded <<= 1;
    framing.paddedWindowSize = padded;
  }
  return framing;
}

/// A double for messages: integers as integers ("16000", not "1.6e+04"),
/// others in the shortest form that reads back ("1e+300", "0.1").
static std::string shown(double v) {
  char text[32];
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15) {
    std::snprintf(text, sizeof(text), "%.0f", v);
    return text;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, v);
    if (std::isnan(v) || std::strtod(text, nullptr) == v)
      break;
  }
  return text;
}

std::string sampleRateError(double sampleRate, const std::string &what) {
  if (sampleRate >= kMinSampleRate && sampleRate <= kMaxSampleRate)
    return "";
  return what + " must be between " + shown(kMinSampleRate) + " and " +
         shown(kMaxSampleRate) + " Hz, got " + shown(sampleRate);
}

std::string fbankFramingError(double sampleRate, double frameLengthMs,
                              double frameShiftMs) {
  std::string rate = sampleRateError(sampleRate);
  if (!rate.empty())
    return rate;
  if (!(frameLengthMs > 0) || !(frameShiftMs > 0) || !std::isfinite(frameLengthMs) ||
      !std::isfinite(frameShiftMs))
    return "frame_length_ms and frame_shift_ms must be positive, got " +
           shown(frameLengthMs) + " and " + shown(frameShiftMs);
  FbankFraming framing = fbankFraming(sampleRate, frameLengthMs, frameShiftMs, false);
  if (framing.windowSize < 2 || framing.hop < 1)
    return "the window must hold at least 2 samples and the hop 1, got " +
           std::to_string(framing.windowSize) + " and " + std::to_string(framing.hop);
  if (framing.windowSize > kMaxFbankWindow || framing.hop > kMaxFbankWindow)
    return "the window (" + std::to_string(framing.windowSize) + " samples) and the hop (" +
           std::to_string(framing.hop) + ") must be at most " +
           std::to_string(kMaxFbankWindow) + " samples";
  return "";
}

std::vector<float> fbankWindow(const std::string &kind, int64_t size) {
  // torch builds windows in float32: arange(size) * (2 pi / (size - 1)).
  float step = static_cast<float>(2.0 * M_PI / static_cast<double>(size - 1));
  std::vector<float> w(size);
  for (int64_t k = 0; k < size; ++k) {
    float a = static_cast<float>(k) * step;
    if (kind == "hanning" || kind == "povey")
      w[k] = std::cos(a) * -0.5f + 0.5f;
    else if (kind == "hamming")
      w[k] = std::cos(a) * -0.46f + 0.54f;
    else if (kind == "rectangular")
      w[k] = 1.0f;
    else if (kind == "blackman")
      w[k] = 0.42f - 0.5f * std::cos(a) + 0.08f * std::cos(2.0f * a);
    else
      return {};
    if (kind == "povey")
      w[k] = std::pow(w[k], 0.85f);
  }
  return w;
}

/// torchaudio's mel_scale in float32: 1127 * log(1 + f / 700).
static float melScale(float freq) { return 1127.0f * std::log(1.0f + freq / 700.0f); }

std::vector<float> melBank(double sampleRate, int64_t paddedWindow, int64_t bins,
                           double lowFreq, double highFreq) {
  int64_t fftBins = paddedWindow / 2;
  double nyquist = 0.5 * sampleRate;
  double high = highFreq > 0 ? highFreq : nyquist + highFreq;
  float binWidth = static_cast<float>(sampleRate / paddedWindow);
  // Scalars are Python floats (double), tensors float32.
  double melLow = 1127.0 * std::log(1.0 + lowFreq / 700.0);
  double melHigh = 1127.0 * std::log(1.0 + high / 700.0);
  double delta = (melHigh - melLow) / static_cast<double>(bins + 1);
  std::vector<float> bank(bins * (fftBins + 1), 0.0f);
  for (int64_t b = 0; b < bins; ++b) {
    float left = static_cast<float>(melLow + static_cast<double>(b) * delta);
    float center = static_cast<float>(melLow + static_cast<double>(b + 1) * delta);
    float right = static_cast<float>(melLow + static_cast<double>(b + 2) * delta);
    for (int64_t k = 0; k < fftBins; ++k) {
      float mel = melScale(binWidth * static_cast<float>(k));
      float up = (mel - left) / (center - left);
      float down = (right - mel) / (right - center);
      bank[b * (fftBins + 1) + k] = std::max(0.0f, std::min(up, down));
    }
  }
  return bank;
}

double scheduledLearningRate(double epoch, double lr, double minLr, double warmup,
                             double epochs) {
  if (epoch < warmup)
    return lr * epoch / warmup;
  return minLr + (lr - minLr) * 0.5 *
                     (1.0 + std::cos(M_PI * (epoch - warmup) / (epochs - warmup)));
}

double layerDecayScale(const std::string &param, int64_t depth, double layerDecay) {
  int64_t layer = depth + 1;
  if (param == "cls_token" || param == "pos_embed" || param.rfind("patch_embed.", 0) == 0) {
    layer = 0;
  } else if (param.rfind("blocks.", 0) == 0) {
    size_t end = param.find('.', 7);
    layer = std::stoll(param.substr(7, end - 7)) + 1;
  }
  return std::pow(layerDecay, static_cast<double>(depth + 1 - layer));
}

} // namespace mlir::amae::math
