//===- LoweringUtils.cpp - Building blocks of the amae lowerings ----------===//

#include "passes/lowering/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

namespace mlir::amae {

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element ? element : b.getF32Type());
}

Value f32Const(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value asIndex(OpBuilder &b, Location loc, Value integer) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   float value) {
  return linalg::FillOp::create(b, loc, ValueRange{f32Const(b, loc, value)},
                                ValueRange{emptyTensor(b, loc, shape)})
      .getResult(0);
}

Value zeroTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  return linalg::FillOp::create(b, loc, ValueRange{zero},
                                ValueRange{emptyTensor(b, loc, shape, element)})
      .getResult(0);
}

Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
              BodyBuilder body) {
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               body(nb, nloc, args);
             })
      .getResult(0);
}

Value elementwise(OpBuilder &b, Location loc, ValueRange xs,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  unsigned rank = shapeOf(xs[0]).size();
  SmallVector<AffineMap> maps(xs.size() + 1, identity(b.getContext(), rank));
  return generic(b, loc, xs, emptyTensor(b, loc, shapeOf(xs[0])), maps, iterators(rank),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   yield(nb, l, fn(nb, l, a.drop_back()));
                 });
}

AffineMap pick(MLIRContext *ctx, unsigned rank, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap identity(MLIRContext *ctx, unsigned rank) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx);
}

SmallVector<utils::IteratorType> iterators(unsigned parallel, unsigned reduction) {
  SmallVector<utils::IteratorType> it(parallel, utils::IteratorType::parallel);
  it.append(reduction, utils::IteratorType::reduction);
  return it;
}

Value collapse(OpBuilder &b, Location loc, Value x,
               ArrayRef<ReassociationIndices> groups) {
  return tensor::CollapseShapeOp::create(b, loc, x, groups);
}

Value expand(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> shape,
             ArrayRef<ReassociationIndices> groups) {
  auto type = RankedTensorType::get(shape, cast<RankedTensorType>(x.getType()).getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, x, groups);
}

Value collapseLeading(OpBuilder &b, Location loc, Value x) {
  int64_t rank = shapeOf(x).size();
  if (rank == 2)
    return x;
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < rank; ++i)
    lead.push_back(i);
  return collapse(b, loc, x, {lead, {rank - 1}});
}

Value expandLeading(OpBuilder &b, Location loc, Value x2d,
                    ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  if (rank == 2)
    return x2d;
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < rank; ++i)
    lead.push_back(i);
  return expand(b, loc, x2d, shape, {lead, {rank - 1}});
}

Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  ArrayRef<int64_t> in = shapeOf(x);
  SmallVector<int64_t> out;
  for (int64_t p : perm)
    out.push_back(in[p]);
  return linalg::TransposeOp::create(b, loc, x, emptyTensor(b, loc, out), perm)
      .getResult()[0];
}

Value slice(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> offsets,
            ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> o, s, st;
  for (size_t i = 0; i < offsets.size(); ++i) {
    o.push_back(b.getIndexAttr(offsets[i]));
    s.push_back(b.getIndexAttr(sizes[i]));
    st.push_back(b.getIndexAttr(1));
  }
  return tensor::ExtractSliceOp::create(b, loc, x, o, s, st);
}

Value patchColumns(OpBuilder &b, Location loc, Value images, int64_t p) {
  ArrayRef<int64_t> s = shapeOf(images);
  Value x = expand(b, loc, images, {s[0], s[1], s[2] / p, p, s[3] / p, p},
                   {{0}, {1}, {2, 3}, {4, 5}});
  // (n, c, t, i, f, j) -> (n, t, f, c, i, j).
  x = transpose(b, loc, x, {0, 2, 4, 1, 3, 5});
  return collapse(b, loc, x, {{0, 1, 2}, {3, 4, 5}});
}

Value linearRows(OpBuilder &b, Location loc, Value x2d, Value weight, Value bias,
                 bool biasAfter) {
  MLIRContext *ctx = b.getContext();
  int64_t rows = shapeOf(x2d)[0], out = shapeOf(weight)[0];
  Value init;
  if (bias && !biasAfter) {
    init = generic(b, loc, bias, emptyTensor(b, loc, {rows, out}),
                   {pick(ctx, 2, {1}), identity(ctx, 2)}, iterators(2),
                   [](OpBuilder &nb, Location nloc, ValueRange a) {
                     linalg::YieldOp::create(nb, nloc, a[0]);
                   });
  } else {
    init = filledTensor(b, loc, {rows, out}, 0.0f);
  }
  Value y = generic(b, loc, {x2d, weight}, init,
                    {pick(ctx, 3, {0, 2}), pick(ctx, 3, {1, 2}), pick(ctx, 3, {0, 1})},
                    iterators(2, 1), [](OpBuilder &nb, Location nloc, ValueRange a) {
                      Value prod = arith::MulFOp::create(nb, nloc, a[0], a[1]);
                      linalg::YieldOp::create(
                          nb, nloc, arith::AddFOp::create(nb, nloc, a[2], prod).getResult());
                    });
  return y;
}

Value addBiasLastDim(OpBuilder &b, Location loc, Value y, Value bias) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(y);
  unsigned rank = shape.size();
  return generic(b, loc, {y, bias}, emptyTensor(b, loc, shape),
                 {identity(ctx, rank), pick(ctx, rank, {rank - 1}), identity(ctx, rank)},
                 iterators(rank), [](OpBuilder &nb, Location nloc, ValueRange a) {
                   linalg::YieldOp::create(
                       nb, nloc, arith::AddFOp::create(nb, nloc, a[0], a[1]).getResult());
                 });
}

Value softmaxLastDim(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  SmallVector<int64_t> rowShape(shape.drop_back());
  SmallVector<unsigned> rowDims;
  for (unsigned i = 0; i + 1 < rank; ++i)
    rowDims.push_back(i);
  AffineMap all = identity(ctx, rank), row = pick(ctx, rank, rowDims);

  Value max = generic(b, loc, x,
                      filledTensor(b, loc, rowShape,
                                   -std::numeric_limits<float>::infinity()),
                      {all, row}, iterators(rank - 1, 1),
                      [](OpBuilder &nb, Location nloc, ValueRange a) {
                        linalg::YieldOp::create(
                            nb, nloc, arith::MaximumFOp::create(nb, nloc, a[0], a[1]).getResult());
                      });
  Value exp = generic(b, loc, {x, max}, emptyTensor(b, loc, shape),
                      {all, row, all}, iterators(rank),
                      [](OpBuilder &nb, Location nloc, ValueRange a) {
                        Value d = arith::SubFOp::create(nb, nloc, a[0], a[1]);
                        linalg::YieldOp::create(nb, nloc,
                                                math::ExpOp::create(nb, nloc, d).getResult());
                      });
  Value sum = generic(b, loc, exp, filledTensor(b, loc, rowShape, 0.0f),
                      {all, row}, iterators(rank - 1, 1),
                      [](OpBuilder &nb, Location nloc, ValueRange a) {
                        linalg::YieldOp::create(
                            nb, nloc, arith::AddFOp::create(nb, nloc, a[0], a[1]).getResult());
                      });
  return generic(b, loc, {exp, sum}, emptyTensor(b, loc, shape),
                 {all, row, all}, iterators(rank),
                 [](OpBuilder &nb, Location nloc, ValueRange a) {
                   linalg::YieldOp::create(
                       nb, nloc, arith::DivFOp::create(nb, nloc, a[0], a[1]).getResult());
                 });
}

/// out[b..., x, y] = sum_r lhs[b..., lhsTail] * rhs[b..., rhsTail] over
/// loops (b..., x, y, r); the tails name two of the loops x = nb, y = nb + 1,
/// r = nb + 2 for the last two dims of each operand.
Value batchedContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         ArrayRef<int64_t> outShape, std::array<unsigned, 2> lhsTail,
                         std::array<unsigned, 2> rhsTail) {
  MLIRContext *ctx = b.getContext();
  unsigned nb = outShape.size() - 2, loops = nb + 3;
  auto dims = [&](std::array<unsigned, 2> tail) {
    SmallVector<unsigned> all;
    for (unsigned d = 0; d < nb; ++d)
      all.push_back(d);
    all.push_back(nb + tail[0]);
    all.push_back(nb + tail[1]);
    return pick(ctx, loops, all);
  };
  return generic(b, loc, {lhs, rhs}, filledTensor(b, loc, outShape, 0.0f),
                 {dims(lhsTail), dims(rhsTail), dims({0, 1})}, iterators(nb + 2, 1),
                 [](OpBuilder &nb, Location l, ValueRange a) {
                   Value prod = arith::MulFOp::create(nb, l, a[0], a[1]);
                   linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, a[2], prod).getResult());
                 });
}

/// probs v: (..., i, j) x (..., j, e) -> (..., i, e).
Value weightedSum(OpBuilder &b, Location loc, Value probs, Value v) {
  SmallVector<int64_t> outShape(shapeOf(probs).drop_back());
  outShape.push_back(shapeOf(v).back());
  return batchedContraction(b, loc, probs, v, outShape, {0, 2}, {2, 1});
}

/// q k^T over the last dims: (..., i, e) x (..., j, e) -> (..., i, j).
Value dotProducts(OpBuilder &b, Location loc, Value q, Value k) {
  ArrayRef<int64_t> ks = shapeOf(k);
  SmallVector<int64_t> outShape(shapeOf(q).drop_back());
  outShape.push_back(ks[ks.size() - 2]);
  return batchedContraction(b, loc, q, k, outShape, {0, 2}, {1, 2});
}

Value insert(OpBuilder &b, Location loc, Value source, Value dest,
             ArrayRef<int64_t> offsets) {
  SmallVector<OpFoldResult> o, s, st;
  for (size_t i = 0; i < offsets.size(); ++i) {
    o.push_back(b.getIndexAttr(offsets[i]));
    s.push_back(b.getIndexAttr(shapeOf(source)[i]));
    st.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, loc, source, dest, o, s, st);
}

} // namespace mlir::amae
