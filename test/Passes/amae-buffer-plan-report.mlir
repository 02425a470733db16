// RUN: amae-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(amae-buffer-plan-report{warn-bytes=5000}))' -verify-diagnostics

// Peak = 4096 + 2048 (the first buffer is freed before the third is
// allocated): 6144 bytes, above the 5000-byte warning size.
// expected-warning @+1 {{graph 'over' needs 6.0 KiB (6144 bytes) of buffers at its peak, more than the 4.9 KiB warning size}}
func.func @over() {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<512xf32>
  memref.dealloc %a : memref<1024xf32>
  %c = memref.alloc() : memref<256xf32>
  memref.dealloc %b : memref<512xf32>
  memref.dealloc %c : memref<256xf32>
  return
}

// -----

// Freed in turn, the same buffers stay under it: peak 4096 bytes.
func.func @under() {
  %a = memref.alloc() : memref<1024xf32>
  memref.dealloc %a : memref<1024xf32>
  %b = memref.alloc() : memref<512xf32>
  memref.dealloc %b : memref<512xf32>
  return
}

// -----

// Allocations inside a loop count where they appear; dynamic ones are
// mentioned, not guessed.
// expected-warning @+1 {{graph 'loop' needs 8.8 KiB (9000 bytes) of buffers at its peak, more than the 4.9 KiB warning size, plus 1 dynamic-sized allocations}}
func.func @loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d = memref.alloc(%n) : memref<?xf32>
  %a = memref.alloc() : memref<1000xf64>
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<1000xi8>
    memref.dealloc %t : memref<1000xi8>
  }
  memref.dealloc %a : memref<1000xf64>
  memref.dealloc %d : memref<?xf32>
  return
}
