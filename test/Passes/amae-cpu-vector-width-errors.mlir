// RUN: amae-opt %s -amae-cpu-vector-width=width=300 -verify-diagnostics -split-input-file

// A width the X86 backend has no registers for is refused.
// expected-error @below {{amae-cpu-vector-width: width must be 128, 256 or 512 bits, got 300}}
module {
  llvm.func @kernel() {
    llvm.return
  }
}
