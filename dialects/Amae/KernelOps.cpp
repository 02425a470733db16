//===- KernelOps.cpp - Destination-style kernels of the lowering ----------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/VerifyUtils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;
using namespace mlir::amae;
using namespace mlir::amae::detail;

//===----------------------------------------------------------------------===//
// FusedAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult FusedAttentionOp::verify() {
  // fused_attention_c1
  bool tensors = isa<RankedTensorType>(getInit().getType());
  SmallVector<std::pair<Value, const char *>> operands = {
      {getQ(), "q"}, {getK(), "k"}, {getV(), "v"}, {getInit(), "init"}};
  for (auto [value, name] : operands) {
    auto type = cast<ShapedType>(value.getType());
    bool sameKind = tensors ? isa<RankedTensorType>(type) : isa<MemRefType>(type);
    if (!sameKind || !type.getElementType().isF32() || type.getRank() != 4)
      return constraintError(*this, "fused_attention_c1")
             << name << " must be a rank-4 f32 " << (tensors ? "ranked tensor" : "memref")
             << " like init, got " << type;
  }
  if (tensors ? (getResult().size() != 1 || getResult()[0].getType() != getInit().getType())
              : !getResult().empty())
    return constraintError(*this, "fused_attention_c1")
           << (tensors ? "on tensors the op returns one value of init's type"
                       : "on memrefs the op has no result");
  auto shape = [](Value v) { return cast<ShapedType>(v.getType()).getShape(); };
  ArrayRef<int64_t> qs = shape(getQ()), ks = shape(getK()), vs = shape(getV()),
                    os = shape(getInit());
  // fused_attention_c2
  for (int dim = 0; dim < 2; ++dim)
    if (!dimsAgree(qs[dim], ks[dim]) || !dimsAgree(qs[dim], vs[dim]))
      return constraintError(*this, "fused_attention_c2")
             << "batch and head dimensions of q " << formatShape(qs) << ", k "
             << formatShape(ks) << " and v " << formatShape(vs) << " differ";
  // fused_attention_c3
  if (!dimsAgree(qs[3], ks[3]))
    return constraintError(*this, "fused_attention_c3")
           << "q head width " << qs[3] << " differs from k head width " << ks[3];
  // fused_attention_c4
  if (!dimsAgree(ks[2], vs[2]))
    return constraintError(*this, "fused_attention_c4")
           << "k has " << ks[2] << " keys but v has " << vs[2] << " values";
  // fused_attention_c5
  if (!(getScale().convertToFloat() > 0))
    return constraintError(*this, "fused_attention_c5")
           << "scale must be positive, got " << formatNumber(getScale().convertToFloat());
  // fused_attention_c6
  SmallVector<int64_t> expected = {qs[0], qs[1], qs[2], vs[3]};
  for (auto [have, want] : llvm::zip(os, expected))
    if (!dimsAgree(have, want))
      return constraintError(*this, "fused_attention_c6")
             << "init has shape " << formatShape(os) << ", expected "
             << formatShape(expected);
  return success();
}

void FusedAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  // On tensors the op is pure; on buffers it reads q, k, v and writes init.
  if (!isa<MemRefType>(getInit().getType()))
    return;
  for (OpOperand *operand : {&getQMutable(), &getKMutable(), &getVMutable()})
    effects.emplace_back(MemoryEffects::Read::get(), operand,
                         SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &getInitMutable(),
                       SideEffects::DefaultResource::get());
}

bool FusedAttentionOp::bufferizesToMemoryRead(OpOperand &operand,
                                              const bufferization::AnalysisState &) {
  // init is overwritten whole: its old value is never read, so bufferization
  // need not copy it when it aliases something live.
  return &operand != &getInitMutable();
}

bool FusedAttentionOp::bufferizesToMemoryWrite(OpOperand &operand,
                                               const bufferization::AnalysisState &) {
  return &operand == &getInitMutable();
}

bufferization::AliasingValueList
FusedAttentionOp::getAliasingValues(OpOperand &operand, const bufferization::AnalysisState &) {
  if (&operand != &getInitMutable() || getResult().empty())
    return {};
  return {{getResult()[0], bufferization::BufferRelation::Equivalent}};
}

LogicalResult FusedAttentionOp::bufferize(RewriterBase &rewriter,
                                          const bufferization::BufferizationOptions &options,
                                          bufferization::BufferizationState &state) {
  SmallVector<Value> buffers;
  for (Value operand : {getQ(), getK(), getV(), getInit()}) {
    FailureOr<Value> buffer = bufferization::getBuffer(rewriter, operand, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  rewriter.setInsertionPoint(*this);
  FusedAttentionOp::create(rewriter, getLoc(), TypeRange{}, buffers[0], buffers[1], buffers[2],
                           buffers[3], getScaleAttr());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, buffers[3]);
  return success();
}
