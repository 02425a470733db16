//===- Plot.cpp - Labelled line charts and spectrogram panels as PNG ------===//

#include "runtime/Plot.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

namespace amae {
namespace {

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

constexpr const char *kFont = "DejaVu Sans";

void font(cairo_t *cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

/// Draws `text` with its anchor at (x, y): `ax` 0 left, 0.5 centre, 1 right;
/// `ay` likewise from the top.
void text(cairo_t *cr, const std::string &s, double x, double y, double ax, double ay) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - e.x_advance * ax, y - e.y_bearing - e.height * ay);
  cairo_show_text(cr, s.c_str());
}

std::string tickLabel(double v) {
  if (std::abs(v) < 1e-12)
    return "0";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

llvm::Error finish(cairo_surface_t *surface, llvm::StringRef path) {
  cairo_surface_flush(surface);
  std::string file = path.str();
  cairo_status_t status = cairo_surface_write_to_png(surface, file.c_str());
  if (status != CAIRO_STATUS_SUCCESS)
    return llvm::createStringError(file + ": cannot write the PNG: " +
                                   cairo_status_to_string(status));
  return llvm::Error::success();
}

/// A perceptual dark-to-bright colour map (magma-like anchors).
std::array<uint8_t, 3> colour(double x) {
  static const double anchors[][3] = {{0, 0, 4},      {81, 18, 124}, {183, 55, 121},
                                      {252, 137, 97}, {252, 253, 191}};
  x = std::clamp(std::isfinite(x) ? x : 0.0, 0.0, 1.0) * 4;
  int i = std::min(3, static_cast<int>(x));
  double w = x - i;
  std::array<uint8_t, 3> rgb;
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<uint8_t>(anchors[i][c] * (1 - w) + anchors[i + 1][c] * w + 0.5);
  return rgb;
}

/// Ticks of a log axis (positions in log10): 1, 2 and 5 times the powers of
/// ten inside [lo, hi], or the powers alone when those are too many.
std::vector<double> logTicks(double lo, double hi) {
  std::vector<double> all, powers;
  for (double e = std::floor(lo); e <= std::ceil(hi); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      double t = e + std::log10(m);
      if (t >= lo && t <= hi) {
        all.push_back(t);
        if (m == 1.0)
          powers.push_back(t);
      }
    }
  return all.size() <= 8 || powers.size() < 2 ? all : powers;
}

void drawChart(cairo_t *cr, const Chart &chart, double top, double width, double height) {
  const double left = 84, right = 24, above = 34, below = 48;
  double x0 = left, x1 = width - right, y0 = top + above, y1 = top + height - below;
  auto value = [&](double y) { return chart.logY ? std::log10(y) : y; };
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const Series &s : chart.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      double y = value(s.y[i]);
      if (!std::isfinite(s.x[i]) || !std::isfinite(y))
        continue;
      xlo = std::min(xlo, s.x[i]);
      xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  font(cr, 15, true);
  text(cr, chart.title, width / 2, top + 8, 0.5, 0);
  font(cr, 13);
  text(cr, chart.xLabel, (x0 + x1) / 2, y1 + 26, 0.5, 0);
  cairo_save(cr);
  cairo_translate(cr, 18, (y0 + y1) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, chart.yLabel, 0, 0, 0.5, 0.5);
  cairo_restore(cr);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_stroke(cr);
  if (!(xlo <= xhi)) {
    font(cr, 13);
    text(cr, "no points yet", (x0 + x1) / 2, (y0 + y1) / 2, 0.5, 0.5);
    return;
  }
  // A flat line or a single point still gets an axis of some extent.
  if (xhi - xlo < 1e-12)
    xlo -= 1, xhi += 1;
  if (yhi - ylo < 1e-12 * std::max(1.0, std::abs(yhi))) {
    double pad = chart.logY ? 0.5 : std::max(1e-3, std::abs(yhi) * 0.1);
    ylo -= pad, yhi += pad;
  }
  double ypad = (yhi - ylo) * 0.05;
  ylo -= ypad, yhi += ypad;
  auto px = [&](double x) { return x0 + (x - xlo) / (xhi - xlo) * (x1 - x0); };
  auto py = [&](double y) { return y1 - (y - ylo) / (yhi - ylo) * (y1 - y0); };

  font(cr, 12);
  for (double t : niceTicks(xlo, xhi)) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, px(t), y0);
    cairo_line_to(cr, px(t), y1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, tickLabel(t), px(t), y1 + 6, 0.5, 0);
  }
  for (double t : chart.logY ? logTicks(ylo, yhi) : niceTicks(ylo, yhi, 5)) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, x0, py(t));
    cairo_line_to(cr, x1, py(t));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, tickLabel(chart.logY ? std::pow(10.0, t) : t), x0 - 6, py(t), 1, 0.5);
  }
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_stroke(cr);

  cairo_save(cr);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_clip(cr);
  cairo_set_line_width(cr, 1.8);
  for (const Series &s : chart.series) {
    cairo_set_source_rgb(cr, s.rgb[0], s.rgb[1], s.rgb[2]);
    bool drawing = false;
    size_t points = 0;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      double y = value(s.y[i]);
      if (!std::isfinite(s.x[i]) || !std::isfinite(y)) {
        drawing = false;
        continue;
      }
      (drawing ? cairo_line_to : cairo_move_to)(cr, px(s.x[i]), py(y));
      drawing = true;
      ++points;
    }
    cairo_stroke(cr);
    // Few points (evaluations) are marked so that one alone is visible.
    if (points <= 30)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(value(s.y[i]))) {
          cairo_arc(cr, px(s.x[i]), py(value(s.y[i])), 3, 0, 2 * M_PI);
          cairo_fill(cr);
        }
  }
  cairo_restore(cr);
  if (chart.series.size() > 1) {
    font(cr, 12);
    double y = y0 + 14;
    for (const Series &s : chart.series) {
      cairo_text_extents_t e;
      cairo_text_extents(cr, s.name.c_str(), &e);
      double xr = x1 - 10;
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, s.name, xr, y, 1, 0.5);
      cairo_set_source_rgb(cr, s.rgb[0], s.rgb[1], s.rgb[2]);
      cairo_set_line_width(cr, 2.5);
      cairo_move_to(cr, xr - e.x_advance - 30, y);
      cairo_line_to(cr, xr - e.x_advance - 8, y);
      cairo_stroke(cr);
      y += 18;
    }
  }
}

} // namespace

llvm::Error writeTrainingCurvesPng(llvm::StringRef logPath, llvm::StringRef pngPath) {
  auto buffer = llvm::MemoryBuffer::getFile(logPath, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(logPath + ": " + buffer.getError().message());
  Series loss{"loss", {}, {}, {0.12, 0.38, 0.70}}, lr{"learning rate", {}, {}, {0.85, 0.37, 0.0}};
  Series accuracy{"accuracy", {}, {}, {0.10, 0.55, 0.25}}, map{"mAP", {}, {}, {0.55, 0.20, 0.65}};
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    llvm::Expected<llvm::json::Value> v = llvm::json::parse(line);
    if (!v) {
      // A line cut by a crash mid-write is not a reason to draw nothing.
      llvm::consumeError(v.takeError());
      continue;
    }
    const llvm::json::Object *o = v->getAsObject();
    std::optional<double> step = o ? o->getNumber("step") : std::nullopt;
    if (!step)
      continue;
    auto add = [&](Series &s, llvm::StringRef key) {
      if (std::optional<double> y = o->getNumber(key)) {
        s.x.push_back(*step);
        s.y.push_back(*y);
      }
    };
    add(loss, "loss");
    add(lr, "lr");
    add(accuracy, "eval_accuracy");
    add(map, "eval_map");
  }
  std::vector<Chart> charts = {{"training loss", "step", "loss", {loss}, false},
                               {"learning rate", "step", "learning rate", {lr}, true}};
  if (!accuracy.x.empty())
    charts.push_back({"held-out evaluation", "step", "accuracy / mAP", {accuracy, map}, false});
  return writeChartsPng(pngPath, charts);
}

std::vector<double> niceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
    return ticks;
  double raw = (hi - lo) / std::max(1, target);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

llvm::Error writeChartsPng(llvm::StringRef path, llvm::ArrayRef<Chart> charts, int width,
                           int panelHeight) {
  int height = panelHeight * std::max<int>(1, charts.size());
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
                  cairo_surface_destroy);
  Context cr(cairo_create(surface.get()), cairo_destroy);
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  for (auto [i, chart] : llvm::enumerate(charts))
    drawChart(cr.get(), chart, i * panelHeight, width, panelHeight);
  return finish(surface.get(), path);
}

llvm::Error writeImagePanelsPng(llvm::StringRef path, llvm::StringRef header,
                                llvm::ArrayRef<ImagePanel> panels, double secondsPerColumn,
                                llvm::StringRef yLabel, int scale) {
  const int left = 70, right = 20, headerHeight = 34, titleHeight = 26, axisHeight = 46;
  int64_t columns = panels.empty() ? 1 : panels[0].columns;
  int width = left + columns * scale + right;
  int height = headerHeight + axisHeight;
  for (const ImagePanel &p : panels)
    height += titleHeight + p.rows * scale;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
                  cairo_surface_destroy);
  Context ctx(cairo_create(surface.get()), cairo_destroy);
  cairo_t *cr = ctx.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  font(cr, 16, true);
  text(cr, header.str(), left, 9, 0, 0);

  double y = headerHeight;
  for (const ImagePanel &p : panels) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    font(cr, 14, true);
    text(cr, p.title, left, y + 5, 0, 0);
    y += titleHeight;
    // The cells, then the panel drawn scaled without smoothing.
    Surface cells(cairo_image_surface_create(CAIRO_FORMAT_RGB24, p.columns, p.rows),
                  cairo_surface_destroy);
    cairo_surface_flush(cells.get());
    unsigned char *data = cairo_image_surface_get_data(cells.get());
    int stride = cairo_image_surface_get_stride(cells.get());
    double range = std::max(1e-6, p.high - p.low);
    for (int64_t c = 0; c < p.columns; ++c)
      for (int64_t r = 0; r < p.rows; ++r) {
        size_t i = c * p.rows + r;
        std::array<uint8_t, 3> rgb = {96, 96, 96};
        if (p.grey.empty() || !p.grey[i])
          rgb = colour((p.values[i] - p.low) / range);
        auto *pixel = reinterpret_cast<uint32_t *>(data + (p.rows - 1 - r) * stride) + c;
        *pixel = (uint32_t(rgb[0]) << 16) | (uint32_t(rgb[1]) << 8) | rgb[2];
      }
    cairo_surface_mark_dirty(cells.get());
    cairo_save(cr);
    cairo_translate(cr, left, y);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, cells.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    // The frequency axis: row numbers at the left.
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 1);
    font(cr, 11);
    for (double t : niceTicks(0, p.rows, 4)) {
      double ty = y + (p.rows - t) * scale;
      cairo_move_to(cr, left - 5, ty);
      cairo_line_to(cr, left, ty);
      cairo_stroke(cr);
      text(cr, tickLabel(t), left - 8, ty, 1, 0.5);
    }
    cairo_save(cr);
    cairo_translate(cr, 14, y + p.rows * scale / 2.0);
    cairo_rotate(cr, -M_PI / 2);
    font(cr, 12);
    text(cr, yLabel.str(), 0, 0, 0.5, 0.5);
    cairo_restore(cr);
    y += p.rows * scale;
  }
  // The time axis under the last panel, in seconds.
  font(cr, 12);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  double seconds = columns * secondsPerColumn;
  for (double t : niceTicks(0, seconds, 10)) {
    double tx = left + t / secondsPerColumn * scale;
    cairo_move_to(cr, tx, y);
    cairo_line_to(cr, tx, y + 5);
    cairo_stroke(cr);
    text(cr, tickLabel(t), tx, y + 8, 0.5, 0);
  }
  text(cr, "time (s)", left + columns * scale / 2.0, y + 26, 0.5, 0);
  return finish(surface.get(), path);
}

} // namespace amae
