//===- ContractionsToBlas.cpp - Matmul-shaped linalg.generic to a BLAS ----===//

#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAECONTRACTIONSTOBLAS
#include "passes/Passes.h.inc"

namespace {

constexpr StringLiteral kGemm = "amae_gemm", kDgemm = "amae_dgemm";

/// A matmul-shaped contraction: loops (b..., i, j, k) with k the only
/// reduction, A[b..., i, k] or A[b..., k, i] (transposed), B[b..., j, k]
/// (transposed) or B[b..., k, j], C[b..., i, j], and a body `out + a * b`.
struct Contraction {
  unsigned batchDims;
  bool transA, transB;
};

/// Dims of `map` as loop positions, or empty if not a projected permutation.
SmallVector<unsigned> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return {};
    dims.push_back(d.getPosition());
  }
  return dims;
}

std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op->getNumResults())
    return std::nullopt;
  unsigned loops = op.getNumLoops();
  if (loops < 3 || op.getNumReductionLoops() != 1)
    return std::nullopt;
  // The reduction is the last loop; (i, j) are the two before it, possibly
  // listed as (i, j, k) or (i, k-as-j...) by the lowering: find k by type.
  auto iters = op.getIteratorTypesArray();
  if (iters.back() != utils::IteratorType::reduction)
    return std::nullopt;
  unsigned nb = loops - 3, k = loops - 1;
  SmallVector<unsigned> a = dimsOf(op.getIndexingMapsArray()[0]);
  SmallVector<unsigned> b = dimsOf(op.getIndexingMapsArray()[1]);
  SmallVector<unsigned> c = dimsOf(op.getIndexingMapsArray()[2]);
  if (a.size() != nb + 2 || b.size() != nb + 2 || c.size() != nb + 2)
    return std::nullopt;
  for (unsigned d = 0; d < nb; ++d)
    if (a[d] != d || b[d] != d || c[d] != d)
      return std::nullopt;
  unsigned i = nb, j = nb + 1;
  if (c[nb] != i || c[nb + 1] != j)
    return std::nullopt;
  bool transA;
  if (a[nb] == i && a[nb + 1] == k)
    transA = false;
  else if (a[nb] == k && a[nb + 1] == i)
    transA = true; // dW = dy^T x in the backward of linear.
  else
    return std::nullopt;
  bool transB;
  if (b[nb] == j && b[nb + 1] == k)
    transB = true;
  else if (b[nb] == k && b[nb + 1] == j)
    transB = false;
  else
    return std::nullopt;
  // Body: yield(addf(out, mulf(a, b))).
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return std::nullopt;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  auto add = dyn_cast<arith::AddFOp>(mul ? mul->getNextNode() : nullptr);
  if (!mul || !add)
    return std::nullopt;
  Value in0 = body.getArgument(0), in1 = body.getArgument(1), out = body.getArgument(2);
  bool mulOk = (mul.getLhs() == in0 && mul.getRhs() == in1) ||
               (mul.getLhs() == in1 && mul.getRhs() == in0);
  bool addOk = (add.getLhs() == out && add.getRhs() == mul) ||
               (add.getLhs() == mul && add.getRhs() == out);
  if (!mulOk || !addOk || !(out.getType().isF32() || out.getType().isF64()))
    return std::nullopt;
  return Contraction{nb, transA, transB};
}

/// A rank-3 view of `buffer`: batch dims collapsed, or a unit batch added.
FailureOr<Value> rank3View(OpBuilder &b, Location loc, Value buffer, unsigned nb) {
  auto type = cast<MemRefType>(buffer.getType());
  int64_t offset;
  SmallVector<int64_t> strides;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return failure();
  Value view = buffer;
  if (nb == 0) {
    view = memref::ExpandShapeOp::create(
        b, loc, SmallVector<int64_t>{1, type.getDimSize(0), type.getDimSize(1)}, buffer,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
  } else if (nb > 1) {
    ReassociationIndices batch;
    for (unsigned d = 0; d < nb; ++d)
      batch.push_back(d);
    SmallVector<ReassociationIndices> groups = {batch, {nb}, {nb + 1}};
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
      return failure();
    view = memref::CollapseShapeOp::create(b, loc, buffer, groups);
  }
  auto dynamic = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
      type.getElementType(),
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic}));
  return memref::CastOp::create(b, loc, dynamic, view).getResult();
}

/// `v` with reshapes and casts (views of the whole buffer) looked through;
/// with `subviews`, partial views too.
Value bufferOf(Value v, bool subviews) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp>(def) ||
        (subviews && isa<memref::SubViewOp>(def)))
      v = def->getOperand(0);
    else
      break;
  }
  return v;
}

/// The `linalg.fill` of +0.0 that writes the whole of `op`'s output just
/// before it, with nothing touching that buffer in between: the GEMM may then
/// overwrite its output (beta 0) and the fill goes.
linalg::FillOp zeroFillBefore(linalg::GenericOp op) {
  Value out = op.getDpsInits()[0];
  if (bufferOf(out, true) != bufferOf(out, false))
    return {};
  Value buffer = bufferOf(out, false);
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    auto touches = [&](Operation *o) {
      return llvm::any_of(o->getOperands(), [&](Value v) {
        return isa<BaseMemRefType>(v.getType()) && bufferOf(v, true) == buffer;
      });
    };
    if (auto fill = dyn_cast<linalg::FillOp>(prev)) {
      Value filled = fill.getOutputs()[0];
      if (bufferOf(filled, true) != buffer)
        continue;
      bool whole = bufferOf(filled, false) == buffer;
      return whole && matchPattern(fill.getInputs()[0], m_PosZeroFloat()) ? fill
                                                                          : linalg::FillOp();
    }
    // Views of the buffer do not touch its memory; anything else using it does.
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp,
            memref::SubViewOp>(prev) ||
        !touches(prev))
      continue;
    return {};
  }
  return {};
}

struct AmaeContractionsToBlasPass
    : impl::AmaeContractionsToBlasBase<AmaeContractionsToBlasPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(&getContext());
    // sgemm for the model's float32 matmuls, dgemm for the fbank's float64 DFT.
    llvm::DenseMap<Type, func::FuncOp> gemms;
    auto declareGemm = [&](Type memref) {
      func::FuncOp &gemm = gemms[memref];
      if (gemm)
        return gemm;
      bool f32 = cast<MemRefType>(memref).getElementType().isF32();
      OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
      gemm = func::FuncOp::create(
          top, module.getLoc(), f32 ? kGemm : kDgemm,
          top.getFunctionType({memref, memref, memref, top.getI64Type()}, {}));
      gemm.setPrivate();
      gemm->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
      return gemm;
    };

    SmallVector<std::pair<linalg::GenericOp, Contraction>> matches;
    module.walk([&](linalg::GenericOp op) {
      if (auto c = matchContraction(op))
        matches.push_back({op, *c});
    });
    for (auto [op, c] : matches) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      FailureOr<Value> a = rank3View(b, loc, op.getDpsInputs()[0], c.batchDims);
      FailureOr<Value> bb = rank3View(b, loc, op.getDpsInputs()[1], c.batchDims);
      FailureOr<Value> out = rank3View(b, loc, op.getDpsInits()[0], c.batchDims);
      if (failed(a) || failed(bb) || failed(out))
        continue; // The dead views fold away; the loops stay.
      func::FuncOp gemm = declareGemm(a->getType());
      // Bit 0: B transposed, bit 1: A transposed, bit 2: C overwritten.
      linalg::FillOp zero = zeroFillBefore(op);
      Value trans = arith::ConstantOp::create(
          b, loc,
          b.getI64IntegerAttr(int64_t(c.transB) | (int64_t(c.transA) << 1) |
                              (int64_t(bool(zero)) << 2)));
      if (zero)
        zero.erase();
      func::CallOp::create(b, loc, gemm, ValueRange{*a, *bb, *out, trans});
      op.erase();
    }
  }
};
} // namespace
} // namespace mlir::amae
