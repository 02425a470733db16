// RUN: amae-opt %s -pass-pipeline='builtin.module(func.func(amae-cuda-map-loops))' -verify-diagnostics

// A graph (public) stays host code, where a parallel loop would run on the
// host: an error.
func.func @graph(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{a parallel loop outside the kernels would run on the host}}
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
