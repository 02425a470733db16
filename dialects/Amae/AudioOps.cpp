//===- AudioOps.cpp - fbank, pad_frames, normalize ------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "dialects/Amae/VerifyUtils.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

//===----------------------------------------------------------------------===//
// FbankOp
//===----------------------------------------------------------------------===//

static math::FbankFraming framingOf(FbankOp op) {
  return math::fbankFraming(static_cast<double>(op.getSampleRate()),
                            op.getFrameLengthMs().convertToDouble(),
                            op.getFrameShiftMs().convertToDouble(),
                            op.getRoundToPowerOfTwo());
}

void FbankOp::build(OpBuilder &builder, OperationState &state, Value waveform, Value length,
                    int64_t sampleRate, int64_t numMelBins) {
  auto framing = math::fbankFraming(sampleRate, 25.0, 10.0, true);
  SmallVector<int64_t> shape(shapeOf(waveform));
  int64_t samples = shape.back();
  shape.back() = ShapedType::isDynamic(samples) ? ShapedType::kDynamic
                                                : framing.frames(samples);
  shape.push_back(numMelBins);
  state.addOperands(waveform);
  if (length)
    state.addOperands(length);
  state.addAttribute(getSampleRateAttrName(state.name),
                     builder.getI64IntegerAttr(sampleRate));
  state.addAttribute(getNumMelBinsAttrName(state.name),
                     builder.getI64IntegerAttr(numMelBins));
  state.addTypes(f32Tensor(builder.getContext(), shape));
}

/// A waveform of rank 1 or 2 (a batch of recordings), and a valid length
/// per recording of the batch shape.
static LogicalResult verifyWaveform(Operation *op, StringRef rankId, StringRef lengthId,
                                    Value waveform, Value length) {
  int64_t rank = tensorType(waveform).getRank();
  if (rank != 1 && rank != 2)
    return constraintError(op, rankId) << "waveform must have rank 1 or 2, got rank " << rank;
  if (!length)
    return success();
  ArrayRef<int64_t> batch = shapeOf(waveform).drop_back();
  ArrayRef<int64_t> got = shapeOf(length);
  if (got.size() != batch.size() || !llvm::all_of(llvm::zip(got, batch), [](auto p) {
        return dimsAgree(std::get<0>(p), std::get<1>(p));
      }))
    return constraintError(op, lengthId)
           << "length must have the waveform's batch shape " << formatShape(batch)
           << ", got " << formatShape(got);
  return success();
}

LogicalResult FbankOp::verify() {
  // fbank_c1, fbank_c6
  if (failed(verifyWaveform(*this, "fbank_c1", "fbank_c6", getWaveform(), getLength())))
    return failure();

  // fbank_c2: the sample rate first, so a wild one is reported as itself
  // rather than as the window it implies. I64Attr's accessor is unsigned.
  int64_t sampleRate = getSampleRateAttr().getInt();
  std::string framingError = math::fbankFramingError(
      static_cast<double>(sampleRate), getFrameLengthMs().convertToDouble(),
      getFrameShiftMs().convertToDouble());
  if (!framingError.empty())
    return constraintError(*this, "fbank_c2") << framingError;
  if (getNumMelBinsAttr().getInt() <= 0)
    return constraintError(*this, "fbank_c2")
           << "num_mel_bins must be positive, got " << getNumMelBinsAttr().getInt();
  auto framing = framingOf(*this);

  // fbank_c3
  double nyquist = 0.5 * static_cast<double>(getSampleRate());
  double low = getLowFreq().convertToDouble();
  double highAttr = getHighFreq().convertToDouble();
  double high = highAttr > 0 ? highAttr : nyquist + highAttr;
  if (!(low >= 0 && low < high && high <= nyquist))
    return constraintError(*this, "fbank_c3")
           << "need 0 <= low_freq < high_freq <= nyquist (" << formatNumber(nyquist)
           << " Hz), got low " << formatNumber(low) << " and high " << formatNumber(high);

  // fbank_c4
  bool knownWindow = llvm::StringSwitch<bool>(getWindowType())
                         .Cases({"hanning", "hamming", "povey", "rectangular",
                                 "blackman"},
                                true)
                         .Default(false);
  if (!knownWindow)
    return constraintError(*this, "fbank_c4")
           << "unknown window_type '" << getWindowType() << "'";

  // fbank_c5
  int64_t samples = shapeOf(getWaveform()).back();
  int64_t frames = ShapedType::kDynamic;
  if (!ShapedType::isDynamic(samples)) {
    if (samples < framing.windowSize)
      return constraintError(*this, "fbank_c5")
             << "the waveform has " << samples
             << " samples, fewer than one window of " << framing.windowSize;
    frames = framing.frames(samples);
  }
  SmallVector<int64_t> expected(shapeOf(getWaveform()).drop_back());
  expected.append({frames, static_cast<int64_t>(getNumMelBins())});
  return verifyShape(*this, "fbank_c5", getResult(), "result", expected);
}

//===----------------------------------------------------------------------===//
// RemoveMeanOp
//===----------------------------------------------------------------------===//

LogicalResult RemoveMeanOp::verify() {
  // remove_mean_c1
  return verifyWaveform(*this, "remove_mean_c1", "remove_mean_c1", getWaveform(), getLength());
}

//===----------------------------------------------------------------------===//
// PadFramesOp
//===----------------------------------------------------------------------===//

void PadFramesOp::build(OpBuilder &builder, OperationState &state, Value input,
                        int64_t frames) {
  SmallVector<int64_t> shape(shapeOf(input));
  shape[shape.size() - 2] = frames;
  build(builder, state, f32Tensor(builder.getContext(), shape), input, frames);
}

LogicalResult PadFramesOp::verify() {
  // pad_frames_c1
  int64_t rank = tensorType(getInput()).getRank();
  if (rank != 2 && rank != 3)
    return constraintError(*this, "pad_frames_c1")
           << "input must have rank 2 or 3, got rank " << rank;
  int64_t frames = getFrames();
  if (frames <= 0)
    return constraintError(*this, "pad_frames_c1")
           << "frames must be positive, got " << frames;
  // pad_frames_c2
  SmallVector<int64_t> expected(shapeOf(getInput()));
  expected[rank - 2] = frames;
  return verifyShape(*this, "pad_frames_c2", getResult(), "result", expected);
}

OpFoldResult PadFramesOp::fold(FoldAdaptor) {
  // Already the right length: nothing to pad or crop.
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// NormalizeOp
//===----------------------------------------------------------------------===//

LogicalResult NormalizeOp::verify() {
  // normalize_c1
  if (!(getStd().convertToDouble() > 0))
    return constraintError(*this, "normalize_c1")
           << "std must be positive, got " << formatNumber(getStd().convertToDouble());
  return success();
}
