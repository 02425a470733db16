//===- LowerMaskingOps.cpp - positions, tokens, masking and gathers -------===//
//
// Masking needs argsort; the lowering computes it as ranks instead:
// rank[i] = #{j : noise[j] < noise[i] or (noise[j] == noise[i] and j < i)}
// is a reduction (O(L^2), trivial next to the encoder), and it is both
// `ids_restore` and the inverse of `ids_shuffle` of a stable argsort.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/AmaeOps.h"
#include "dialects/Amae/ModelMath.h"
#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::amae {
namespace {


struct LowerAddPosition : OpConversionPattern<AddPositionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AddPositionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    Value rows = slice(b, loc, adaptor.getTable(), {0, static_cast<int64_t>(op.getOffset()), 0},
                       {1, s[1], s[2]});
    rows = collapse(b, loc, rows, {{0, 1}, {2}});
    b.replaceOp(op, generic(b, loc, {adaptor.getInput(), rows}, emptyTensor(b, loc, s),
                            {identity(ctx, 3), pick(ctx, 3, {1, 2}), identity(ctx, 3)},
                            iterators(3), [](OpBuilder &nb, Location l, ValueRange a) {
                              linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, a[0], a[1]).getResult());
                            }));
    return success();
  }
};

struct LowerPrependToken : OpConversionPattern<PrependTokenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PrependTokenOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getInput());
    Value token = collapse(b, loc, adaptor.getToken(), {{0, 1, 2}});
    Value tokens = generic(b, loc, token, emptyTensor(b, loc, {s[0], 1, s[2]}),
                           {pick(ctx, 3, {2}), identity(ctx, 3)}, iterators(3),
                           [](OpBuilder &nb, Location l, ValueRange a) {
                             linalg::YieldOp::create(nb, l, a[0]);
                           });
    Value out = emptyTensor(b, loc, shapeOf(op.getResult()));
    out = insert(b, loc, tokens, out, {0, 0, 0});
    b.replaceOp(op, insert(b, loc, adaptor.getInput(), out, {0, 1, 0}));
    return success();
  }
};

/// result[n, k, d] = x[n, ids[n, k], d].
Value gatherRows(OpBuilder &b, Location loc, Value x, Value ids) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = shapeOf(x), is = shapeOf(ids);
  return generic(b, loc, ids, emptyTensor(b, loc, {xs[0], is[1], xs[2]}),
                 {pick(ctx, 3, {0, 1}), identity(ctx, 3)}, iterators(3),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value n = linalg::IndexOp::create(nb, l, 0);
                   Value d = linalg::IndexOp::create(nb, l, 2);
                   Value v = tensor::ExtractOp::create(nb, l, x, ValueRange{n, asIndex(nb, l, a[0]), d});
                   linalg::YieldOp::create(nb, l, v);
                 });
}

struct LowerUnshuffle : OpConversionPattern<UnshuffleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(UnshuffleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> vis = shapeOf(op.getVisible());
    int64_t kept = vis[1];
    Value visible = adaptor.getVisible();
    Value token = collapse(b, loc, adaptor.getMaskToken(), {{0, 1, 2}});
    b.replaceOp(op, generic(
        b, loc, {adaptor.getIdsRestore(), token}, emptyTensor(b, loc, shapeOf(op.getResult())),
        {pick(ctx, 3, {0, 1}), pick(ctx, 3, {2}), identity(ctx, 3)}, iterators(3),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          // Clamp so the load stays in bounds; the select picks the token.
          Value r = asIndex(nb, l, a[0]);
          Value last = indexConst(nb, l, kept - 1);
          Value isVisible = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, r,
                                                  indexConst(nb, l, kept));
          Value safe = arith::MinUIOp::create(nb, l, r, last);
          Value v = tensor::ExtractOp::create(
              nb, l, visible,
              ValueRange{linalg::IndexOp::create(nb, l, 0), safe, linalg::IndexOp::create(nb, l, 2)});
          linalg::YieldOp::create(nb, l, arith::SelectOp::create(nb, l, isVisible, v, a[1]).getResult());
        }));
    return success();
  }
};

/// rank[n, i] of noise[n, :] (ascending, ties by index), as i64.
Value ranks(OpBuilder &b, Location loc, Value noise) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> s = shapeOf(noise);
  Value zeros = zeroTensor(b, loc, s, b.getI64Type());
  // Loops (n, i, j).
  return generic(b, loc, {noise, noise}, zeros,
                 {pick(ctx, 3, {0, 1}), pick(ctx, 3, {0, 2}), pick(ctx, 3, {0, 1})},
                 iterators(2, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                   Value i = linalg::IndexOp::create(nb, l, 1);
                   Value j = linalg::IndexOp::create(nb, l, 2);
                   Value less = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, a[1], a[0]);
                   Value equal = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, a[1], a[0]);
                   Value before = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, j, i);
                   Value counts = arith::OrIOp::create(nb, l, less,
                                                       arith::AndIOp::create(nb, l, equal, before));
                   Value one = arith::ExtUIOp::create(nb, l, nb.getI64Type(), counts);
                   linalg::YieldOp::create(nb, l, arith::AddIOp::create(nb, l, a[2], one).getResult());
                 });
}

/// The first `kept` entries of argsort: ids[n, k] = the i with rank k.
Value firstByRank(OpBuilder &b, Location loc, Value rank, int64_t kept) {
  MLIRContext *ctx = b.getContext();
  int64_t n = shapeOf(rank)[0];
  Value zeros = zeroTensor(b, loc, {n, kept}, b.getI64Type());
  // Loops (n, k, i).
  return generic(b, loc, rank, zeros, {pick(ctx, 3, {0, 2}), pick(ctx, 3, {0, 1})},
                 iterators(2, 1), [](OpBuilder &nb, Location l, ValueRange a) {
                   Value k = arith::IndexCastOp::create(nb, l, nb.getI64Type(), linalg::IndexOp::create(nb, l, 1));
                   Value i = arith::IndexCastOp::create(nb, l, nb.getI64Type(), linalg::IndexOp::create(nb, l, 2));
                   Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[0], k);
                   Value add = arith::SelectOp::create(nb, l, hit, i,
                                                       arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(0)));
                   linalg::YieldOp::create(nb, l, arith::AddIOp::create(nb, l, a[1], add).getResult());
                 });
}

struct LowerRandomMasking : OpConversionPattern<RandomMaskingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RandomMaskingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    int64_t kept = shapeOf(op.getKept())[1];
    Value rank = ranks(b, loc, adaptor.getNoise());
    Value idsKeep = firstByRank(b, loc, rank, kept);
    Value keptTokens = gatherRows(b, loc, adaptor.getInput(), idsKeep);
    Value mask = generic(b, loc, rank, emptyTensor(b, loc, shapeOf(op.getMask())),
                         {identity(ctx, 2), identity(ctx, 2)}, iterators(2),
                         [&](OpBuilder &nb, Location l, ValueRange a) {
                           Value removed = arith::CmpIOp::create(
                               nb, l, arith::CmpIPredicate::sge, a[0],
                               arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(kept)));
                           linalg::YieldOp::create(
                               nb, l, arith::UIToFPOp::create(nb, l, nb.getF32Type(), removed).getResult());
                         });
    b.replaceOp(op, {keptTokens, mask, rank, idsKeep});
    return success();
  }
};

struct LowerTimeFreqMasking : OpConversionPattern<TimeFreqMaskingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TimeFreqMaskingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> in = shapeOf(op.getInput());
    int64_t gridF = shapeOf(op.getNoiseF())[1];
    int64_t keptT = shapeOf(op.getKeepT())[1], keptF = shapeOf(op.getKeepF())[1];
    Value keepT = firstByRank(b, loc, ranks(b, loc, adaptor.getNoiseT()), keptT);
    Value keepF = firstByRank(b, loc, ranks(b, loc, adaptor.getNoiseF()), keptF);
    Value x = adaptor.getInput();
    // Loops (n, a, c, d): kept time row a, kept frequency column c.
    Value kept = generic(
        b, loc, {keepT, keepF}, emptyTensor(b, loc, {in[0], keptT, keptF, in[2]}),
        {pick(ctx, 4, {0, 1}), pick(ctx, 4, {0, 2}), identity(ctx, 4)}, iterators(4),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value t = asIndex(nb, l, a[0]), f = asIndex(nb, l, a[1]);
          Value token = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, t, indexConst(nb, l, gridF)), f);
          Value v = tensor::ExtractOp::create(
              nb, l, x,
              ValueRange{linalg::IndexOp::create(nb, l, 0), token, linalg::IndexOp::create(nb, l, 3)});
          linalg::YieldOp::create(nb, l, v);
        });
    b.replaceOp(op, {collapse(b, loc, kept, {{0}, {1, 2}, {3}}), keepT, keepF});
    return success();
  }
};

} // namespace

void populateLowerMaskingOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAddPosition, LowerPrependToken, LowerUnshuffle,
               LowerRandomMasking, LowerTimeFreqMasking>(patterns.getContext());
}

} // namespace mlir::amae
