//===- AttentionToLibrary.cpp - amae.fused_attention as a kernel call -----===//
//
// The kernel (`amae_attention`, kernels/CpuKernels.c) takes four rank-4
// strided descriptors through MLIR's C interface and needs unit inner
// strides, as BLAS does; views with another layout go through contiguous
// copies here rather than a slower general path in C.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/transforms/CpuPasses.h"
#include "dialects/Amae/AmaeOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "amae-cpu-attention-to-library"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUATTENTIONTOLIBRARY
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {

constexpr StringLiteral kAttention = "amae_attention", kAttentionGrad = "amae_attention_grad";

bool unitInnerStride(MemRefType type) {
  int64_t offset;
  SmallVector<int64_t> strides;
  return succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// The fully dynamic strided rank-4 type every operand is cast to, so one
/// declaration serves all shapes.
MemRefType dynamicView(MLIRContext *ctx) {
  int64_t d = ShapedType::kDynamic;
  return MemRefType::get({d, d, d, d}, Float32Type::get(ctx),
                         StridedLayoutAttr::get(ctx, d, {d, d, d, d}));
}

/// `name`(views of the op's operands..., scale), declared once.
func::FuncOp declareKernel(ModuleOp module, StringRef name, unsigned buffers) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  auto b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(buffers, dynamicView(module.getContext()));
  args.push_back(b.getF32Type());
  auto f = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
  return f;
}

/// Replaces `op` (inputs, then destinations, all buffers) by a call of
/// `callee`: operands without unit inner strides go through contiguous
/// copies, destinations are copied back after the call.
void replaceByCall(DestinationStyleOpInterface op, func::FuncOp callee, FloatAttr scale) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MemRefType view = dynamicView(op->getContext());
  SmallVector<Value> args;
  SmallVector<std::pair<Value, Value>> writeBack;
  for (OpOperand &operand : op->getOpOperands()) {
    Value buffer = operand.get();
    auto type = cast<MemRefType>(buffer.getType());
    Value dense = buffer;
    if (!unitInnerStride(type)) {
      dense = memref::AllocOp::create(b, loc, MemRefType::get(type.getShape(), type.getElementType()));
      if (op.isDpsInit(&operand))
        writeBack.push_back({dense, buffer});
      else
        linalg::CopyOp::create(b, loc, buffer, dense);
    }
    args.push_back(memref::CastOp::create(b, loc, view, dense));
  }
  args.push_back(arith::ConstantOp::create(b, loc, scale));
  func::CallOp::create(b, loc, callee, args);
  for (auto [from, to] : writeBack)
    linalg::CopyOp::create(b, loc, from, to);
  LLVM_DEBUG(llvm::dbgs() << callee.getName() << " call for " << *op << "\n");
  op->erase();
}

struct AmaeCpuAttentionToLibraryPass
    : impl::AmaeCpuAttentionToLibraryBase<AmaeCpuAttentionToLibraryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    WalkResult tensors = module.walk([&](Operation *op) {
      if (!isa<FusedAttentionOp, FusedAttentionGradOp>(op))
        return WalkResult::advance();
      if (!cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics()) {
        op->emitOpError() << "must be bufferized before amae-cpu-attention-to-library";
        return WalkResult::interrupt();
      }
      ops.push_back(op);
      return WalkResult::advance();
    });
    if (tensors.wasInterrupted())
      return signalPassFailure();
    for (Operation *op : ops) {
      if (auto fwd = dyn_cast<FusedAttentionOp>(op)) {
        replaceByCall(fwd, declareKernel(module, kAttention, 4), fwd.getScaleAttr());
        ++numCalls;
      } else {
        auto grad = cast<FusedAttentionGradOp>(op);
        replaceByCall(grad, declareKernel(module, kAttentionGrad, 7), grad.getScaleAttr());
        ++numGradCalls;
      }
    }
  }
};
} // namespace
} // namespace mlir::amae::cpu
