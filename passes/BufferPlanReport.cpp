//===- BufferPlanReport.cpp - Peak buffer memory of each graph ------------===//
//
// The estimate follows the order the code runs in: after
// amae-shrink-buffer-lifetimes a graph is straight-line code whose allocs
// and deallocs bracket each buffer's life, so the running total is the
// live set. Allocs inside loops are counted once per appearance, which is
// right for the per-iteration temporaries bufferization leaves there.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#define DEBUG_TYPE "amae-buffer-plan-report"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEBUFFERPLANREPORT
#include "passes/Passes.h.inc"

namespace {

/// Bytes as people read them: "512 B", "3.2 MiB", "12.0 GiB".
std::string humanBytes(int64_t bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? llvm::formatv("{0} B", bytes).str()
                   : llvm::formatv("{0:F1} {1}", value, units[unit]).str();
}

struct AmaeBufferPlanReportPass
    : impl::AmaeBufferPlanReportBase<AmaeBufferPlanReportPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    DenseMap<Value, int64_t> sizes;
    int64_t live = 0, peak = 0, dynamic = 0;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        std::optional<int64_t> bytes = staticBufferBytes(alloc.getType());
        if (!bytes) {
          ++dynamic;
          return;
        }
        sizes[alloc.getResult()] = *bytes;
        live += *bytes;
        peak = std::max(peak, live);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        auto it = sizes.find(dealloc.getMemref());
        if (it != sizes.end())
          live -= it->second;
      }
    });
    LLVM_DEBUG(llvm::dbgs() << func.getSymName() << ": peak " << peak << " bytes, "
                            << dynamic << " dynamic allocations\n");
    peakBytes = std::max<uint64_t>(peakBytes, peak);
    if (warnBytes <= 0 || peak <= warnBytes)
      return;
    ++graphsOverLimit;
    InFlightDiagnostic diag = func.emitWarning()
                              << "graph '" << func.getSymName() << "' needs "
                              << humanBytes(peak) << " (" << peak
                              << " bytes) of buffers at its peak, more than the "
                              << humanBytes(warnBytes) << " warning size";
    if (dynamic)
      diag << ", plus " << dynamic << " dynamic-sized allocations";
  }
};

} // namespace

std::optional<int64_t> staticBufferBytes(MemRefType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  int64_t bytes = (type.getElementTypeBitWidth() + 7) / 8;
  for (int64_t dim : type.getShape())
    if (__builtin_mul_overflow(bytes, dim, &bytes))
      return std::nullopt;
  return bytes;
}

} // namespace mlir::amae
