/*===- FakeCublasLt.c - cuBLASLt's matmul on the CPU, for tests -----------===*
 *
 * The cuBLASLt functions a CUDA artifact's GEMMs call (codegen/cuda/kernels/
 * CudaGemm.c), in the fake driver's library: descriptors and layouts are
 * recorded and checked as cuBLASLt defines them (attribute sizes, a layout's
 * rows and columns against the operation's m, n, k, one batch count, an
 * algorithm from the heuristic), and cublasLtMatmul runs the fake's own
 * column-major GEMM (FakeCuda.c), rounding the operands for the compute type
 * as the fake cuBLAS does. A call that breaks a rule fails with
 * CUBLAS_STATUS_INVALID_VALUE (7) and says why on stderr.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kOk = 0, kInvalid = 7, kMagic = 0x616d6165 };

long fakeLtMatmuls; /* FakeCuda.c logs it */

int cublasGemmStridedBatchedEx(void *handle, int ta, int tb, int m, int n, int k,
                               const void *alpha, const void *a, int atype, int lda,
                               long long sa, const void *b, int btype, int ldb, long long sb,
                               const void *beta, void *c, int ctype, int ldc, long long sc,
                               int batch, int compute, int algo);
int cublasDgemmStridedBatched(void *handle, int ta, int tb, int m, int n, int k,
                              const double *alpha, const double *a, int lda, long long sa,
                              const double *b, int ldb, long long sb, const double *beta,
                              double *c, int ldc, long long sc, int batch);

typedef struct {
  int compute, scale, transA, transB;
} Desc;
typedef struct {
  int type;
  uint64_t rows, cols;
  int64_t ld, stride;
  int32_t batch;
} Layout;
typedef struct {
  uint64_t workspace;
} Preference;
typedef struct {
  uint64_t data[8];
} Algo;
typedef struct {
  Algo algo;
  size_t workspaceSize;
  int state;
  float wavesCount;
  int reserved[4];
} Heuristic;

static int refuse(const char *why) {
  fprintf(stderr, "fake-cublaslt: %s\n", why);
  return kInvalid;
}

int cublasLtCreate(void **handle) {
  *handle = malloc(1);
  return kOk;
}

const char *cublasLtGetStatusName(int status) {
  return status == kOk ? "CUBLAS_STATUS_SUCCESS"
         : status == kInvalid ? "CUBLAS_STATUS_INVALID_VALUE"
                              : "CUBLAS_STATUS_UNKNOWN";
}

int cublasLtMatmulDescCreate(Desc **desc, int compute, int scale) {
  int fp32 = scale == 0 && (compute == 68 || compute == 75 || compute == 77);
  if (!fp32 && !(scale == 1 && compute == 70))
    return refuse("a compute type that does not match its scale type");
  *desc = calloc(1, sizeof **desc);
  (*desc)->compute = compute;
  (*desc)->scale = scale;
  return kOk;
}

/* CUBLASLT_MATMUL_DESC_TRANSA (3) and TRANSB (4), cublasOperation_t N or T. */
int cublasLtMatmulDescSetAttribute(Desc *desc, int attr, const void *buf, size_t size) {
  int32_t op;
  if ((attr != 3 && attr != 4) || size != sizeof op)
    return refuse("a descriptor attribute other than TRANSA or TRANSB, or of the wrong size");
  memcpy(&op, buf, sizeof op);
  if (op != 0 && op != 1)
    return refuse("an operation other than N or T");
  *(attr == 3 ? &desc->transA : &desc->transB) = op;
  return kOk;
}

int cublasLtMatrixLayoutCreate(Layout **layout, int type, uint64_t rows, uint64_t cols,
                               int64_t ld) {
  if ((type != 0 && type != 1) || ld < (int64_t)rows || rows == 0 || cols == 0)
    return refuse("a layout with a bad type or a leading dimension below its rows");
  *layout = calloc(1, sizeof **layout);
  **layout = (Layout){type, rows, cols, ld, 0, 1};
  return kOk;
}

/* CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT (5, int32) and
 * STRIDED_BATCH_OFFSET (6, int64). */
int cublasLtMatrixLayoutSetAttribute(Layout *layout, int attr, const void *buf, size_t size) {
  if (attr == 5 && size == sizeof layout->batch)
    memcpy(&layout->batch, buf, size);
  else if (attr == 6 && size == sizeof layout->stride)
    memcpy(&layout->stride, buf, size);
  else
    return refuse("a layout attribute other than BATCH_COUNT or STRIDED_BATCH_OFFSET, or of "
                  "the wrong size");
  return layout->batch >= 1 ? kOk : refuse("a batch count below 1");
}

int cublasLtMatmulPreferenceCreate(Preference **pref) {
  *pref = calloc(1, sizeof **pref);
  return kOk;
}

/* CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES (1, uint64). */
int cublasLtMatmulPreferenceSetAttribute(Preference *pref, int attr, const void *buf,
                                         size_t size) {
  if (attr != 1 || size != sizeof pref->workspace)
    return refuse("a preference other than MAX_WORKSPACE_BYTES, or of the wrong size");
  memcpy(&pref->workspace, buf, size);
  return kOk;
}

/* The operation's m, n, k from the layouts, or a refusal. */
static int shapeOf(const Desc *d, const Layout *a, const Layout *b, const Layout *c,
                   uint64_t *m, uint64_t *n, uint64_t *k) {
  *m = c->rows;
  *n = c->cols;
  *k = d->transA ? a->rows : a->cols;
  if ((d->transA ? a->cols : a->rows) != *m || (d->transB ? b->cols : b->rows) != *k ||
      (d->transB ? b->rows : b->cols) != *n)
    return refuse("layouts whose rows and columns do not make op(A) m x k, op(B) k x n");
  if (a->batch != c->batch || b->batch != c->batch)
    return refuse("layouts with different batch counts");
  if (a->type != d->scale || b->type != d->scale || c->type != d->scale)
    return refuse("layouts of another type than the descriptor's");
  return kOk;
}

int cublasLtMatmulAlgoGetHeuristic(void *handle, Desc *d, Layout *a, Layout *b, Layout *c,
                                   Layout *dl, Preference *pref, int requested,
                                   Heuristic *results, int *count) {
  uint64_t m, n, k;
  if (!handle || !pref || requested < 1 || c != dl)
    return refuse("a heuristic query without a handle or preference, or with D unlike C");
  if (shapeOf(d, a, b, c, &m, &n, &k) != kOk)
    return kInvalid;
  memset(results, 0, sizeof *results);
  results->algo.data[0] = kMagic;
  *count = 1;
  return kOk;
}

int cublasLtMatmul(void *handle, Desc *d, const void *alpha, const void *A, Layout *a,
                   const void *B, Layout *b, const void *beta, const void *C, Layout *c, void *D,
                   Layout *dl, const Algo *algo, void *workspace, size_t workspaceSize,
                   void *stream) {
  uint64_t m, n, k;
  if (!handle || !stream || !algo || algo->data[0] != kMagic)
    return refuse("a matmul without a handle, a stream or an algorithm from the heuristic");
  if (C != D || c != dl)
    return refuse("a matmul whose D is not C");
  if (workspaceSize && !workspace)
    return refuse("a workspace size without a workspace");
  if (shapeOf(d, a, b, c, &m, &n, &k) != kOk)
    return kInvalid;
  ++fakeLtMatmuls;
  if (d->scale == 1)
    return cublasDgemmStridedBatched(handle, d->transA, d->transB, (int)m, (int)n, (int)k, alpha,
                                     A, (int)a->ld, a->stride, B, (int)b->ld, b->stride, beta,
                                     D, (int)c->ld, c->stride, c->batch);
  return cublasGemmStridedBatchedEx(handle, d->transA, d->transB, (int)m, (int)n, (int)k, alpha,
                                    A, 0, (int)a->ld, a->stride, B, 0, (int)b->ld, b->stride,
                                    beta, D, 0, (int)c->ld, c->stride, c->batch, d->compute, -1);
}
