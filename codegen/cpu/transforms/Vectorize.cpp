//===- Vectorize.cpp - Elementwise kernels and row reductions as vectors --===//
//
// A bufferized linalg.generic whose innermost loop walks its operands with
// unit stride becomes loops over the other dimensions around a loop over
// `vector-size` lanes of the innermost one, the body's scalar ops applied to
// vector<NxT> values (vector.transfer_read/write, masked for the last partial
// chunk). A row reduction (innermost loop a reduction: the sums of a layer
// norm, the max and sum of a softmax) keeps one partial result per lane and
// combines the lanes once per row: LLVM's loop vectorizer cannot do that
// (it may not reassociate float sums), so it ran those loops one add at a
// time. Everything else (fills, copies, transposes, gathers) is left to
// convert-linalg-to-loops and LLVM.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/transforms/CpuPasses.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "amae-cpu-vectorize"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUVECTORIZE
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {

/// The lane-wise identity of a float reduction, or null for one we leave.
TypedAttr identityOf(vector::CombiningKind kind, FloatType type) {
  const llvm::fltSemantics &sem = type.getFloatSemantics();
  switch (kind) {
  case vector::CombiningKind::ADD:
    return FloatAttr::get(type, llvm::APFloat::getZero(sem));
  case vector::CombiningKind::MUL:
    return FloatAttr::get(type, llvm::APFloat::getOne(sem));
  case vector::CombiningKind::MAXIMUMF:
  case vector::CombiningKind::MAXNUMF:
    return FloatAttr::get(type, llvm::APFloat::getInf(sem, /*Negative=*/true));
  case vector::CombiningKind::MINIMUMF:
  case vector::CombiningKind::MINNUMF:
    return FloatAttr::get(type, llvm::APFloat::getInf(sem, /*Negative=*/false));
  default:
    return nullptr;
  }
}

/// What a vectorizable generic reduces along its innermost loop: the
/// combiner (`out = combiner(x, out)`) and its kind.
struct RowReduction {
  Operation *combiner = nullptr;
  Value term; // x
  vector::CombiningKind kind;
  TypedAttr identity;
};

/// Whether `op` can be vectorized along its innermost loop, and if that
/// loop is a reduction, how.
LogicalResult analyze(linalg::GenericOp op, int64_t vectorSize,
                      std::optional<RowReduction> &reduction) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 || op.hasIndexSemantics())
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.back() < vectorSize)
    return failure();
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!type || !map.isProjectedPermutation())
      return failure();
    if (!map.isFunctionOfDim(inner))
      continue; // the same value for every lane: one load, broadcast
    // The innermost loop must walk the operand's last dimension, contiguous.
    if (map.getResult(map.getNumResults() - 1) != getAffineDimExpr(inner, op.getContext()))
      return failure();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
      return failure();
  }
  Block &body = op.getRegion().front();
  for (Operation &inst : body.without_terminator()) {
    if (inst.getNumRegions() || inst.getNumResults() != 1 ||
        !(inst.hasTrait<OpTrait::Elementwise>() || inst.hasTrait<OpTrait::ConstantLike>()))
      return failure();
    for (Type t : llvm::concat<Type>(inst.getOperandTypes(), inst.getResultTypes()))
      if (!t.isIntOrFloat())
        return failure(); // index values, vectors: leave them to LLVM
  }
  if (op.getIteratorTypesArray()[inner] == utils::IteratorType::parallel) {
    // Every output must take one value per lane.
    for (OpOperand &out : op.getDpsInitsMutable())
      if (!op.getMatchingIndexingMap(&out).isFunctionOfDim(inner))
        return failure();
    return success();
  }
  // A row reduction: one output, `out = combiner(x, out)` the only use of out.
  if (op.getNumDpsInits() != 1)
    return failure();
  BlockArgument out = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  Operation *combiner = op.getMatchingYieldValue(op.getDpsInitOperand(0))->get().getDefiningOp();
  if (!combiner || combiner->getBlock() != &body || !out.hasOneUse() ||
      combiner->getNumOperands() != 2 || out.getUses().begin()->getOwner() != combiner)
    return failure();
  std::optional<vector::CombiningKind> kind = linalg::getCombinerOpKind(combiner);
  auto floatType = dyn_cast<FloatType>(out.getType());
  if (!kind || !floatType)
    return failure();
  TypedAttr identity = identityOf(*kind, floatType);
  if (!identity)
    return failure();
  Value term = combiner->getOperand(combiner->getOperand(0) == out ? 1 : 0);
  reduction = RowReduction{combiner, term, *kind, identity};
  return success();
}

/// Emits the vectorized form of `op` at the rewriter's insertion point.
class Vectorizer {
public:
  Vectorizer(RewriterBase &rewriter, linalg::GenericOp op, int64_t vectorSize,
             std::optional<RowReduction> reduction)
      : b(rewriter), op(op), lanes(vectorSize), reduction(reduction),
        inner(op.getNumLoops() - 1), ranges(op.getStaticLoopRanges()) {
    // What differs from lane to lane: the operands the innermost loop
    // indexes and whatever the body computes from them.
    Block &body = op.getRegion().front();
    for (OpOperand &operand : op->getOpOperands())
      if (varies(&operand))
        varying.insert(body.getArgument(operand.getOperandNumber()));
    for (Operation &inst : body.without_terminator())
      if (llvm::any_of(inst.getOperands(), [&](Value v) { return varying.contains(v); }))
        varying.insert(inst.result_begin(), inst.result_end());
  }

  void emit(bool threads) {
    Location loc = op.getLoc();
    ivs.assign(op.getNumLoops(), Value());
    // Leading parallel loops as one scf.parallel when the kernel is worth
    // the threads (enough of them for kParallelChunks pieces), the rest scf.for.
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    unsigned keep = 0;
    int64_t product = 1;
    while (threads && keep < inner && product < kParallelChunks &&
           iterators[keep] == utils::IteratorType::parallel)
      product *= ranges[keep++];
    if (keep > 0) {
      SmallVector<Value> lbs, ubs, steps;
      for (unsigned d = 0; d < keep; ++d) {
        lbs.push_back(index(0));
        ubs.push_back(index(ranges[d]));
        steps.push_back(index(1));
      }
      auto loop = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
      for (unsigned d = 0; d < keep; ++d)
        ivs[d] = loop.getInductionVars()[d];
      b.setInsertionPointToStart(loop.getBody());
    }
    for (unsigned d = keep; d < inner; ++d) {
      auto loop = scf::ForOp::create(b, loc, index(0), index(ranges[d]), index(1));
      ivs[d] = loop.getInductionVar();
      b.setInsertionPointToStart(loop.getBody());
    }
    // What is the same for all lanes is loaded and computed once per row.
    mapUniform();
    // The lanes: whole vectors, then one masked chunk for what is left.
    int64_t whole = ranges[inner] / lanes * lanes, rest = ranges[inner] - whole;
    if (!reduction) {
      if (whole) {
        auto loop = scf::ForOp::create(b, loc, index(0), index(whole), index(lanes));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        writeChunk(loop.getInductionVar(), /*partial=*/false);
      }
      if (rest)
        writeChunk(index(whole), /*partial=*/true);
      return;
    }
    // A row reduction: lane-wise partials from the identity, then one
    // combination of the lanes with the output's previous value.
    Value acc = identityLanes();
    if (whole) {
      auto loop = scf::ForOp::create(
          b, loc, index(0), index(whole), index(lanes), ValueRange{acc},
          [&](OpBuilder &, Location, Value j, ValueRange args) {
            Value next = combine(args[0], term(j, /*partial=*/false));
            scf::YieldOp::create(b, loc, next);
          });
      acc = loop.getResult(0);
    }
    if (rest)
      acc = combine(acc, term(index(whole), /*partial=*/true));
    OpOperand *init = op.getDpsInitOperand(0);
    SmallVector<Value> at = indices(init);
    Value previous = memref::LoadOp::create(b, loc, init->get(), at);
    Value row = vector::ReductionOp::create(b, loc, reduction->kind, acc, previous);
    memref::StoreOp::create(b, loc, row, init->get(), at);
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, op.getLoc(), v); }

  VectorType vectorType(Type element) { return VectorType::get({lanes}, element); }

  /// The memref indices of `operand` in the current iteration.
  SmallVector<Value> indices(OpOperand *operand) {
    SmallVector<Value> result;
    for (AffineExpr e : op.getMatchingIndexingMap(operand).getResults())
      result.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    return result;
  }

  bool varies(OpOperand *operand) {
    return op.getMatchingIndexingMap(operand).isFunctionOfDim(inner);
  }

  /// Loads the operands the innermost loop does not index and clones the
  /// body's ops that use only them, as scalars, into `uniform`.
  void mapUniform() {
    Block &body = op.getRegion().front();
    for (OpOperand &operand : op->getOpOperands()) {
      BlockArgument arg = body.getArgument(operand.getOperandNumber());
      if (!varies(&operand) && !arg.use_empty() && !isReductionOutput(arg))
        uniform.map(arg, memref::LoadOp::create(b, op.getLoc(), operand.get(),
                                                indices(&operand)));
    }
    for (Operation &inst : body.without_terminator())
      if (!varying.contains(inst.getResult(0)) &&
          (!reduction || &inst != reduction->combiner))
        b.clone(inst, uniform);
  }

  bool isReductionOutput(BlockArgument arg) {
    return reduction && arg == op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  }

  /// Maps the body's block arguments for the chunk at lane offset `j`: the
  /// operands along the innermost loop as vectors (out-of-bounds lanes of a
  /// partial chunk read as zero and are never stored).
  void readOperands(Value j, bool partial, IRMapping &map) {
    Location loc = op.getLoc();
    ivs[inner] = j;
    map = uniform;
    Block &body = op.getRegion().front();
    for (OpOperand &operand : op->getOpOperands()) {
      BlockArgument arg = body.getArgument(operand.getOperandNumber());
      if (arg.use_empty() || !varies(&operand))
        continue;
      SmallVector<Value> at = indices(&operand);
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(arg.getType()));
      map.map(arg, vector::TransferReadOp::create(b, loc, vectorType(arg.getType()),
                                                  operand.get(), at, zero,
                                                  ArrayRef<bool>{!partial}));
    }
  }

  /// `v` as a vector: lane values stay, a scalar is broadcast.
  Value lanesOf(Value v) {
    if (isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(b, op.getLoc(), vectorType(v.getType()), v);
  }

  /// Clones the body's lane-varying ops but `stop` as their vector forms
  /// (the others are in `uniform` already).
  void cloneBody(IRMapping &map, Operation *stop) {
    for (Operation &inst : op.getRegion().front().without_terminator()) {
      if (&inst == stop || !varying.contains(inst.getResult(0)))
        continue;
      // A clone keeps the op's properties (fastmath flags, predicates).
      IRMapping local = map;
      for (Value v : inst.getOperands())
        local.map(v, lanesOf(map.lookupOrDefault(v)));
      Operation *vec = b.clone(inst, local);
      for (OpResult r : vec->getResults())
        r.setType(vectorType(r.getType()));
      map.map(inst.getResults(), vec->getResults());
    }
  }

  /// Writes the outputs of the chunk at `j` (parallel innermost loop).
  void writeChunk(Value j, bool partial) {
    IRMapping map;
    readOperands(j, partial, map);
    cloneBody(map, nullptr);
    auto yield = cast<linalg::YieldOp>(op.getRegion().front().getTerminator());
    for (OpOperand &out : op.getDpsInitsMutable()) {
      Value v = lanesOf(map.lookupOrDefault(yield.getOperand(out.getOperandNumber() -
                                                             op.getNumDpsInputs())));
      vector::TransferWriteOp::create(b, op.getLoc(), v, out.get(), indices(&out),
                                      ArrayRef<bool>{!partial});
    }
  }

  /// The reduction's term for the chunk at `j` as lanes; in a partial chunk
  /// the lanes past the end hold the identity.
  Value term(Value j, bool partial) {
    IRMapping map;
    readOperands(j, partial, map);
    cloneBody(map, reduction->combiner);
    Value x = lanesOf(map.lookupOrDefault(reduction->term));
    if (!partial)
      return x;
    Location loc = op.getLoc();
    int64_t rest = ranges[inner] % lanes;
    Value mask = vector::CreateMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()), ValueRange{index(rest)});
    return arith::SelectOp::create(b, loc, mask, x, identityLanes());
  }

  /// The reduction's identity in every lane.
  Value identityLanes() {
    return lanesOf(arith::ConstantOp::create(b, op.getLoc(), reduction->identity));
  }

  /// `combiner(acc, x)` on lanes, a clone of the combiner (its fastmath
  /// flags included) with the output's place taken by the partials.
  Value combine(Value acc, Value x) {
    Operation *c = reduction->combiner;
    IRMapping map;
    map.map(c->getOperand(0), c->getOperand(0) == reduction->term ? x : acc);
    map.map(c->getOperand(1), c->getOperand(1) == reduction->term ? x : acc);
    Operation *vec = b.clone(*c, map);
    vec->getResult(0).setType(acc.getType());
    return vec->getResult(0);
  }

  RewriterBase &b;
  linalg::GenericOp op;
  int64_t lanes;
  std::optional<RowReduction> reduction;
  unsigned inner;
  SmallVector<int64_t> ranges;
  SmallVector<Value> ivs;
  DenseSet<Value> varying;
  IRMapping uniform;
};

struct AmaeCpuVectorizePass : impl::AmaeCpuVectorizeBase<AmaeCpuVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorSize < 2) {
      getOperation().emitError("amae-cpu-vectorize: vector-size must be at least 2, got ")
          << vectorSize.getValue();
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::GenericOp, std::optional<RowReduction>>> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      std::optional<RowReduction> reduction;
      if (succeeded(analyze(op, vectorSize, reduction)))
        candidates.emplace_back(op, reduction);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, reduction] : candidates) {
      int64_t points = iterationCount(op.getStaticLoopRanges());
      // Inside an scf.parallel already (amae-cpu-interchange's column
      // strips): the loops stay sequential.
      bool threads = minIterations > 0 && points >= minIterations &&
                     !op->getParentOfType<scf::ParallelOp>();
      rewriter.setInsertionPoint(op);
      Vectorizer(rewriter, op, vectorSize, reduction).emit(threads);
      rewriter.eraseOp(op);
      ++numVectorized;
      if (reduction)
        ++numRowReductions;
      LLVM_DEBUG(llvm::dbgs() << "vectorized " << (reduction ? "a row reduction" : "a kernel")
                              << (threads ? " on the threads\n" : "\n"));
    }
  }
};

} // namespace
} // namespace mlir::amae::cpu
