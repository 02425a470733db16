// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cpu-vectorize{vector-size=1}))' -verify-diagnostics

// One lane is no vector.
// expected-error @below {{amae-cpu-vectorize: vector-size must be at least 2, got 1}}
func.func @kernel() {
  return
}
