//===- KernelOps.cpp - Destination-style kernels of the lowering ----------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

#include <array>

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

//===----------------------------------------------------------------------===//
// Shared by the kernel ops
//===----------------------------------------------------------------------===//

/// An operand of a kernel op, by name, and the rank it must have.
struct Operand {
  Value value;
  StringRef name;
  int64_t rank = 4;
};

/// c1: every operand an f32 tensor or memref of its rank, of the kind of the
/// first init; on tensors one result per init, of its type, on memrefs none.
static LogicalResult verifyKinds(Operation *op, StringRef id, ArrayRef<Operand> operands,
                                 ValueRange inits) {
  bool tensors = isa<RankedTensorType>(inits.front().getType());
  for (const Operand &operand : operands) {
    auto type = cast<ShapedType>(operand.value.getType());
    bool sameKind = tensors ? isa<RankedTensorType>(type) : isa<MemRefType>(type);
    if (!sameKind || !type.getElementType().isF32() || type.getRank() != operand.rank)
      return constraintError(op, id)
             << operand.name << " must be a rank-" << operand.rank << " f32 "
             << (tensors ? "ranked tensor" : "memref") << " like the destination, got " << type;
  }
  bool resultsFit = tensors ? TypeRange(op->getResultTypes()) == TypeRange(inits.getTypes())
                            : op->getNumResults() == 0;
  if (!resultsFit)
    return constraintError(op, id)
           << (tensors ? "on tensors the op returns one value of each destination's type"
                       : "on memrefs the op has no result");
  return success();
}

/// On buffers: reads of the inputs, writes of the destinations; pure on tensors.
static void kernelEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  if (!op.hasPureBufferSemantics())
    return;
  for (OpOperand *operand : op.getDpsInputOperands())
    effects.emplace_back(MemoryEffects::Read::get(), operand, SideEffects::DefaultResource::get());
  for (OpOperand &operand : op.getDpsInitsMutable())
    effects.emplace_back(MemoryEffects::Write::get(), &operand,
                         SideEffects::DefaultResource::get());
}

namespace {
/// How one-shot bufferization treats every kernel op: the destinations are
/// only written, whole (their old values are never read, so bufferization
/// need not copy one that aliases something live), each result is its
/// destination, and the buffer form is the same op on the operands' buffers
/// with no result. One model, attached to each op by the dialect (attachKernelBufferization).
template <typename OpTy>
struct KernelBufferization
    : bufferization::BufferizableOpInterface::ExternalModel<KernelBufferization<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  bool bufferizesToMemoryWrite(Operation *op, OpOperand &operand,
                               const bufferization::AnalysisState &) const {
    return cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  bufferization::AliasingValueList getAliasingValues(Operation *op, OpOperand &operand,
                                                     const bufferization::AnalysisState &) const {
    auto dps = cast<DestinationStyleOpInterface>(op);
    if (!dps.isDpsInit(&operand) || op->getNumResults() == 0)
      return {};
    return {{dps.getTiedOpResult(&operand), bufferization::BufferRelation::Equivalent}};
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OpTy::create(rewriter, op->getLoc(), TypeRange{}, buffers, op->getAttrs());
    unsigned inits = cast<OpTy>(op).getNumDpsInits();
    bufferization::replaceOpWithBufferizedValues(rewriter, op,
                                                 ArrayRef(buffers).take_back(inits));
    return success();
  }
};
} // namespace

void mlir::amae::detail::attachKernelBufferization(MLIRContext *ctx) {
  FusedAttentionOp::attachInterface<KernelBufferization<FusedAttentionOp>>(*ctx);
  FusedAttentionGradOp::attachInterface<KernelBufferization<FusedAttentionGradOp>>(*ctx);
  FusedWindowAttentionOp::attachInterface<KernelBufferization<FusedWindowAttentionOp>>(*ctx);
  FusedWindowAttentionGradOp::attachInterface<KernelBufferization<FusedWindowAttentionGradOp>>(
      *ctx);
}

//===----------------------------------------------------------------------===//
// FusedAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult FusedAttentionOp::verify() {
  // fused_attention_c1
  if (failed(verifyKinds(*this, "fused_attention_c1",
                         {{getQ(), "q"}, {getK(), "k"}, {getV(), "v"}, {getInit(), "init"}},
                         getDpsInits())))
    return failure();
  // fused_attention_c2 to fused_attention_c5
  if (failed(verifyAttentionShapes(*this,
                                   {"fused_attention_c2", "fused_attention_c3",
                                    "fused_attention_c4", "fused_attention_c5"},
                                   getQ(), getK(), getV(), getScale().convertToFloat())))
    return failure();
  ArrayRef<int64_t> qs = shapeOf(getQ()), vs = shapeOf(getV());
  // fused_attention_c6
  return verifyShape(*this, "fused_attention_c6", getInit(), "init",
                     {qs[0], qs[1], qs[2], vs[3]});
}

void FusedAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  kernelEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// FusedAttentionGradOp
//===----------------------------------------------------------------------===//

LogicalResult FusedAttentionGradOp::verify() {
  // fused_attention_grad_c1
  if (failed(verifyKinds(*this, "fused_attention_grad_c1",
                         {{getQ(), "q"},
                          {getK(), "k"},
                          {getV(), "v"},
                          {getDout(), "dout"},
                          {getDqInit(), "dq_init"},
                          {getDkInit(), "dk_init"},
                          {getDvInit(), "dv_init"}},
                         getDpsInits())))
    return failure();
  // fused_attention_grad_c2 to fused_attention_grad_c5
  if (failed(verifyAttentionShapes(*this,
                                   {"fused_attention_grad_c2", "fused_attention_grad_c3",
                                    "fused_attention_grad_c4", "fused_attention_grad_c5"},
                                   getQ(), getK(), getV(), getScale().convertToFloat())))
    return failure();
  ArrayRef<int64_t> qs = shapeOf(getQ()), vs = shapeOf(getV());
  // fused_attention_grad_c6
  const char *id = "fused_attention_grad_c6";
  if (failed(verifyShape(*this, id, getDout(), "dout", {qs[0], qs[1], qs[2], vs[3]})) ||
      failed(verifyShape(*this, id, getDqInit(), "dq_init", qs)) ||
      failed(verifyShape(*this, id, getDkInit(), "dk_init", shapeOf(getK()))) ||
      failed(verifyShape(*this, id, getDvInit(), "dv_init", vs)))
    return failure();
  return success();
}

void FusedAttentionGradOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  kernelEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// FusedWindowAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult FusedWindowAttentionOp::verify() {
  // fused_window_attention_c1
  if (failed(verifyKinds(*this, "fused_window_attention_c1",
                         {{getQ(), "q"},
                          {getK(), "k"},
                          {getV(), "v"},
                          {getTau(), "tau", 1},
                          {getPosBias(), "pos_bias", 2},
                          {getInit(), "init"}},
                         getDpsInits())))
    return failure();
  // fused_window_attention_c2 to fused_window_attention_c7
  if (failed(verifyWindowAttentionOperands(
          *this,
          {"fused_window_attention_c2", "fused_window_attention_c3", "fused_window_attention_c4",
           "fused_window_attention_c5", "fused_window_attention_c6", "fused_window_attention_c7"},
          getQ(), getK(), getV(), getTau(), getPosBias(), Value(), getGrid(), getWindow(),
          getShift())))
    return failure();
  // fused_window_attention_c8
  return verifyShape(*this, "fused_window_attention_c8", getInit(), "init", shapeOf(getQ()));
}

void FusedWindowAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  kernelEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// FusedWindowAttentionGradOp
//===----------------------------------------------------------------------===//

LogicalResult FusedWindowAttentionGradOp::verify() {
  // fused_window_attention_grad_c1
  if (failed(verifyKinds(*this, "fused_window_attention_grad_c1",
                         {{getQ(), "q"},
                          {getK(), "k"},
                          {getV(), "v"},
                          {getTau(), "tau", 1},
                          {getPosBias(), "pos_bias", 2},
                          {getDout(), "dout"},
                          {getDqInit(), "dq_init"},
                          {getDkInit(), "dk_init"},
                          {getDvInit(), "dv_init"},
                          {getDtauInit(), "dtau_init", 1},
                          {getDbiasInit(), "dbias_init", 2}},
                         getDpsInits())))
    return failure();
  // fused_window_attention_grad_c2 to fused_window_attention_grad_c7
  if (failed(verifyWindowAttentionOperands(
          *this,
          {"fused_window_attention_grad_c2", "fused_window_attention_grad_c3",
           "fused_window_attention_grad_c4", "fused_window_attention_grad_c5",
           "fused_window_attention_grad_c6", "fused_window_attention_grad_c7"},
          getQ(), getK(), getV(), getTau(), getPosBias(), getDout(), getGrid(), getWindow(),
          getShift())))
    return failure();
  // fused_window_attention_grad_c8
  const char *id = "fused_window_attention_grad_c8";
  std::pair<Value, Value> pairs[] = {{getDqInit(), getQ()},
                                     {getDkInit(), getK()},
                                     {getDvInit(), getV()},
                                     {getDtauInit(), getTau()},
                                     {getDbiasInit(), getPosBias()}};
  const char *names[] = {"dq_init", "dk_init", "dv_init", "dtau_init", "dbias_init"};
  for (auto [pair, name] : llvm::zip(pairs, names))
    if (failed(verifyShape(*this, id, pair.first, name, shapeOf(pair.second))))
      return failure();
  return success();
}

void FusedWindowAttentionGradOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  kernelEffects(*this, effects);
}

