/*===- CudaGemm.c - amae_gemm and amae_dgemm on cuBLAS --------------------===*
 *
 * The calls amae-contractions-to-blas emits (rank-3 memref descriptors:
 * batch, rows, columns, unit inner strides, row-major) as one strided
 * batched cuBLAS GEMM each. cuBLAS is column-major, so the row-major
 * C = op(A) op(B) is computed as its transpose, C^T = op(B)^T op(A)^T, which
 * needs no copy. libcublas is opened at run time like libcuda (AMAE_LIBCUBLAS
 * names another). The fp32 GEMMs compute in fp32 by default (the CPU
 * target's numerics); an artifact built with --gpu-gemm-precision=tf32 or
 * bf16 lets cuBLAS round their operands to TF32 or bf16 for the tensor
 * cores, accumulating in fp32 (the runtime passes the manifest's choice to
 * amae_cuda_set_gemm_precision). The GEMMs queue on the launches' stream.
 *
 *===----------------------------------------------------------------------===*/

#include "CudaSupport.h"
#include "codegen/cpu/kernels/CpuKernels.h" /* the descriptors, the `trans` bits */

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


typedef struct {
  double *allocated;
  double *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} Memref3DF64;

enum { kOpN = 0, kOpT = 1, kR32F = 0, kDefaultAlgo = -1 };


typedef int Status;
typedef void *Handle;
static struct {
  Status (*create)(Handle *);
  Status (*setStream)(Handle, void *);
  const char *(*statusName)(Status);
  Status (*gemmEx)(Handle, int, int, int, int, int, const void *, const void *, int, int,
                   long long, const void *, int, int, long long, const void *, void *, int,
                   int, long long, int, int, int);
  Status (*dgemm)(Handle, int, int, int, int, int, const double *, const double *, int,
                  long long, const double *, int, long long, const double *, double *, int,
                  long long, int);
} blas;
static Handle handle;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *openCublas(void) {
  const char *env = getenv("AMAE_LIBCUBLAS");
  if (env && *env)
    return dlopen(env, RTLD_NOW | RTLD_LOCAL);
  static const char *const names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so",
#ifdef AMAE_CUDA_LIBRARY_DIR
                                      AMAE_CUDA_LIBRARY_DIR "/libcublas.so",
#endif
  };
  void *lib = NULL;
  for (size_t i = 0; !lib && i < sizeof names / sizeof names[0]; ++i)
    lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  return lib;
}

static void initialize(void) {
  void *lib = openCublas();
  if (!lib) {
    amae_cuda_fail("cuBLAS (for the GEMMs) cannot be loaded: %s%s", dlerror(), "");
    return;
  }
  *(void **)&blas.create = dlsym(lib, "cublasCreate_v2");
  *(void **)&blas.setStream = dlsym(lib, "cublasSetStream_v2");
  *(void **)&blas.statusName = dlsym(lib, "cublasGetStatusName");
  *(void **)&blas.gemmEx = dlsym(lib, "cublasGemmStridedBatchedEx");
  *(void **)&blas.dgemm = dlsym(lib, "cublasDgemmStridedBatched");
  if (!blas.create || !blas.setStream || !blas.gemmEx || !blas.dgemm) {
    amae_cuda_fail("the cuBLAS library lacks cublasCreate_v2, cublasSetStream_v2, "
                   "cublasGemmStridedBatchedEx or cublasDgemmStridedBatched%s%s", "", "");
    return;
  }
  Status s = blas.create(&handle);
  if (s != 0)
    amae_cuda_fail("cuBLAS could not start: %s%s",
                   blas.statusName ? blas.statusName(s) : "an unknown status", "");
}

/* cuBLAS started, its GEMMs queued on the thread's stream behind the
 * kernels that made their operands. */
static int ready(void) {
  if (!amae_cuda_ready())
    return 0;
  pthread_once(&once, initialize);
  void *stream = amae_cuda_stream();
  if (!amae_cuda_ready())
    return 0;
  Status s = blas.setStream(handle, stream);
  if (s != 0)
    amae_cuda_fail("cublasSetStream failed: %s%s",
                   blas.statusName ? blas.statusName(s) : "an unknown status", "");
  return s == 0;
}

static void finish(Status s) {
  if (s != 0)
    amae_cuda_fail("a cuBLAS GEMM failed: %s%s",
                   blas.statusName ? blas.statusName(s) : "an unknown status", "");
}

void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans) {
  if (!ready())
    return;
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  float alpha = 1.0f, beta = (trans & kGemmOverwrite) ? 0.0f : 1.0f;
  int64_t m = c->sizes[1], n = c->sizes[2], k = transA ? a->sizes[1] : a->sizes[2];
  finish(blas.gemmEx(handle, transB ? kOpT : kOpN, transA ? kOpT : kOpN, (int)n, (int)m,
                     (int)k, &alpha, b->aligned + b->offset, kR32F, (int)b->strides[1],
                     b->strides[0], a->aligned + a->offset, kR32F, (int)a->strides[1],
                     a->strides[0], &beta, c->aligned + c->offset, kR32F, (int)c->strides[1],
                     c->strides[0], (int)c->sizes[0], amae_cuda_compute_type, kDefaultAlgo));
}

void _mlir_ciface_amae_dgemm(Memref3DF64 *a, Memref3DF64 *b, Memref3DF64 *c, int64_t trans) {
  if (!ready())
    return;
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  double alpha = 1.0, beta = (trans & kGemmOverwrite) ? 0.0 : 1.0;
  int64_t m = c->sizes[1], n = c->sizes[2], k = transA ? a->sizes[1] : a->sizes[2];
  finish(blas.dgemm(handle, transB ? kOpT : kOpN, transA ? kOpT : kOpN, (int)n, (int)m,
                    (int)k, &alpha, b->aligned + b->offset, (int)b->strides[1],
                    b->strides[0], a->aligned + a->offset, (int)a->strides[1], a->strides[0],
                    &beta, c->aligned + c->offset, (int)c->strides[1], c->strides[0],
                    (int)c->sizes[0]));
}
