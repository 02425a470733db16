//===- SpectrogramImage.cpp - Spectrograms and reconstructions as PNG -----===//

#include "runtime/SpectrogramImage.h"

#include <png.h>

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

/// A perceptual dark-to-bright colour map (magma-like anchors).
static std::array<uint8_t, 3> colour(double x) {
  static const double anchors[][3] = {{0, 0, 4},       {81, 18, 124},  {183, 55, 121},
                                      {252, 137, 97},  {252, 253, 191}};
  x = std::clamp(x, 0.0, 1.0) * 4;
  int i = std::min(3, static_cast<int>(x));
  double w = x - i;
  std::array<uint8_t, 3> rgb;
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<uint8_t>(anchors[i][c] * (1 - w) + anchors[i + 1][c] * w + 0.5);
  return rgb;
}

llvm::Error writeReconstructionPng(llvm::StringRef path, const Reconstruction &r,
                                   int scale) {
  std::vector<float> recon = reconstructedImage(r);
  auto [lo, hi] = std::minmax_element(r.input.begin(), r.input.end());
  double low = *lo, range = std::max(1e-6, static_cast<double>(*hi - *lo));
  int64_t gridF = r.bins / r.patch, gap = 4;
  int64_t width = r.frames * scale, panel = r.bins * scale;
  int64_t height = 3 * panel + 2 * gap;
  std::vector<uint8_t> pixels(width * height * 3, 255);
  for (int k = 0; k < 3; ++k)
    for (int64_t t = 0; t < r.frames; ++t)
      for (int64_t f = 0; f < r.bins; ++f) {
        int64_t n = (t / r.patch) * gridF + f / r.patch;
        bool masked = r.mask[n] >= 0.5f;
        std::array<uint8_t, 3> rgb = {96, 96, 96}; // masked patches: grey
        if (!(k == 1 && masked)) {
          float v = (k == 2 ? recon : r.input)[t * r.bins + f];
          rgb = colour((v - low) / range);
        }
        int64_t y0 = k * (panel + gap) + (r.bins - 1 - f) * scale, x0 = t * scale;
        for (int dy = 0; dy < scale; ++dy)
          for (int dx = 0; dx < scale; ++dx)
            std::copy(rgb.begin(), rgb.end(),
                      pixels.begin() + ((y0 + dy) * width + x0 + dx) * 3);
      }

  std::string file = path.str();
  std::unique_ptr<FILE, int (*)(FILE *)> fp(std::fopen(file.c_str(), "wb"), std::fclose);
  if (!fp)
    return llvm::createStringError(file + ": cannot write");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return llvm::createStringError(file + ": libpng failed to write the image");
  }
  png_init_io(png, fp.get());
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < height; ++y)
    png_write_row(png, pixels.data() + y * width * 3);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return llvm::Error::success();
}

} // namespace amae
