"""alloc-cache.py MODEL.so: exercises the model's buffer allocation functions."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
alloc, free = lib._mlir_memref_to_llvm_alloc, lib._mlir_memref_to_llvm_free
alloc.restype, alloc.argtypes = ctypes.c_void_p, [ctypes.c_uint64]
free.argtypes = [ctypes.c_void_p]
a = alloc(1 << 20)
keep = alloc(4096)  # stays live, so the allocator cannot hand 'a' back by chance
free(a)
b = alloc(1 << 20)
c = alloc(3 << 20)
print("same size reused:", a == b)
print("other size fresh:", c not in (a, b))
print("aligned:", all(p % 64 == 0 for p in (a, b, c, keep)))
# A block larger than the cache's bound (a graph's arena; the test sets the
# bound to 1 MiB) is kept all the same, unless the bound was set to 0.
big = alloc(8 << 20)
free(big)
again = alloc(8 << 20)
print("arena reused:", big == again)
