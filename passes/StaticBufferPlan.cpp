//===- StaticBufferPlan.cpp - One arena per graph, offsets at compile time ===//
//
// Placement is the greedy-by-size heuristic (largest buffer first, lowest
// free offset among the buffers live at the same time): the arena usually
// comes within a few percent of the peak of live bytes, and a graph's few
// thousand buffers place in milliseconds. Lifetimes are positions in the
// graph's top-level block; amae-shrink-buffer-lifetimes has put each dealloc
// after the last use of the buffer and of every view of it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "amae-static-buffer-plan"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAESTATICBUFFERPLAN
#include "passes/Passes.h.inc"

namespace {

constexpr int64_t kAlign = 64;

struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  unsigned begin, end; // positions of alloc and dealloc
  int64_t bytes, offset = -1;
};

/// Bytes of a plannable buffer type: static, identity layout, a whole
/// number of bytes per element (a view of i8 memory needs one).
std::optional<int64_t> plannableBytes(MemRefType type) {
  if (!type.getLayout().isIdentity() || type.getElementTypeBitWidth() % 8 ||
      type.getMemorySpace())
    return std::nullopt;
  return staticBufferBytes(type);
}

/// The one top-level dealloc of `alloc`, if no other op frees it or any view
/// of it and no view escapes through the terminator.
memref::DeallocOp soleDealloc(memref::AllocOp alloc, Block &block) {
  memref::DeallocOp found;
  SmallVector<Value> worklist = {alloc.getResult()};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (Operation *user : v.getUsers()) {
      if (auto d = dyn_cast<memref::DeallocOp>(user)) {
        if (found || d->getBlock() != &block || v != alloc.getResult())
          return {};
        found = d;
        continue;
      }
      if (user->hasTrait<OpTrait::IsTerminator>() ||
          user->getDialect()->getNamespace() == "bufferization")
        return {};
      for (Value r : user->getResults())
        if (isa<BaseMemRefType>(r.getType()))
          worklist.push_back(r);
    }
  }
  return found;
}

struct AmaeStaticBufferPlanPass : impl::AmaeStaticBufferPlanBase<AmaeStaticBufferPlanPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || func.isPrivate())
      return;
    Block &block = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;

    std::vector<Buffer> buffers;
    for (Operation &op : block) {
      auto alloc = dyn_cast<memref::AllocOp>(&op);
      if (!alloc || alloc->getNumOperands())
        continue;
      std::optional<int64_t> bytes = plannableBytes(alloc.getType());
      uint64_t alignment = alloc.getAlignment().value_or(1);
      memref::DeallocOp dealloc = soleDealloc(alloc, block);
      if (!bytes || !dealloc || alignment > kAlign)
        continue;
      buffers.push_back({alloc, dealloc, position[alloc], position[dealloc], *bytes});
    }
    if (buffers.empty())
      return;

    // Largest first; ties in program order, so the plan is deterministic.
    std::vector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::sort(order, [](Buffer *a, Buffer *b) {
      return a->bytes != b->bytes ? a->bytes > b->bytes : a->begin < b->begin;
    });
    std::vector<Buffer *> placed;
    int64_t arena = 0;
    for (Buffer *b : order) {
      // Placed buffers live at the same time, by offset: take the first gap.
      SmallVector<Buffer *> clashes;
      for (Buffer *p : placed)
        if (p->begin < b->end && b->begin < p->end)
          clashes.push_back(p);
      llvm::sort(clashes, [](Buffer *x, Buffer *y) { return x->offset < y->offset; });
      int64_t offset = 0;
      for (Buffer *c : clashes) {
        if (offset + b->bytes <= c->offset)
          break;
        offset = std::max<int64_t>(offset, llvm::alignTo(c->offset + c->bytes, kAlign));
      }
      b->offset = offset;
      arena = std::max(arena, offset + b->bytes);
      placed.push_back(b);
    }

    OpBuilder builder = OpBuilder::atBlockBegin(&block);
    Location loc = func.getLoc();
    auto arenaType = MemRefType::get({arena}, builder.getI8Type());
    Value base = memref::AllocOp::create(builder, loc, arenaType, ValueRange{},
                                         builder.getI64IntegerAttr(kAlign));
    for (Buffer &b : buffers) {
      builder.setInsertionPoint(b.alloc);
      Value shift = arith::ConstantIndexOp::create(builder, b.alloc.getLoc(), b.offset);
      Value view = memref::ViewOp::create(builder, b.alloc.getLoc(), b.alloc.getType(), base,
                                          shift, ValueRange{});
      b.alloc.getResult().replaceAllUsesWith(view);
      b.dealloc.erase();
      b.alloc.erase();
    }
    builder.setInsertionPoint(block.getTerminator());
    memref::DeallocOp::create(builder, loc, base);
    LLVM_DEBUG(llvm::dbgs() << func.getSymName() << ": " << buffers.size()
                            << " buffers, arena " << arena << " bytes\n");
    numPlanned += buffers.size();
    arenaBytes = std::max<uint64_t>(arenaBytes, arena);
  }
};

} // namespace
} // namespace mlir::amae
