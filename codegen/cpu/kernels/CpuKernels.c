/*===- CpuKernels.c - Library kernels linked into CPU models --------------===*
 *
 * Contractions that amae-contractions-to-blas hands to a BLAS: the large
 * matmuls of the encoder and decoder. Each takes rank-3 memref descriptors
 * (batch, rows, columns) as MLIR's C interface passes them, with unit inner
 * strides (the pass only rewrites such views).
 *
 *===----------------------------------------------------------------------===*/

#include <cblas.h>
#include <stdint.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} AmaeMemref3D;

/* C[b] += op(A[b]) * op(B[b]) for every batch b; `trans` bit 0 transposes
 * B, bit 1 transposes A (A is then stored k x m). */
void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c,
                            int64_t trans) {
  int transB = (int)(trans & 1), transA = (int)((trans >> 1) & 1);
  int64_t batch = c->sizes[0], m = c->sizes[1], n = c->sizes[2];
  int64_t k = transA ? a->sizes[1] : a->sizes[2];
  for (int64_t i = 0; i < batch; ++i) {
    const float *A = a->aligned + a->offset + i * a->strides[0];
    const float *B = b->aligned + b->offset + i * b->strides[0];
    float *C = c->aligned + c->offset + i * c->strides[0];
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0f, A, (int)a->strides[1], B,
                (int)b->strides[1], 1.0f, C, (int)c->strides[1]);
  }
}
