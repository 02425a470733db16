//===- Plot.h - Labelled line charts and spectrogram panels as PNG -*- C++ -*-===//
//
// The pictures people look at: training curves (amae-train's curves.png)
// and reconstructions (amae-run --png), drawn with cairo so that every axis
// has ticks, numbers and a label and every panel a title.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_PLOT_H
#define AMAE_RUNTIME_PLOT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <string>
#include <vector>

namespace amae {

/// One line of a chart; points with a non-finite y are left out.
struct Series {
  std::string name;
  std::vector<double> x, y;
  std::array<double, 3> rgb = {0.12, 0.38, 0.70};
};

/// One panel: axes from the data (ticks at 1, 2 or 5 times a power of ten),
/// a title, axis labels and a legend when there is more than one series.
struct Chart {
  std::string title, xLabel, yLabel;
  std::vector<Series> series;
  bool logY = false; // a learning rate spans decades
};

/// The charts stacked top to bottom in one PNG of `width` pixels, each
/// `panelHeight` tall. A chart without points says so in its panel.
llvm::Error writeChartsPng(llvm::StringRef path, llvm::ArrayRef<Chart> charts,
                           int width = 960, int panelHeight = 280);

/// A spectrogram-like panel: values row-major, `rows` along y (row 0 at
/// the bottom), `columns` along x, each cell `scale` pixels; `grey` marks
/// cells drawn in grey (masked patches).
struct ImagePanel {
  std::string title;
  int64_t rows = 0, columns = 0;
  std::vector<float> values;         // columns x rows: value(c, r) = values[c * rows + r]
  std::vector<bool> grey;            // empty, or one per value
  double low = 0, high = 1;          // the colour map's range
};

/// Panels stacked top to bottom under a header line, with an x axis in
/// seconds (`secondsPerColumn`) and a y axis of row numbers (`yLabel`).
llvm::Error writeImagePanelsPng(llvm::StringRef path, llvm::StringRef header,
                                llvm::ArrayRef<ImagePanel> panels, double secondsPerColumn,
                                llvm::StringRef yLabel, int scale = 3);

/// Draws a training log (amae-train's log.jsonl: one JSON object per step
/// with `step`, `loss`, `lr`, and per evaluation `eval_accuracy`,
/// `eval_map`) as curves over steps: the loss, the learning rate on a log
/// axis and, when the run evaluated, held-out accuracy and mAP.
llvm::Error writeTrainingCurvesPng(llvm::StringRef logPath, llvm::StringRef pngPath);

/// Tick positions in [lo, hi]: multiples of 1, 2 or 5 times a power of ten,
/// about `target` of them.
std::vector<double> niceTicks(double lo, double hi, int target = 6);

} // namespace amae

#endif // AMAE_RUNTIME_PLOT_H
