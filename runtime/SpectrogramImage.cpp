//===- SpectrogramImage.cpp - Spectrograms and reconstructions as PNG -----===//

#include "runtime/SpectrogramImage.h"

#include "runtime/Plot.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>

namespace amae {

std::vector<float> reconstructedImage(const Reconstruction &r) {
  int64_t p = r.patch, gridF = r.bins / p;
  std::vector<float> out = r.input;
  for (size_t n = 0; n < r.mask.size(); ++n) {
    if (r.mask[n] < 0.5f)
      continue;
    int64_t t0 = (n / gridF) * p, f0 = (n % gridF) * p;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < p * p; ++i)
      mean += r.input[(t0 + i / p) * r.bins + f0 + i % p];
    mean /= p * p;
    for (int64_t i = 0; i < p * p; ++i) {
      double d = r.input[(t0 + i / p) * r.bins + f0 + i % p] - mean;
      var += d * d;
    }
    var /= p * p - 1;
    for (int64_t i = 0; i < p * p; ++i) {
      double v = r.prediction[n * p * p + i];
      if (r.normPix)
        v = v * std::sqrt(var + 1e-6) + mean;
      out[(t0 + i / p) * r.bins + f0 + i % p] = static_cast<float>(v);
    }
  }
  return out;
}

llvm::Error writeReconstructionPng(llvm::StringRef path, const Reconstruction &r,
                                   int scale) {
  std::vector<float> recon = reconstructedImage(r);
  auto range = std::minmax_element(r.input.begin(), r.input.end());
  float lo = *range.first, hi = *range.second;
  int64_t gridF = r.bins / r.patch, masked = 0;
  std::vector<bool> grey(r.frames * r.bins);
  for (int64_t t = 0; t < r.frames; ++t)
    for (int64_t f = 0; f < r.bins; ++f)
      grey[t * r.bins + f] = r.mask[(t / r.patch) * gridF + f / r.patch] >= 0.5f;
  for (float m : r.mask)
    masked += m >= 0.5f;
  auto panel = [&](std::string title, const std::vector<float> &values, bool greyed) {
    ImagePanel p;
    p.title = std::move(title);
    p.rows = r.bins;
    p.columns = r.frames;
    p.values = values;
    if (greyed)
      p.grey = grey;
    p.low = lo;
    p.high = hi;
    return p;
  };
  std::vector<ImagePanel> panels = {
      panel("input", r.input, false),
      panel(llvm::formatv("masked: {0} of {1} patches", masked, r.mask.size()).str(), r.input,
            true),
      panel("reconstruction", recon, false)};
  // Frames are 10 ms apart (AudioMAE's fbank hop).
  return writeImagePanelsPng(path, r.title, panels, 0.010, "mel bin", scale);
}

} // namespace amae
