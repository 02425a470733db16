/*===- CudaGemm.c - amae_gemm and amae_dgemm on cuBLASLt or cuBLAS -------===*
 *
 * The calls amae-contractions-to-blas emits (rank-3 memref descriptors:
 * batch, rows, columns, unit inner strides, row-major) as one strided
 * batched GEMM each: a cublasLtMatmul (the default, amae-compile
 * --gpu-gemm=cublaslt) or a cublasGemmStridedBatchedEx (--gpu-gemm=cublas).
 * Both are column-major, so the row-major C = op(A) op(B) is computed as its
 * transpose, C^T = op(B)^T op(A)^T, which needs no copy. For cuBLASLt each
 * shape's descriptors and algorithm (its heuristic's first choice, with a
 * 32 MiB device workspace) are made once and kept. The libraries are opened
 * at run time like libcuda (AMAE_LIBCUBLAS, AMAE_LIBCUBLASLT name others). The fp32 GEMMs compute in fp32 by default (the CPU
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
#include <stdio.h>
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

/* libNAME.so from `env`, else by its sonames, else the toolkit's. */
static void *openLibrary(const char *env, const char *name) {
  const char *path = getenv(env);
  if (path && *path)
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
  static const char *const versions[] = {".so.13", ".so.12", ".so"};
  char file[512];
  void *lib = NULL;
  for (size_t i = 0; !lib && i < sizeof versions / sizeof versions[0]; ++i) {
    snprintf(file, sizeof file, "lib%s%s", name, versions[i]);
    lib = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  }
#ifdef AMAE_CUDA_LIBRARY_DIR
  if (!lib) {
    snprintf(file, sizeof file, "%s/lib%s.so", AMAE_CUDA_LIBRARY_DIR, name);
    lib = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  }
#endif
  return lib;
}

static void initialize(void) {
  void *lib = openLibrary("AMAE_LIBCUBLAS", "cublas");
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

/*===----------------------------------------------------------------------===*
 * cuBLASLt
 *===----------------------------------------------------------------------===*/

typedef void *LtHandle, *LtDesc, *LtLayout, *LtPreference;
typedef struct {
  uint64_t data[8];
} LtAlgo;
typedef struct {
  LtAlgo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
} LtHeuristic;
enum {
  kLtTransA = 3,           /* CUBLASLT_MATMUL_DESC_TRANSA */
  kLtTransB = 4,           /* CUBLASLT_MATMUL_DESC_TRANSB */
  kLtBatchCount = 5,       /* CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT */
  kLtBatchStride = 6,      /* CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET */
  kLtMaxWorkspace = 1,     /* CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES */
  kR64F = 1,               /* CUDA_R_64F */
  kCompute64F = 70,        /* CUBLAS_COMPUTE_64F */
  kWorkspaceBytes = 32 << 20
};

static struct {
  Status (*create)(LtHandle *);
  Status (*descCreate)(LtDesc *, int, int);
  Status (*descSet)(LtDesc, int, const void *, size_t);
  Status (*layoutCreate)(LtLayout *, int, uint64_t, uint64_t, int64_t);
  Status (*layoutSet)(LtLayout, int, const void *, size_t);
  Status (*preferenceCreate)(LtPreference *);
  Status (*preferenceSet)(LtPreference, int, const void *, size_t);
  Status (*heuristic)(LtHandle, LtDesc, LtLayout, LtLayout, LtLayout, LtLayout, LtPreference,
                      int, LtHeuristic *, int *);
  Status (*matmul)(LtHandle, LtDesc, const void *, const void *, LtLayout, const void *,
                   LtLayout, const void *, const void *, LtLayout, void *, LtLayout,
                   const LtAlgo *, void *, size_t, void *);
  const char *(*statusName)(Status);
} lt;
static LtHandle ltHandle;
static LtPreference ltPreference;
static void *ltWorkspace;
static pthread_once_t ltOnce = PTHREAD_ONCE_INIT;

static const char *ltStatus(Status s) {
  return lt.statusName ? lt.statusName(s) : "an unknown status";
}

static void ltInitialize(void) {
  void *lib = openLibrary("AMAE_LIBCUBLASLT", "cublasLt");
  if (!lib) {
    amae_cuda_fail("cuBLASLt (for the GEMMs) cannot be loaded: %s%s", dlerror(), "");
    return;
  }
#define LOAD(field, name)                                                                  \
  if (!(*(void **)&lt.field = dlsym(lib, name))) {                                         \
    amae_cuda_fail("the cuBLASLt library lacks %s%s", name, "");                           \
    return;                                                                                \
  }
  LOAD(create, "cublasLtCreate");
  LOAD(descCreate, "cublasLtMatmulDescCreate");
  LOAD(descSet, "cublasLtMatmulDescSetAttribute");
  LOAD(layoutCreate, "cublasLtMatrixLayoutCreate");
  LOAD(layoutSet, "cublasLtMatrixLayoutSetAttribute");
  LOAD(preferenceCreate, "cublasLtMatmulPreferenceCreate");
  LOAD(preferenceSet, "cublasLtMatmulPreferenceSetAttribute");
  LOAD(heuristic, "cublasLtMatmulAlgoGetHeuristic");
  LOAD(matmul, "cublasLtMatmul");
  LOAD(statusName, "cublasLtGetStatusName");
#undef LOAD
  uint64_t workspace = kWorkspaceBytes;
  Status s = lt.create(&ltHandle);
  if (s == 0)
    s = lt.preferenceCreate(&ltPreference);
  if (s == 0)
    s = lt.preferenceSet(ltPreference, kLtMaxWorkspace, &workspace, sizeof workspace);
  if (s != 0) {
    amae_cuda_fail("cuBLASLt could not start: %s%s", ltStatus(s), "");
    return;
  }
  ltWorkspace = amae_cuda_alloc_device(kWorkspaceBytes);
}

/* One column-major strided batched GEMM, D = C = alpha op(A) op(B) + beta C
 * with op(A) m x k: the descriptors, layouts and algorithm of its shape.
 * All 64-bit, so no padding: shapes compare with memcmp. */
typedef struct {
  int64_t f64, opA, opB, m, n, k, lda, ldb, ldc, batch, compute, sa, sb, sc;
} LtShape;
typedef struct {
  LtShape shape;
  LtDesc desc;
  LtLayout a, b, c;
  LtAlgo algo;
} LtPlan;
enum { kPlans = 1024 };
static LtPlan plans[kPlans];
static size_t planCount;
static pthread_mutex_t planLock = PTHREAD_MUTEX_INITIALIZER;

static Status layout(LtLayout *l, int type, int64_t rows, int64_t cols, int64_t ld,
                     int64_t batch, int64_t stride) {
  int64_t offset = stride;
  int32_t count = (int32_t)batch;
  Status s = lt.layoutCreate(l, type, (uint64_t)rows, (uint64_t)cols, ld);
  if (s == 0)
    s = lt.layoutSet(*l, kLtBatchCount, &count, sizeof count);
  if (s == 0)
    s = lt.layoutSet(*l, kLtBatchStride, &offset, sizeof offset);
  return s;
}

/* The plan of `shape`, made at its first GEMM; NULL after an error. */
static const LtPlan *plan(const LtShape *shape) {
  pthread_mutex_lock(&planLock);
  for (size_t i = 0; i < planCount; ++i)
    if (memcmp(&plans[i].shape, shape, sizeof *shape) == 0) {
      pthread_mutex_unlock(&planLock);
      return &plans[i];
    }
  if (planCount == kPlans) {
    pthread_mutex_unlock(&planLock);
    amae_cuda_fail("more than 1024 GEMM shapes for cuBLASLt%s%s", "", "");
    return NULL;
  }
  LtPlan *p = &plans[planCount];
  p->shape = *shape;
  int type = shape->f64 ? kR64F : kR32F;
  int32_t opA = (int32_t)shape->opA, opB = (int32_t)shape->opB; /* cublasOperation_t */
  Status s = lt.descCreate(&p->desc, (int)shape->compute, type);
  if (s == 0)
    s = lt.descSet(p->desc, kLtTransA, &opA, sizeof opA);
  if (s == 0)
    s = lt.descSet(p->desc, kLtTransB, &opB, sizeof opB);
  if (s == 0)
    s = layout(&p->a, type, shape->opA ? shape->k : shape->m, shape->opA ? shape->m : shape->k,
               shape->lda, shape->batch, shape->sa);
  if (s == 0)
    s = layout(&p->b, type, shape->opB ? shape->n : shape->k, shape->opB ? shape->k : shape->n,
               shape->ldb, shape->batch, shape->sb);
  if (s == 0)
    s = layout(&p->c, type, shape->m, shape->n, shape->ldc, shape->batch, shape->sc);
  LtHeuristic found;
  int count = 0;
  if (s == 0)
    s = lt.heuristic(ltHandle, p->desc, p->a, p->b, p->c, p->c, ltPreference, 1, &found, &count);
  if (s != 0 || count < 1) {
    pthread_mutex_unlock(&planLock);
    char what[160];
    snprintf(what, sizeof what, "%lldx%lldx%lld (batch %lld): %s", (long long)shape->m,
             (long long)shape->n, (long long)shape->k, (long long)shape->batch,
             s != 0 ? ltStatus(s) : "no algorithm");
    amae_cuda_fail("cuBLASLt cannot plan a GEMM of %s%s", what, "");
    return NULL;
  }
  p->algo = found.algo;
  ++planCount;
  pthread_mutex_unlock(&planLock);
  return p;
}

static int ltReady(void) {
  if (!amae_cuda_ready())
    return 0;
  pthread_once(&ltOnce, ltInitialize);
  return amae_cuda_ready() && ltWorkspace;
}

static void ltGemm(const LtShape *shape, const void *alpha, const void *a, const void *b,
                   const void *beta, void *c) {
  void *stream = amae_cuda_stream();
  const LtPlan *p = stream ? plan(shape) : NULL;
  if (!p)
    return;
  Status s = lt.matmul(ltHandle, p->desc, alpha, a, p->a, b, p->b, beta, c, p->c, c, p->c,
                       &p->algo, ltWorkspace, kWorkspaceBytes, stream);
  if (s != 0)
    amae_cuda_fail("a cuBLASLt GEMM failed: %s%s", ltStatus(s), "");
}

/* The column-major shape of the row-major C = op(A) op(B): C^T = op(B)^T op(A)^T. */
#define TRANSPOSED_SHAPE(F64, A, B, C, TRANS)                                               \
  {.f64 = F64, .opA = ((TRANS) & kGemmTransB) ? kOpT : kOpN,                                  \
   .opB = ((TRANS) & kGemmTransA) ? kOpT : kOpN, .m = (C)->sizes[2], .n = (C)->sizes[1],       \
   .k = ((TRANS) & kGemmTransA) ? (A)->sizes[1] : (A)->sizes[2], .lda = (B)->strides[1],      \
   .ldb = (A)->strides[1], .ldc = (C)->strides[1], .batch = (C)->sizes[0],                   \
   .compute = F64 ? kCompute64F : amae_cuda_compute_type,                                    \
   .sa = (B)->strides[0], .sb = (A)->strides[0], .sc = (C)->strides[0]}

void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans) {
  float alpha = 1.0f, beta = (trans & kGemmOverwrite) ? 0.0f : 1.0f;
  if (amae_cuda_use_cublaslt) {
    LtShape shape = TRANSPOSED_SHAPE(0, a, b, c, trans);
    if (ltReady())
      ltGemm(&shape, &alpha, b->aligned + b->offset, a->aligned + a->offset, &beta,
             c->aligned + c->offset);
    return;
  }
  if (!ready())
    return;
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  int64_t m = c->sizes[1], n = c->sizes[2], k = transA ? a->sizes[1] : a->sizes[2];
  finish(blas.gemmEx(handle, transB ? kOpT : kOpN, transA ? kOpT : kOpN, (int)n, (int)m,
                     (int)k, &alpha, b->aligned + b->offset, kR32F, (int)b->strides[1],
                     b->strides[0], a->aligned + a->offset, kR32F, (int)a->strides[1],
                     a->strides[0], &beta, c->aligned + c->offset, kR32F, (int)c->strides[1],
                     c->strides[0], (int)c->sizes[0], amae_cuda_compute_type, kDefaultAlgo));
}

void _mlir_ciface_amae_dgemm(Memref3DF64 *a, Memref3DF64 *b, Memref3DF64 *c, int64_t trans) {
  double alpha = 1.0, beta = (trans & kGemmOverwrite) ? 0.0 : 1.0;
  if (amae_cuda_use_cublaslt) {
    LtShape shape = TRANSPOSED_SHAPE(1, a, b, c, trans);
    if (ltReady())
      ltGemm(&shape, &alpha, b->aligned + b->offset, a->aligned + a->offset, &beta,
             c->aligned + c->offset);
    return;
  }
  if (!ready())
    return;
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  int64_t m = c->sizes[1], n = c->sizes[2], k = transA ? a->sizes[1] : a->sizes[2];
  finish(blas.dgemm(handle, transB ? kOpT : kOpN, transA ? kOpT : kOpN, (int)n, (int)m,
                    (int)k, &alpha, b->aligned + b->offset, (int)b->strides[1],
                    b->strides[0], a->aligned + a->offset, (int)a->strides[1], a->strides[0],
                    &beta, c->aligned + c->offset, (int)c->strides[1], c->strides[0],
                    (int)c->sizes[0]));
}
