/*===- BlasGemm.c - amae_gemm on OpenBLAS (amae-compile --gemm=openblas) --===*/

#include "CpuKernels.h"

#include <cblas.h>

void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c,
                            int64_t trans) {
  amae_gemm_openblas(a, b, c, trans);
}

void amae_tile_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
