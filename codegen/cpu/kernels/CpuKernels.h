/*===- CpuKernels.h - What the CPU kernel libraries share -------*- C -*-===*
 *
 * `amae_gemm` (the call amae-contractions-to-blas emits) has two
 * definitions, one per GEMM library a model can be linked with (amae-compile
 * --gemm): BlasGemm.c (OpenBLAS) and OnednnGemm.cpp (oneDNN, falling back to
 * OpenBLAS where it has nothing faster). Both build on amae_gemm_openblas.
 *
 *===----------------------------------------------------------------------===*/

#ifndef AMAE_CODEGEN_CPU_KERNELS_CPUKERNELS_H
#define AMAE_CODEGEN_CPU_KERNELS_CPUKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} AmaeMemref3D;

/* `trans` of amae_gemm: bit 0 transposes B, bit 1 transposes A (stored
 * k x m), bit 2 overwrites C instead of accumulating onto it. */
enum { kGemmTransB = 1, kGemmTransA = 2, kGemmOverwrite = 4 };

/* One row-major GEMM on the calling thread, C = op(A) op(B) + beta C (beta
 * 0 or 1): the attention kernels' tiles, inside their parallel loops. */
void amae_tile_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* C[b] (+)= op(A[b]) op(B[b]) on OpenBLAS, in tiles over the OpenMP threads. */
void amae_gemm_openblas(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans);

#ifdef __cplusplus
}
#endif

#endif /* AMAE_CODEGEN_CPU_KERNELS_CPUKERNELS_H */
