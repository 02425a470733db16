//===- SpectrogramImage.h - Spectrograms and reconstructions as PNG -*- C++ -*-===//
//
// MAE-style pictures of a pretraining step: the input image, the input with
// its masked patches greyed, and the reconstruction (visible patches from
// the input, masked ones from the decoder), stacked top to bottom under a
// header, each panel titled, time left to right (an axis in seconds) and low
// frequencies at the bottom (an axis of mel bins). Drawn with cairo.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_SPECTROGRAMIMAGE_H
#define AMAE_RUNTIME_SPECTROGRAMIMAGE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace amae {

/// One input image (frames x bins) and what the pretrain graph made of it.
struct Reconstruction {
  std::string title;             // the picture's header: the audio file
  int64_t frames = 0, bins = 0, patch = 16;
  std::vector<float> input;      // frames x bins
  std::vector<float> prediction; // patches x patch*patch, in patch order
  std::vector<float> mask;       // patches: 1 = masked (reconstructed)
  bool normPix = true;           // predictions are per-patch normalised
};

/// The reconstructed image (frames x bins): the input's visible patches and
/// the predicted masked ones, de-normalised with each patch's own mean and
/// unbiased variance when the loss normalised the targets.
std::vector<float> reconstructedImage(const Reconstruction &r);

/// Writes the three panels as a PNG, each cell `scale` x `scale` pixels.
llvm::Error writeReconstructionPng(llvm::StringRef path, const Reconstruction &r,
                                   int scale = 3);

} // namespace amae

#endif // AMAE_RUNTIME_SPECTROGRAMIMAGE_H
