//===- ShrinkBufferLifetimes.cpp - Allocate late, free early --------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAESHRINKBUFFERLIFETIMES
#include "passes/Passes.h.inc"

namespace {

/// The op of `block` that is or contains `op`.
Operation *inBlock(Block &block, Operation *op) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  return op;
}

struct AmaeShrinkBufferLifetimesPass
    : impl::AmaeShrinkBufferLifetimesBase<AmaeShrinkBufferLifetimesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &block = func.getBody().front();
    // Position of each op of the block, for first/last comparisons.
    DenseMap<Operation *, unsigned> position;
    auto renumber = [&] {
      position.clear();
      unsigned i = 0;
      for (Operation &op : block)
        position[&op] = i++;
    };
    renumber();

    SmallVector<memref::AllocOp> allocs;
    for (Operation &op : block)
      if (auto alloc = dyn_cast<memref::AllocOp>(&op))
        allocs.push_back(alloc);

    for (memref::AllocOp alloc : allocs) {
      // The buffer and everything that may alias it.
      SmallVector<Value> worklist = {alloc.getResult()};
      DenseSet<Value> aliases;
      Operation *first = nullptr, *last = nullptr;
      memref::DeallocOp dealloc;
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        if (!aliases.insert(v).second)
          continue;
        for (OpOperand &use : v.getUses()) {
          Operation *user = use.getOwner();
          if (auto d = dyn_cast<memref::DeallocOp>(user); d && d->getBlock() == &block) {
            dealloc = d;
            continue;
          }
          Operation *top = inBlock(block, user);
          if (!top)
            continue;
          if (!first || position[top] < position[first])
            first = top;
          if (!last || position[top] > position[last])
            last = top;
          for (Value r : user->getResults())
            if (isa<BaseMemRefType>(r.getType()))
              worklist.push_back(r);
        }
      }
      // Operands of the alloc (dynamic sizes) must stay defined before it.
      if (first && alloc->getNumOperands() == 0 && position[first] > position[alloc]) {
        alloc->moveBefore(first);
        renumber();
      }
      if (dealloc && last && position[last] < position[dealloc] &&
          !last->hasTrait<OpTrait::IsTerminator>()) {
        dealloc->moveAfter(last);
        renumber();
      }
    }
  }
};
} // namespace
} // namespace mlir::amae
