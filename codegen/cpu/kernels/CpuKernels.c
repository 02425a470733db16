/*===- CpuKernels.c - Library kernels linked into CPU models --------------===*
 *
 * Contractions that amae-contractions-to-blas hands to a BLAS: the large
 * matmuls of the encoder and decoder. Each takes rank-3 memref descriptors
 * (batch, rows, columns) as MLIR's C interface passes them, with unit inner
 * strides (the pass only rewrites such views).
 *
 *===----------------------------------------------------------------------===*/

#include <cblas.h>
#include <omp.h>
#include <stdint.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} AmaeMemref3D;

/* C[b] += op(A[b]) * op(B[b]) for every batch b; `trans` bit 0 transposes
 * B, bit 1 transposes A (A is then stored k x m). The (batch, block) tiles
 * are shared out over the OpenMP threads of the generated code, and each
 * runs OpenBLAS on its thread: one pool, no oversubscription. A block is a
 * strip of rows of C or, when C is wider than tall, a strip of columns: each
 * thread packs the whole of the operand it shares (B for row strips, A for
 * column strips), so the split shares out the larger one. Every element of C
 * is one dot product over k either way, so the split does not change the
 * order of its sums. */
void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c,
                            int64_t trans) {
  int transB = (int)(trans & 1), transA = (int)((trans >> 1) & 1);
  int64_t batch = c->sizes[0], m = c->sizes[1], n = c->sizes[2];
  int64_t k = transA ? a->sizes[1] : a->sizes[2];
  int threads = omp_get_max_threads();
  /* Below ~1 MFLOP the fork costs more than the split saves. */
  double flops = 2.0 * (double)batch * (double)m * (double)n * (double)k;
  int64_t blocks = 1;
  if (flops >= 1e6 && batch < threads)
    blocks = (threads + batch - 1) / batch;
  int columns = n > m;
  int64_t extent = columns ? n : m;
  /* Whole register tiles: 8 rows, or 16 columns (one AVX-512 vector). */
  int64_t align = columns ? 16 : 8;
  int64_t perBlock = (extent + blocks - 1) / blocks;
  perBlock = (perBlock + align - 1) / align * align;
  blocks = (extent + perBlock - 1) / perBlock;
  int64_t tiles = batch * blocks;
#pragma omp parallel for schedule(static) if (flops >= 1e6 && tiles > 1)
  for (int64_t t = 0; t < tiles; ++t) {
    int64_t i = t / blocks, e0 = (t % blocks) * perBlock;
    int64_t size = extent - e0 < perBlock ? extent - e0 : perBlock;
    int64_t r0 = columns ? 0 : e0, c0 = columns ? e0 : 0;
    int64_t rows = columns ? m : size, cols = columns ? size : n;
    const float *A = a->aligned + a->offset + i * a->strides[0] +
                     (transA ? r0 : r0 * a->strides[1]);
    const float *B = b->aligned + b->offset + i * b->strides[0] +
                     (transB ? c0 * b->strides[1] : c0);
    float *C = c->aligned + c->offset + i * c->strides[0] + r0 * c->strides[1] + c0;
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, (int)rows, (int)cols, (int)k, 1.0f, A,
                (int)a->strides[1], B, (int)b->strides[1], 1.0f, C, (int)c->strides[1]);
  }
}

typedef struct {
  double *allocated;
  double *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} AmaeMemref3DF64;

/* The float64 DFT of the fbank: C[b] += op(A[b]) * op(B[b]) as above, in
 * strips of rows over the threads (its C is tall: one row per frame). */
void _mlir_ciface_amae_dgemm(AmaeMemref3DF64 *a, AmaeMemref3DF64 *b, AmaeMemref3DF64 *c,
                             int64_t trans) {
  int transB = (int)(trans & 1), transA = (int)((trans >> 1) & 1);
  int64_t batch = c->sizes[0], m = c->sizes[1], n = c->sizes[2];
  int64_t k = transA ? a->sizes[1] : a->sizes[2];
  int64_t blocks = omp_get_max_threads(), perBlock = (m + blocks - 1) / blocks;
  perBlock = (perBlock + 7) / 8 * 8;
  blocks = perBlock ? (m + perBlock - 1) / perBlock : 1;
  int64_t tiles = batch * blocks;
#pragma omp parallel for schedule(static) if (tiles > 1)
  for (int64_t t = 0; t < tiles; ++t) {
    int64_t i = t / blocks, r0 = (t % blocks) * perBlock;
    int64_t rows = m - r0 < perBlock ? m - r0 : perBlock;
    const double *A = a->aligned + a->offset + i * a->strides[0] +
                      (transA ? r0 : r0 * a->strides[1]);
    const double *B = b->aligned + b->offset + i * b->strides[0];
    double *C = c->aligned + c->offset + i * c->strides[0] + r0 * c->strides[1];
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, (int)rows, (int)n, (int)k, 1.0, A,
                (int)a->strides[1], B, (int)b->strides[1], 1.0, C, (int)c->strides[1]);
  }
}

/* OpenBLAS stays on the calling thread: the tiles above are the threads. */
void openblas_set_num_threads(int);
__attribute__((constructor)) static void amae_single_threaded_blas(void) {
  openblas_set_num_threads(1);
}
