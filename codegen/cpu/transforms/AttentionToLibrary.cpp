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

constexpr StringLiteral kAttention = "amae_attention";

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

struct AmaeCpuAttentionToLibraryPass
    : impl::AmaeCpuAttentionToLibraryBase<AmaeCpuAttentionToLibraryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<FusedAttentionOp> ops;
    WalkResult tensors = module.walk([&](FusedAttentionOp op) {
      if (!isa<MemRefType>(op.getInit().getType())) {
        op.emitOpError() << "must be bufferized before amae-cpu-attention-to-library";
        return WalkResult::interrupt();
      }
      ops.push_back(op);
      return WalkResult::advance();
    });
    if (tensors.wasInterrupted())
      return signalPassFailure();
    if (ops.empty())
      return;

    MemRefType view = dynamicView(ctx);
    auto declare = OpBuilder::atBlockBegin(module.getBody());
    auto callee = module.lookupSymbol<func::FuncOp>(kAttention);
    if (!callee) {
      callee = func::FuncOp::create(
          declare, module.getLoc(), kAttention,
          declare.getFunctionType({view, view, view, view, declare.getF32Type()}, {}));
      callee.setPrivate();
      callee->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), declare.getUnitAttr());
    }

    for (FusedAttentionOp op : ops) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto contiguous = [&](Value buffer) -> Value {
        auto type = cast<MemRefType>(buffer.getType());
        if (unitInnerStride(type))
          return buffer;
        auto dense = MemRefType::get(type.getShape(), type.getElementType());
        Value copy = memref::AllocOp::create(b, loc, dense);
        return copy;
      };
      SmallVector<Value> args;
      for (Value operand : {op.getQ(), op.getK(), op.getV()}) {
        Value dense = contiguous(operand);
        if (dense != operand)
          linalg::CopyOp::create(b, loc, operand, dense);
        args.push_back(memref::CastOp::create(b, loc, view, dense));
      }
      Value out = contiguous(op.getInit());
      args.push_back(memref::CastOp::create(b, loc, view, out));
      args.push_back(arith::ConstantOp::create(b, loc, op.getScaleAttr()));
      func::CallOp::create(b, loc, callee, args);
      if (out != op.getInit())
        linalg::CopyOp::create(b, loc, out, op.getInit());
      LLVM_DEBUG(llvm::dbgs() << "amae_attention call for " << op << "\n");
      op.erase();
      ++numCalls;
    }
  }
};
} // namespace
} // namespace mlir::amae::cpu
