//===- LowerAudioOps.cpp - fbank, pad_frames' sibling for audio -----------===//
//
// amae.fbank on a static waveform: frame gather, DC removal (float64 sums),
// replicate pre-emphasis, the float32 window, a real DFT as two float64
// contractions with constant cos/sin tables (closer to exact than torch's
// float32 FFT, like the runtime's FFT), power in float32, the mel bank as a
// contraction, log(max(x, eps)). The tables come from ModelMath, which the
// runtime's front end shares.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

namespace mlir::amae {
namespace {

Value denseConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value denseConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, b.getF64Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

struct LowerFbank : OpConversionPattern<FbankOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(FbankOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    int64_t samples = shapeOf(op.getWaveform())[0];
    if (ShapedType::isDynamic(samples))
      return b.notifyMatchFailure(op, "needs a static waveform length");
    double rate = static_cast<double>(op.getSampleRate());
    auto framing = math::fbankFraming(rate, op.getFrameLengthMs().convertToDouble(),
                                      op.getFrameShiftMs().convertToDouble(),
                                      op.getRoundToPowerOfTwo());
    int64_t frames = framing.frames(samples), win = framing.windowSize,
            padded = framing.paddedWindowSize, spectrum = padded / 2 + 1,
            bins = op.getNumMelBins();
    std::vector<float> window = math::fbankWindow(op.getWindowType().str(), win);
    std::vector<float> bank = math::melBank(rate, padded, bins,
                                            op.getLowFreq().convertToDouble(),
                                            op.getHighFreq().convertToDouble());
    Type f64 = b.getF64Type();
    AffineMap all = identity(ctx, 2), row = pick(ctx, 2, {0}), col = pick(ctx, 2, {1});
    auto yield = [](OpBuilder &nb, Location l, Value v) { linalg::YieldOp::create(nb, l, v); };

    // frames[f, j] = waveform[f * hop + j].
    Value wave = adaptor.getWaveform();
    Value x = generic(b, loc, ValueRange{}, emptyTensor(b, loc, {frames, win}), {all},
                      iterators(2), [&](OpBuilder &nb, Location l, ValueRange) {
                        Value f = linalg::IndexOp::create(nb, l, 0);
                        Value j = linalg::IndexOp::create(nb, l, 1);
                        Value at = arith::AddIOp::create(
                            nb, l, arith::MulIOp::create(nb, l, f, indexConst(nb, l, framing.hop)), j);
                        yield(nb, l, tensor::ExtractOp::create(nb, l, wave, at));
                      });
    if (op.getRemoveDcOffset()) {
      Value zero = zeroTensor(b, loc, {frames}, f64);
      Value sum = generic(b, loc, x, zero, {all, row}, iterators(1, 1),
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value v = arith::ExtFOp::create(nb, l, f64, a[0]);
                            yield(nb, l, arith::AddFOp::create(nb, l, a[1], v));
                          });
      Value count = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(static_cast<double>(win)));
      x = generic(b, loc, {x, sum}, emptyTensor(b, loc, {frames, win}), {all, row, all},
                  iterators(2), [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value mean = arith::TruncFOp::create(nb, l, nb.getF32Type(),
                                                         arith::DivFOp::create(nb, l, a[1], count));
                    yield(nb, l, arith::SubFOp::create(nb, l, a[0], mean));
                  });
    }
    // y[j] = x[j] - c x[max(j - 1, 0)], then the window.
    Value coef = f32Const(b, loc, op.getPreemphasis().convertToDouble());
    Value win32 = denseConstant(b, loc, {win}, ArrayRef<float>(window));
    Value centred = x;
    Value y = generic(
        b, loc, win32, emptyTensor(b, loc, {frames, win}), {col, all}, iterators(2),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value f = linalg::IndexOp::create(nb, l, 0);
          Value j = linalg::IndexOp::create(nb, l, 1);
          Value one = indexConst(nb, l, 1);
          Value prev = arith::MaxSIOp::create(nb, l, arith::SubIOp::create(nb, l, j, one),
                                              indexConst(nb, l, 0));
          Value cur = tensor::ExtractOp::create(nb, l, centred, ValueRange{f, j});
          Value before = tensor::ExtractOp::create(nb, l, centred, ValueRange{f, prev});
          Value e = arith::SubFOp::create(nb, l, cur, arith::MulFOp::create(nb, l, coef, before));
          yield(nb, l, arith::MulFOp::create(nb, l, e, a[0]));
        });

    // Real DFT of the zero-padded frame, in float64.
    std::vector<double> cosTable(win * spectrum), sinTable(win * spectrum);
    for (int64_t j = 0; j < win; ++j)
      for (int64_t k = 0; k < spectrum; ++k) {
        double angle = 2.0 * M_PI * static_cast<double>((j * k) % padded) / padded;
        cosTable[j * spectrum + k] = std::cos(angle);
        sinTable[j * spectrum + k] = -std::sin(angle);
      }
    auto dft = [&](ArrayRef<double> table) {
      Value t = denseConstant(b, loc, {win, spectrum}, table);
      Value zero = zeroTensor(b, loc, {frames, spectrum}, f64);
      // Loops (f, k, j).
      return generic(b, loc, {y, t}, zero,
                     {pick(ctx, 3, {0, 2}), pick(ctx, 3, {2, 1}), pick(ctx, 3, {0, 1})},
                     iterators(2, 1), [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value v = arith::ExtFOp::create(nb, l, f64, a[0]);
                       Value p = arith::MulFOp::create(nb, l, v, a[1]);
                       yield(nb, l, arith::AddFOp::create(nb, l, a[2], p));
                     });
    };
    Value re = dft(cosTable), im = dft(sinTable);
    Value power = generic(b, loc, {re, im}, emptyTensor(b, loc, {frames, spectrum}),
                          {all, all, all}, iterators(2),
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value r = arith::TruncFOp::create(nb, l, nb.getF32Type(), a[0]);
                            Value i = arith::TruncFOp::create(nb, l, nb.getF32Type(), a[1]);
                            Value m = arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, r, r),
                                                            arith::MulFOp::create(nb, l, i, i));
                            yield(nb, l, m);
                          });
    Value bankT = denseConstant(b, loc, {bins, spectrum}, ArrayRef<float>(bank));
    Value energy = linearRows(b, loc, power, bankT, Value());
    Value eps = f32Const(b, loc, std::numeric_limits<float>::epsilon());
    b.replaceOp(op, generic(b, loc, energy, emptyTensor(b, loc, {frames, bins}), {all, all},
                            iterators(2), [&](OpBuilder &nb, Location l, ValueRange a) {
                              Value m = arith::MaximumFOp::create(nb, l, a[0], eps);
                              yield(nb, l, mlir::math::LogOp::create(nb, l, m));
                            }));
    return success();
  }
};

struct LowerPadFrames : OpConversionPattern<PadFramesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadFramesOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> in = shapeOf(op.getInput());
    if (ShapedType::isDynamic(in[0]))
      return b.notifyMatchFailure(op, "dynamic frame counts are not lowered yet");
    int64_t frames = op.getFrames(), copied = std::min(in[0], frames);
    Value out = filledTensor(b, loc, {frames, in[1]}, 0.0f);
    Value rows = slice(b, loc, adaptor.getInput(), {0, 0}, {copied, in[1]});
    b.replaceOp(op, insert(b, loc, rows, out, {0, 0}));
    return success();
  }
};


struct LowerNormalize : OpConversionPattern<NormalizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(NormalizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    // The official (fbank - mean) / (std * 2), in float32.
    float mean = static_cast<float>(op.getMean().convertToDouble());
    float twoStd = static_cast<float>(op.getStd().convertToDouble()) * 2.0f;
    b.replaceOp(op, elementwise(b, op.getLoc(), adaptor.getInput(),
                                [&](OpBuilder &nb, Location l, ValueRange x) -> Value {
                                  Value d = arith::SubFOp::create(nb, l, x[0],
                                                                  f32Const(nb, l, mean));
                                  return arith::DivFOp::create(nb, l, d, f32Const(nb, l, twoStd));
                                }));
    return success();
  }
};

} // namespace

void populateLowerAudioOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerFbank, LowerPadFrames, LowerNormalize>(patterns.getContext());
}

} // namespace mlir::amae
