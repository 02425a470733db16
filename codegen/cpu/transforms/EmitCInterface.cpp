//===- EmitCInterface.cpp - The artifact ABI's C interface ----------------===//

#include "codegen/cpu/transforms/CpuPasses.h"

namespace mlir::amae::cpu {
#define GEN_PASS_DEF_AMAECPUEMITCINTERFACE
#include "codegen/cpu/transforms/CpuPasses.h.inc"

namespace {
struct AmaeCpuEmitCInterfacePass
    : impl::AmaeCpuEmitCInterfaceBase<AmaeCpuEmitCInterfacePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(&getContext()));
  }
};
} // namespace
} // namespace mlir::amae::cpu
