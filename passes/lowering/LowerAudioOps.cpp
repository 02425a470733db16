//===- LowerAudioOps.cpp - The audio front end ops ------------------------===//
//
// amae.fbank on a static waveform (or a batch of them): frame gather, DC
// removal (float64 sums), replicate pre-emphasis, the float32 window, a real
// DFT as one float64 matmul with constant cos/sin tables (closer to exact
// than torch's float32 FFT, like the runtime's FFT; dgemm does it in
// milliseconds), power in float32, the mel bank as a matmul, log(max(x,
// eps)), zero past each recording's valid frames. remove_mean, pad_frames
// and normalize are single loop nests. The tables come from ModelMath, which the
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

/// A rank-1 waveform (and rank-0 length) as a batch of one.
Value asBatch(OpBuilder &b, Location loc, Value x) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> batched = {1};
  batched.append(shape.begin(), shape.end());
  SmallVector<ReassociationIndices> groups;
  if (!shape.empty()) {
    groups.push_back({0, 1});
    for (unsigned d = 1; d < shape.size(); ++d)
      groups.push_back({d + 1});
  }
  return expand(b, loc, x, batched, groups);
}

struct LowerFbank : OpConversionPattern<FbankOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(FbankOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    int64_t samples = shapeOf(op.getWaveform()).back();
    if (ShapedType::isDynamic(samples))
      return b.notifyMatchFailure(op, "needs a static waveform length");
    bool single = shapeOf(op.getWaveform()).size() == 1;
    Value wave = single ? asBatch(b, loc, adaptor.getWaveform()) : adaptor.getWaveform();
    Value length = adaptor.getLength();
    if (length && single)
      length = asBatch(b, loc, length);
    int64_t batch = shapeOf(wave)[0];
    double rate = static_cast<double>(op.getSampleRate());
    auto framing = math::fbankFraming(rate, op.getFrameLengthMs().convertToDouble(),
                                      op.getFrameShiftMs().convertToDouble(),
                                      op.getRoundToPowerOfTwo());
    int64_t frames = framing.frames(samples), win = framing.windowSize,
            padded = framing.paddedWindowSize, spectrum = padded / 2 + 1,
            bins = op.getNumMelBins(), rows = batch * frames;
    std::vector<float> window = math::fbankWindow(op.getWindowType().str(), win);
    std::vector<float> bank = math::melBank(rate, padded, bins,
                                            op.getLowFreq().convertToDouble(),
                                            op.getHighFreq().convertToDouble());
    Type f64 = b.getF64Type();
    AffineMap all = identity(ctx, 3), row = pick(ctx, 3, {0, 1}), col = pick(ctx, 3, {2});

    // frames[n, f, j] = waveform[n, f * hop + j].
    Value x = generic(b, loc, ValueRange{}, emptyTensor(b, loc, {batch, frames, win}), {all},
                      iterators(3), [&](OpBuilder &nb, Location l, ValueRange) {
                        Value n = linalg::IndexOp::create(nb, l, 0);
                        Value f = linalg::IndexOp::create(nb, l, 1);
                        Value j = linalg::IndexOp::create(nb, l, 2);
                        Value at = arith::AddIOp::create(
                            nb, l, arith::MulIOp::create(nb, l, f, indexConst(nb, l, framing.hop)), j);
                        yield(nb, l, tensor::ExtractOp::create(nb, l, wave, ValueRange{n, at}));
                      });
    if (op.getRemoveDcOffset()) {
      Value zero = zeroTensor(b, loc, {batch, frames}, f64);
      Value sum = generic(b, loc, x, zero, {all, row}, iterators(2, 1),
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value v = arith::ExtFOp::create(nb, l, f64, a[0]);
                            yield(nb, l, arith::AddFOp::create(nb, l, a[1], v));
                          });
      Value count = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(static_cast<double>(win)));
      x = generic(b, loc, {x, sum}, emptyTensor(b, loc, {batch, frames, win}), {all, row, all},
                  iterators(3), [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value mean = arith::TruncFOp::create(nb, l, nb.getF32Type(),
                                                         arith::DivFOp::create(nb, l, a[1], count));
                    yield(nb, l, arith::SubFOp::create(nb, l, a[0], mean));
                  });
    }
    // y[j] = x[j] - c x[max(j - 1, 0)], then the window, widened to float64
    // for the DFT.
    Value coef = f32Const(b, loc, op.getPreemphasis().convertToDouble());
    Value win32 = denseConstant(b, loc, {win}, ArrayRef<float>(window));
    Value centred = x;
    Value y = generic(
        b, loc, win32, emptyTensor(b, loc, {batch, frames, win}, f64), {col, all}, iterators(3),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value n = linalg::IndexOp::create(nb, l, 0);
          Value f = linalg::IndexOp::create(nb, l, 1);
          Value j = linalg::IndexOp::create(nb, l, 2);
          Value one = indexConst(nb, l, 1);
          Value prev = arith::MaxSIOp::create(nb, l, arith::SubIOp::create(nb, l, j, one),
                                              indexConst(nb, l, 0));
          Value cur = tensor::ExtractOp::create(nb, l, centred, ValueRange{n, f, j});
          Value before = tensor::ExtractOp::create(nb, l, centred, ValueRange{n, f, prev});
          Value e = arith::SubFOp::create(nb, l, cur, arith::MulFOp::create(nb, l, coef, before));
          Value windowed = arith::MulFOp::create(nb, l, e, a[0]);
          yield(nb, l, arith::ExtFOp::create(nb, l, f64, windowed));
        });

    // Real DFT of the zero-padded frame in float64: one contraction with the
    // cos table in columns [0, spectrum) and the sin table after it, a
    // matmul that amae-contractions-to-blas hands to dgemm.
    std::vector<double> table(win * 2 * spectrum);
    for (int64_t j = 0; j < win; ++j)
      for (int64_t k = 0; k < spectrum; ++k) {
        double angle = 2.0 * M_PI * static_cast<double>((j * k) % padded) / padded;
        table[j * 2 * spectrum + k] = std::cos(angle);
        table[j * 2 * spectrum + spectrum + k] = -std::sin(angle);
      }
    Value t = denseConstant(b, loc, {win, 2 * spectrum}, ArrayRef<double>(table));
    Value y2d = collapse(b, loc, y, {{0, 1}, {2}});
    AffineMap all2 = identity(ctx, 2);
    Value dft = generic(b, loc, {y2d, t}, zeroTensor(b, loc, {rows, 2 * spectrum}, f64),
                        {pick(ctx, 3, {0, 2}), pick(ctx, 3, {2, 1}), pick(ctx, 3, {0, 1})},
                        iterators(2, 1), [&](OpBuilder &nb, Location l, ValueRange a) {
                          Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
                          yield(nb, l, arith::AddFOp::create(nb, l, a[2], p));
                        });
    Value re = slice(b, loc, dft, {0, 0}, {rows, spectrum});
    Value im = slice(b, loc, dft, {0, spectrum}, {rows, spectrum});
    Value power = generic(b, loc, {re, im}, emptyTensor(b, loc, {rows, spectrum}),
                          {all2, all2, all2}, iterators(2),
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value r = arith::TruncFOp::create(nb, l, nb.getF32Type(), a[0]);
                            Value i = arith::TruncFOp::create(nb, l, nb.getF32Type(), a[1]);
                            Value m = arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, r, r),
                                                            arith::MulFOp::create(nb, l, i, i));
                            yield(nb, l, m);
                          });
    Value bankT = denseConstant(b, loc, {bins, spectrum}, ArrayRef<float>(bank));
    Value energy = expand(b, loc, linearRows(b, loc, power, bankT, Value()),
                          {batch, frames, bins}, {{0, 1}, {2}});
    // log(max(x, eps)); with a length, the frames past the valid samples are
    // zero, as the official zero-padding of a shorter clip's fbank.
    Value eps = f32Const(b, loc, std::numeric_limits<float>::epsilon());
    SmallVector<Value> ins = {energy};
    SmallVector<AffineMap> maps = {all};
    if (length) {
      ins.push_back(length);
      maps.push_back(pick(ctx, 3, {0}));
    }
    maps.push_back(all);
    Value out = generic(b, loc, ins, emptyTensor(b, loc, {batch, frames, bins}), maps,
                        iterators(3), [&](OpBuilder &nb, Location l, ValueRange a) {
                          Value m = arith::MaximumFOp::create(nb, l, a[0], eps);
                          Value v = mlir::math::LogOp::create(nb, l, m);
                          if (length) {
                            Value f = linalg::IndexOp::create(nb, l, 1);
                            Value end = arith::AddIOp::create(
                                nb, l, arith::MulIOp::create(nb, l, f, indexConst(nb, l, framing.hop)),
                                indexConst(nb, l, win));
                            Value inside = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle,
                                                                 end, asIndex(nb, l, a[1]));
                            v = arith::SelectOp::create(nb, l, inside, v, f32Const(nb, l, 0.0f));
                          }
                          yield(nb, l, v);
                        });
    if (single)
      out = collapse(b, loc, out, {{0, 1}, {2}});
    b.replaceOp(op, out);
    return success();
  }
};

struct LowerRemoveMean : OpConversionPattern<RemoveMeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RemoveMeanOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    bool single = shapeOf(op.getWaveform()).size() == 1;
    Value wave = single ? asBatch(b, loc, adaptor.getWaveform()) : adaptor.getWaveform();
    Value length = single ? asBatch(b, loc, adaptor.getLength()) : adaptor.getLength();
    ArrayRef<int64_t> shape = shapeOf(wave);
    if (ShapedType::isDynamic(shape[1]))
      return b.notifyMatchFailure(op, "needs a static waveform length");
    Type f64 = b.getF64Type();
    AffineMap all = identity(ctx, 2), row = pick(ctx, 2, {0});
    // Samples at or past the length are left out of the sum and zeroed.
    auto inside = [&](OpBuilder &nb, Location l, Value len) {
      Value i = linalg::IndexOp::create(nb, l, 1);
      return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, i, asIndex(nb, l, len));
    };
    Value sum = generic(b, loc, {wave, length}, zeroTensor(b, loc, {shape[0]}, f64),
                        {all, row, row}, iterators(1, 1),
                        [&](OpBuilder &nb, Location l, ValueRange a) {
                          Value v = arith::ExtFOp::create(nb, l, f64, a[0]);
                          Value z = arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(0.0));
                          v = arith::SelectOp::create(nb, l, inside(nb, l, a[1]), v, z);
                          yield(nb, l, arith::AddFOp::create(nb, l, a[2], v));
                        });
    Value out = generic(
        b, loc, {wave, sum, length}, emptyTensor(b, loc, shape), {all, row, row, all},
        iterators(2), [&](OpBuilder &nb, Location l, ValueRange a) {
          // The mean of an empty recording is taken as 0, not NaN.
          Value count = arith::SIToFPOp::create(
              nb, l, f64,
              arith::MaxSIOp::create(nb, l, a[2],
                                     arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(1))));
          Value mean = arith::TruncFOp::create(nb, l, nb.getF32Type(),
                                               arith::DivFOp::create(nb, l, a[1], count));
          Value v = arith::SubFOp::create(nb, l, a[0], mean);
          yield(nb, l, arith::SelectOp::create(nb, l, inside(nb, l, a[2]), v,
                                               f32Const(nb, l, 0.0f)));
        });
    if (single)
      out = collapse(b, loc, out, {{0, 1}});
    b.replaceOp(op, out);
    return success();
  }
};

struct LowerPadFrames : OpConversionPattern<PadFramesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadFramesOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    SmallVector<int64_t> in(shapeOf(op.getInput()));
    size_t t = in.size() - 2;
    if (llvm::any_of(in, ShapedType::isDynamic))
      return b.notifyMatchFailure(op, "dynamic frame counts are not lowered yet");
    SmallVector<int64_t> out(in), kept(in), origin(in.size(), 0);
    out[t] = op.getFrames();
    kept[t] = std::min(in[t], out[t]);
    Value padded = filledTensor(b, loc, out, 0.0f);
    Value rows = slice(b, loc, adaptor.getInput(), origin, kept);
    b.replaceOp(op, insert(b, loc, rows, padded, origin));
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
  patterns.add<LowerFbank, LowerRemoveMean, LowerPadFrames, LowerNormalize>(patterns.getContext());
}

} // namespace mlir::amae
