// RUN: amae-opt %s -amae-cpu-emit-c-interface | FileCheck %s

// Every graph gets MLIR's C interface, which the packed entry points call.
// CHECK: func.func @infer() attributes {llvm.emit_c_interface}
// CHECK: func.func @pretrain() attributes {llvm.emit_c_interface}
func.func @infer() {
  return
}
func.func @pretrain() {
  return
}
