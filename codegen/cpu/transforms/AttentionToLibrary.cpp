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
#include "mlir/Dialect/Utils/IndexingUtils.h"
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

/// `name`(views of the op's operands..., scale, block rows), declared once.
func::FuncOp declareKernel(ModuleOp module, StringRef name, unsigned buffers) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  auto b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(buffers, dynamicView(module.getContext()));
  args.push_back(b.getF32Type());
  args.push_back(b.getI64Type());
  auto f = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
  return f;
}

/// The buffer `v` is a view of: an allocation or a block argument; null
/// when it comes from anything else.
Value baseOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<memref::AllocOp>(def))
      return v;
    if (!isa<memref::SubViewOp, memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp,
             memref::TransposeOp>(def))
      return {};
    v = def->getOperand(0);
  }
  return v;
}

memref::AllocOp allocOf(Value v) {
  Value base = baseOf(v);
  return base ? base.getDefiningOp<memref::AllocOp>() : nullptr;
}

/// A transpose the kernel can read or write through a view: its innermost
/// dimension stays innermost, so the view keeps unit inner stride.
bool keepsInnerDim(linalg::TransposeOp t) {
  ArrayRef<int64_t> perm = t.getPermutation();
  return !perm.empty() && perm.back() == int64_t(perm.size()) - 1;
}

/// `linalg.transpose ins(%src) outs(%buf)` feeding input `operand` of `op`,
/// %buf a fresh allocation nothing else uses: the kernel reads the permuted
/// view of %src instead (the head split of a qkv buffer), and the copy goes.
/// Between the copy and `op` only views, allocations and other such copies
/// into fresh buffers may stand, so %src still holds what was copied.
bool foldInputTranspose(Operation *op, OpOperand &operand) {
  Value buf = operand.get();
  auto alloc = buf.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return false;
  // Used twice: by this operand and by the copy (not by another operand).
  if (!buf.hasNUses(2))
    return false;
  linalg::TransposeOp copy;
  for (Operation *user : buf.getUsers())
    if (user != op)
      copy = dyn_cast<linalg::TransposeOp>(user);
  if (copy && copy.getInit() != buf)
    return false;
  if (!copy || copy->getBlock() != op->getBlock() || !copy->isBeforeInBlock(op) ||
      !keepsInnerDim(copy) || !unitInnerStride(cast<MemRefType>(copy.getInput().getType())))
    return false;
  memref::AllocOp source = allocOf(copy.getInput());
  for (Operation *o = copy->getNextNode(); o != op; o = o->getNextNode()) {
    if (isa<memref::AllocOp, memref::SubViewOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
            memref::CastOp>(o))
      continue;
    auto t = dyn_cast<linalg::TransposeOp>(o);
    memref::AllocOp written = t ? t.getInit().getDefiningOp<memref::AllocOp>() : nullptr;
    if (!written || written == source)
      return false;
  }
  OpBuilder b(op);
  auto map = AffineMap::getPermutationMap(copy.getPermutation(), op->getContext());
  operand.set(memref::TransposeOp::create(b, copy.getLoc(), copy.getInput(), AffineMapAttr::get(map)));
  copy.erase();
  if (alloc->use_empty())
    alloc.erase();
  return true;
}

/// `op` writing destination `init`, %out, then `linalg.transpose ins(%out)
/// outs(%dst)` right after it (the heads merged back): `op` writes %dst
/// through the inverse view and the copy goes. %out must not be read again
/// before something overwrites it whole (a later attention's destination),
/// and %dst must not be one of the buffers `op` reads.
bool foldOutputTranspose(Operation *op, OpOperand &init) {
  Value out = init.get();
  auto alloc = out.getDefiningOp<memref::AllocOp>();
  Operation *next = op->getNextNode();
  while (next && isa<memref::AllocOp>(next))
    next = next->getNextNode();
  auto copy = dyn_cast_or_null<linalg::TransposeOp>(next);
  if (!alloc || !copy || copy.getInput() != out || !keepsInnerDim(copy) ||
      !unitInnerStride(cast<MemRefType>(copy.getInit().getType())))
    return false;
  // %dst is an allocation or an argument; what `op` reads must be other
  // allocations (arguments may alias one another).
  Value dst = baseOf(copy.getInit());
  if (!dst || dst == out)
    return false;
  for (Value v : op->getOperands())
    if (v != out && (!allocOf(v) || baseOf(v) == dst))
      return false;
  // Allocated between `op` and the copy: allocated before `op` instead.
  if (Operation *def = copy.getInit().getDefiningOp();
      def && def->getBlock() == op->getBlock() && op->isBeforeInBlock(def)) {
    if (!isa<memref::AllocOp>(def))
      return false;
    def->moveBefore(op);
  }
  // The first use of %out after the copy overwrites it without reading: an
  // attention's destination and none of its inputs. (Uses in other blocks
  // have no order against the copy.)
  if (llvm::any_of(out.getUsers(), [&](Operation *u) { return u->getBlock() != op->getBlock(); }))
    return false;
  Operation *later = nullptr;
  for (Operation *user : out.getUsers())
    if (copy->isBeforeInBlock(user) && (!later || user->isBeforeInBlock(later)))
      later = user;
  auto overwriter = dyn_cast_or_null<FusedAttentionOp>(later);
  if (later && !(overwriter && llvm::is_contained(overwriter.getDpsInits(), out) &&
                 !llvm::is_contained(overwriter.getDpsInputs(), out)))
    return false;
  OpBuilder b(op);
  auto map = AffineMap::getPermutationMap(invertPermutationVector(copy.getPermutation()),
                                          op->getContext());
  init.set(memref::TransposeOp::create(b, copy.getLoc(), copy.getInit(), AffineMapAttr::get(map)));
  copy.erase();
  if (alloc->use_empty())
    alloc.erase();
  return true;
}

/// Replaces `op` (inputs, then destinations, all buffers) by a call of
/// `callee`: operands without unit inner strides go through contiguous
/// copies, destinations are copied back after the call.
void replaceByCall(DestinationStyleOpInterface op, func::FuncOp callee, FloatAttr scale,
                   int64_t blockRows) {
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
  args.push_back(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(blockRows)));
  func::CallOp::create(b, loc, callee, args);
  for (auto [from, to] : writeBack)
    linalg::CopyOp::create(b, loc, from, to);
  LLVM_DEBUG(llvm::dbgs() << callee.getName() << " call for " << *op << "\n");
  op->erase();
}

struct AmaeCpuAttentionToLibraryPass
    : impl::AmaeCpuAttentionToLibraryBase<AmaeCpuAttentionToLibraryPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (blockRows < 0 || blockRows % 8 || blockRows > 4096) {
      module.emitError() << "amae-cpu-attention-to-library: block-rows must be 0 or a multiple "
                            "of 8 up to 4096, got "
                         << static_cast<int64_t>(blockRows);
      return signalPassFailure();
    }
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
      // The transposes around attention (heads split off the qkv buffer and
      // merged back) become views of the kernel's operands.
      auto dps = cast<DestinationStyleOpInterface>(op);
      // Of the inputs only q: every block of query rows reads k and v again,
      // and the tiles' GEMMs run faster on them contiguous than through the
      // qkv buffer's row stride (base shapes, amae_attention alone: 3.14-3.23
      // ms a layer with k and v copied, 3.39-3.55 with them as views, the
      // copies 0.07 ms each), while q's rows are read once.
      for (OpOperand &operand : op->getOpOperands())
        if (dps.isDpsInit(&operand) ? foldOutputTranspose(op, operand)
                                    : operand.getOperandNumber() == 0 &&
                                          foldInputTranspose(op, operand))
          ++numFoldedTransposes;
      if (auto fwd = dyn_cast<FusedAttentionOp>(op)) {
        replaceByCall(fwd, declareKernel(module, kAttention, 4), fwd.getScaleAttr(), blockRows);
        ++numCalls;
      } else {
        auto grad = cast<FusedAttentionGradOp>(op);
        replaceByCall(grad, declareKernel(module, kAttentionGrad, 7), grad.getScaleAttr(),
                      blockRows);
        ++numGradCalls;
      }
    }
  }
};
} // namespace
} // namespace mlir::amae::cpu
