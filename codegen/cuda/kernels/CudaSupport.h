/*===- CudaSupport.h - What the CUDA support files share --------*- C -*-===*
 *
 * CudaSupport.c opens the driver and owns the error state; CudaGemm.c puts
 * the GEMMs on cuBLAS through them.
 *
 *===----------------------------------------------------------------------===*/

#ifndef AMAE_CODEGEN_CUDA_KERNELS_CUDASUPPORT_H
#define AMAE_CODEGEN_CUDA_KERNELS_CUDASUPPORT_H

#include <stddef.h>

typedef int CUresult;

/* Shared between the two files only, not exported from the artifact. */
#define AMAE_INTERNAL __attribute__((visibility("hidden")))

/* CUDA initialised and current on this thread; false once an error is set. */
AMAE_INTERNAL int amae_cuda_ready(void);
/* Records the first error (printf-style, two string arguments). */
AMAE_INTERNAL void amae_cuda_fail(const char *fmt, const char *a, const char *b);
/* True on success, else the error "`call` failed: <name>" is recorded. */
AMAE_INTERNAL int amae_cuda_check(CUresult r, const char *call);
AMAE_INTERNAL const char *amae_cuda_result_name(CUresult r);
int amae_cuda_synchronize(void);
/* The calling thread's stream, which every launch and GEMM goes on. */
AMAE_INTERNAL void *amae_cuda_stream(void);

/* cublasComputeType_t of the fp32 GEMMs: fp32, or fp32 accumulation of
 * TF32 or bf16 operands (amae_cuda_set_gemm_precision). */
enum { kCompute32F = 68, kCompute32FFastBF16 = 75, kCompute32FFastTF32 = 77 };
AMAE_INTERNAL extern int amae_cuda_compute_type;
/* The GEMMs on cuBLASLt (1, the default) or cuBLAS (amae_cuda_set_gemm_library). */
AMAE_INTERNAL extern int amae_cuda_use_cublaslt;
/* Device memory from the buffer pool (CudaSupport.c): cuBLASLt's workspace. */
void *amae_cuda_alloc_device(size_t size);

#endif /* AMAE_CODEGEN_CUDA_KERNELS_CUDASUPPORT_H */
