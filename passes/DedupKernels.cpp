//===- DedupKernels.cpp - Merge identical outlined kernels ----------------===//
//
// Compile time is dominated by LLVM optimising the outlined kernels, and
// most of them repeat: every block of a stack has the same shapes. A kernel
// is keyed by its printed form under a fixed name; locations are not
// printed, so kernels from different layers match.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "llvm/ADT/StringMap.h"

#define DEBUG_TYPE "amae-dedup-kernels"

namespace mlir::amae {
#define GEN_PASS_DEF_AMAEDEDUPKERNELS
#include "passes/Passes.h.inc"

namespace {

struct AmaeDedupKernelsPass : impl::AmaeDedupKernelsBase<AmaeDedupKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    StringAttr anonymous = StringAttr::get(ctx, "kernel");
    llvm::StringMap<func::FuncOp> firstOfKind;
    DenseMap<StringAttr, FlatSymbolRefAttr> replacement;
    SmallVector<func::FuncOp> duplicates;
    for (func::FuncOp f : module.getOps<func::FuncOp>()) {
      if (!isOutlinedKernel(f))
        continue;
      ++kernels;
      // The key is the whole function under one name.
      StringAttr name = f.getSymNameAttr();
      f.setSymNameAttr(anonymous);
      std::string key;
      llvm::raw_string_ostream os(key);
      f->print(os, OpPrintingFlags().printGenericOpForm().useLocalScope());
      f.setSymNameAttr(name);
      auto [it, fresh] = firstOfKind.try_emplace(key, f);
      if (fresh)
        continue;
      replacement[name] = FlatSymbolRefAttr::get(it->second.getSymNameAttr());
      duplicates.push_back(f);
    }
    if (duplicates.empty())
      return;
    module.walk([&](func::CallOp call) {
      auto it = replacement.find(call.getCalleeAttr().getAttr());
      if (it != replacement.end())
        call.setCalleeAttr(it->second);
    });
    for (func::FuncOp f : duplicates)
      f.erase();
    merged += duplicates.size();
  }
};

} // namespace
} // namespace mlir::amae
