/*===- CpuKernels.c - Library kernels linked into CPU models --------------===*
 *
 * Contractions that amae-contractions-to-blas hands to a BLAS: the large
 * matmuls of the encoder and decoder; and the fused attention kernel
 * (amae-cpu-attention-to-library), built on the same GEMMs. Each takes rank-3 memref descriptors
 * (batch, rows, columns) as MLIR's C interface passes them, with unit inner
 * strides (the pass only rewrites such views).
 *
 *===----------------------------------------------------------------------===*/

#include "CpuKernels.h"

#include <cblas.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


/* C[b] += op(A[b]) * op(B[b]) for every batch b; `trans` bit 0 transposes
 * B, bit 1 transposes A (A is then stored k x m), bit 2 overwrites C
 * (C[b] = ..., for a C the compiler knew to be zero). The (batch, block) tiles
 * are shared out over the OpenMP threads of the generated code, and each
 * runs OpenBLAS on its thread: one pool, no oversubscription. A block is a
 * strip of rows of C or, when C is wider than tall, a strip of columns: each
 * thread packs the whole of the operand it shares (B for row strips, A for
 * column strips), so the split shares out the larger one. Every element of C
 * is one dot product over k either way, so the split does not change the
 * order of its sums. */
void amae_gemm_openblas(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans) {
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  float beta = (trans & kGemmOverwrite) ? 0.0f : 1.0f;
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
                (int)a->strides[1], B, (int)b->strides[1], beta, C, (int)c->strides[1]);
  }
}

typedef struct {
  double *allocated;
  double *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} AmaeMemref3DF64;

/* The float64 DFT of the fbank: C[b] (+)= op(A[b]) * op(B[b]) as above, in
 * strips of rows over the threads (its C is tall: one row per frame). */
void _mlir_ciface_amae_dgemm(AmaeMemref3DF64 *a, AmaeMemref3DF64 *b, AmaeMemref3DF64 *c,
                             int64_t trans) {
  int transB = (trans & kGemmTransB) != 0, transA = (trans & kGemmTransA) != 0;
  double beta = (trans & kGemmOverwrite) ? 0.0 : 1.0;
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
                (int)a->strides[1], B, (int)b->strides[1], beta, C, (int)c->strides[1]);
  }
}

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
} AmaeMemref4D;

/* exp(x) in float, branch-free so that the row loops below vectorize:
 * x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts, Cody-Waite), exp(r) by
 * Cephes' degree-6 polynomial (about 1 ulp), 2^n built in the exponent bits.
 * The softmax only feeds it x <= 0; above 88 it returns exp(88), below the
 * smallest normal 0; NaN stays NaN. The integer work is unsigned, so a NaN
 * input is not undefined behaviour. */
static inline float amae_expf(float x) {
  const float hi = 88.0f, lo = -87.33654f;
  float c = x > hi ? hi : x;
  c = c < lo ? lo : c;
  union { float f; uint32_t u; } t = {c * 1.44269504088896341f + 12582912.0f};
  float n = t.f - 12582912.0f; /* round(c / ln2): 1.5 * 2^23 pushes out the fraction */
  float r = c - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { uint32_t u; float f; } scale = {(t.u - 0x4B400000u + 127u) << 23};
  float y = p * scale.f;
  return x < lo ? 0.0f : y;
}

enum { kLanes = 16 };

/* Each row of s (rows x n) becomes exp(scale * row - max), its sum going to
 * sums[row], in the order of operations of the linalg lowering (max of the
 * scaled row, exp of the difference, sum); sums in 16 lanes so they
 * vectorize. A NaN score makes its row NaN, as there. Cloned per ISA: the
 * library is built once and runs on any x86-64. */
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
static void amae_softmax_exp_rows(float *s, int64_t rows, int64_t n, float scale, float *sums) {
  int64_t whole = n / kLanes * kLanes;
  for (int64_t i = 0; i < rows; ++i) {
    float *row = s + i * n;
    float lanes[kLanes];
    for (int l = 0; l < kLanes; ++l)
      lanes[l] = -__builtin_inff();
    for (int64_t j = 0; j < whole; j += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        float x = row[j + l] * scale;
        lanes[l] = x > lanes[l] ? x : lanes[l];
      }
    float m = -__builtin_inff();
    for (int l = 0; l < kLanes; ++l)
      m = lanes[l] > m ? lanes[l] : m;
    for (int64_t j = whole; j < n; ++j) {
      float x = row[j] * scale;
      m = x > m ? x : m;
    }
    for (int l = 0; l < kLanes; ++l)
      lanes[l] = 0.0f;
    for (int64_t j = 0; j < whole; j += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        float e = amae_expf(row[j + l] * scale - m);
        row[j + l] = e;
        lanes[l] += e;
      }
    float sum = 0.0f;
    for (int l = 0; l < kLanes; ++l)
      sum += lanes[l];
    for (int64_t j = whole; j < n; ++j) {
      float e = amae_expf(row[j] * scale - m);
      row[j] = e;
      sum += e;
    }
    sums[i] = sum;
  }
}

/* Each row of s becomes softmax(scale * row): the exps divided by their sum
 * (the backward's probabilities). */
static void amae_softmax_rows(float *s, int64_t rows, int64_t n, float scale, float *sums) {
  amae_softmax_exp_rows(s, rows, n, scale, sums);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < n; ++j)
      s[i * n + j] = s[i * n + j] / sums[i];
}

static void amae_zero(float *x, int64_t rows, int64_t cols, int64_t stride) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      x[i * stride + j] = 0.0f;
}

/* A leading dimension BLAS accepts: the row stride, or any valid value when
 * there is one row (a size-1 dimension's stride is arbitrary). */
static int ldOf(int64_t stride, int64_t rows, int64_t cols) {
  return (int)(rows > 1 ? stride : (cols > 1 ? cols : 1));
}

/* Rows per block of the attention kernels: `requested` (amae-compile
 * --attention-block-rows, a multiple of 8) or else as many as keep a block's
 * scores within 64 Ki floats (256 KiB, in L2), a multiple of 8 (the GEMM's
 * register tile), at least 8, at most 128. Independent of the thread count,
 * so the results are too. */
static int64_t amae_attention_rows(int64_t lq, int64_t lk, int64_t requested) {
  if (requested > 0)
    return requested > lq ? lq : requested;
  int64_t rows = lk > 0 ? (65536 / lk) / 8 * 8 : 128;
  rows = rows < 8 ? 8 : (rows > 128 ? 128 : rows);
  return rows > lq ? lq : rows;
}

/* o[n, h] = softmax(scale * q[n, h] k[n, h]^T) v[n, h] (amae.fused_attention).
 * (batch, head, block of query rows) tiles are shared out over the threads;
 * each tile computes its rows' scores with one GEMM into a buffer of the
 * thread's that stays in cache (at most 256 KiB), the softmax in place and
 * its output rows with a second GEMM. The whole score matrix never exists.
 * Inner strides are 1 (amae-cpu-attention-to-library copies otherwise). */
void _mlir_ciface_amae_attention(AmaeMemref4D *q, AmaeMemref4D *k, AmaeMemref4D *v,
                                 AmaeMemref4D *o, float scale, int64_t blockRows) {
  int64_t batch = q->sizes[0], heads = q->sizes[1], lq = q->sizes[2], e = q->sizes[3];
  int64_t lk = k->sizes[2], ev = v->sizes[3];
  if (batch == 0 || heads == 0 || lq == 0 || ev == 0)
    return;
  int64_t rows = amae_attention_rows(lq, lk, blockRows);
  int64_t blocks = (lq + rows - 1) / rows, tiles = batch * heads * blocks;
  double flops = 2.0 * (double)(batch * heads * lq) * (double)lk * (double)(e + ev);
#pragma omp parallel if (flops >= 1e6 && tiles > 1)
  {
    size_t floats = (size_t)(rows * (lk > 0 ? lk : 1));
    float *s = malloc(sizeof(float) * (floats + (size_t)rows)), *sums = s + floats;
    if (!s) {
      fprintf(stderr,
              "amae: error: out of memory: the attention kernel could not allocate %lld "
              "bytes of scores\n",
              (long long)(sizeof(float) * (floats + (size_t)rows)));
      exit(1);
    }
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < tiles; ++t) {
      int64_t n = t / (heads * blocks), h = t / blocks % heads, r0 = t % blocks * rows;
      int64_t r = lq - r0 < rows ? lq - r0 : rows;
      const float *Q = q->aligned + q->offset + n * q->strides[0] + h * q->strides[1] +
                       r0 * q->strides[2];
      const float *K = k->aligned + k->offset + n * k->strides[0] + h * k->strides[1];
      const float *V = v->aligned + v->offset + n * v->strides[0] + h * v->strides[1];
      float *O = o->aligned + o->offset + n * o->strides[0] + h * o->strides[1] +
                 r0 * o->strides[2];
      if (lk == 0) {
        /* No keys: softmax of nothing (NaN, as 0/0). */
        for (int64_t i = 0; i < r; ++i)
          for (int64_t c = 0; c < ev; ++c)
            O[i * o->strides[2] + c] = __builtin_nanf("");
        continue;
      }
      if (e == 0) {
        amae_zero(s, r, lk, lk); /* no width: every score 0 */
      } else {
        amae_tile_sgemm(0, 1, (int)r, (int)lk, (int)e, 1.0f, Q,
                    ldOf(q->strides[2], r, e), K, ldOf(k->strides[2], lk, e), 0.0f, s,
                    (int)lk);
      }
      /* The division by each row's sum after the second GEMM, on its ev
       * outputs instead of its lk probabilities (flash attention's order). */
      amae_softmax_exp_rows(s, r, lk, scale, sums);
      amae_tile_sgemm(0, 0, (int)r, (int)ev, (int)lk, 1.0f, s,
                  (int)lk, V, ldOf(v->strides[2], lk, ev), 0.0f, O,
                  ldOf(o->strides[2], r, ev));
      for (int64_t i = 0; i < r; ++i)
        for (int64_t c = 0; c < ev; ++c)
          O[i * o->strides[2] + c] = O[i * o->strides[2] + c] / sums[i];
    }
    free(s);
  }
}

/* The softmax backward of each row, in place of dp: ds = p (dp - rowsum(dp p))
 * scale, the order of operations of amae.attention_grad's linalg lowering. */
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
static void amae_softmax_grad_rows(const float *p, float *dp, int64_t rows, int64_t n,
                                   float scale) {
  int64_t whole = n / kLanes * kLanes;
  for (int64_t i = 0; i < rows; ++i) {
    const float *pr = p + i * n;
    float *d = dp + i * n;
    float lanes[kLanes] = {0};
    for (int64_t j = 0; j < whole; j += kLanes)
      for (int l = 0; l < kLanes; ++l)
        lanes[l] += d[j + l] * pr[j + l];
    float sum = 0.0f;
    for (int l = 0; l < kLanes; ++l)
      sum += lanes[l];
    for (int64_t j = whole; j < n; ++j)
      sum += d[j] * pr[j];
    for (int64_t j = 0; j < n; ++j)
      d[j] = pr[j] * (d[j] - sum) * scale;
  }
}

/* dq, dk, dv of amae.attention_grad (amae.fused_attention_grad). One
 * (batch, head) per thread at a time, walked in the forward's blocks of
 * query rows: a block's probabilities are recomputed into one buffer, its
 * ds into another (both in cache), its rows of dq written, and its shares
 * of dk = ds^T q and dv = p^T dout added to theirs, in block order, so the
 * sums do not depend on the thread count. */
void _mlir_ciface_amae_attention_grad(AmaeMemref4D *q, AmaeMemref4D *k, AmaeMemref4D *v,
                                      AmaeMemref4D *dout, AmaeMemref4D *dq, AmaeMemref4D *dk,
                                      AmaeMemref4D *dv, float scale, int64_t blockRows) {
  int64_t batch = q->sizes[0], heads = q->sizes[1], lq = q->sizes[2], e = q->sizes[3];
  int64_t lk = k->sizes[2], ev = v->sizes[3];
  if (batch == 0 || heads == 0)
    return;
  int64_t rows = lq > 0 ? amae_attention_rows(lq, lk, blockRows) : 1;
  int64_t blocks = (lq + rows - 1) / rows, pairs = batch * heads;
  double flops = 4.0 * (double)(batch * heads * lq) * (double)lk * (double)(e + ev);
#pragma omp parallel if (flops >= 1e6 && pairs > 1)
  {
    size_t floats = (size_t)(rows * (lk > 0 ? lk : 1));
    float *p = malloc(sizeof(float) * (2 * floats + (size_t)rows)), *ds = p + floats;
    float *sums = ds + floats;
    if (!p) {
      fprintf(stderr,
              "amae: error: out of memory: the attention backward could not allocate %lld "
              "bytes of scores\n",
              (long long)(sizeof(float) * (2 * floats + (size_t)rows)));
      exit(1);
    }
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < pairs; ++t) {
      int64_t n = t / heads, h = t % heads;
#define AMAE_HEAD(m) ((m)->aligned + (m)->offset + n * (m)->strides[0] + h * (m)->strides[1])
      const float *Q = AMAE_HEAD(q), *K = AMAE_HEAD(k), *V = AMAE_HEAD(v), *DO = AMAE_HEAD(dout);
      float *DQ = AMAE_HEAD(dq), *DK = AMAE_HEAD(dk), *DV = AMAE_HEAD(dv);
#undef AMAE_HEAD
      int64_t qs = q->strides[2], ks = k->strides[2], vs = v->strides[2], os = dout->strides[2];
      int64_t dqs = dq->strides[2], dks = dk->strides[2], dvs = dv->strides[2];
      /* No query rows: dk and dv are sums of nothing. No keys: dq is. */
      if (lq == 0 || lk == 0) {
        amae_zero(DK, lk, e, dks);
        amae_zero(DV, lk, ev, dvs);
        amae_zero(DQ, lq, e, dqs);
        continue;
      }
      for (int64_t b = 0; b < blocks; ++b) {
        int64_t r0 = b * rows, r = lq - r0 < rows ? lq - r0 : rows;
        const float *Qb = Q + r0 * qs, *DOb = DO + r0 * os;
        float *DQb = DQ + r0 * dqs, beta = b ? 1.0f : 0.0f;
        if (e > 0)
          amae_tile_sgemm(0, 1, (int)r, (int)lk, (int)e, 1.0f,
                      Qb, ldOf(qs, r, e), K, ldOf(ks, lk, e), 0.0f, p, (int)lk);
        else
          amae_zero(p, r, lk, lk);
        amae_softmax_rows(p, r, lk, scale, sums);
        if (ev > 0) {
          amae_tile_sgemm(1, 0, (int)lk, (int)ev, (int)r, 1.0f,
                      p, (int)lk, DOb, ldOf(os, r, ev), beta, DV, ldOf(dvs, lk, ev));
          amae_tile_sgemm(0, 1, (int)r, (int)lk, (int)ev, 1.0f,
                      DOb, ldOf(os, r, ev), V, ldOf(vs, lk, ev), 0.0f, ds, (int)lk);
        } else {
          amae_zero(ds, r, lk, lk);
        }
        amae_softmax_grad_rows(p, ds, r, lk, scale);
        if (e > 0) {
          amae_tile_sgemm(0, 0, (int)r, (int)e, (int)lk, 1.0f,
                      ds, (int)lk, K, ldOf(ks, lk, e), 0.0f, DQb, ldOf(dqs, r, e));
          amae_tile_sgemm(1, 0, (int)lk, (int)e, (int)r, 1.0f, ds,
                      (int)lk, Qb, ldOf(qs, r, e), beta, DK, ldOf(dks, lk, e));
        }
      }
    }
    free(p);
  }
}

/* OpenBLAS stays on the calling thread: the tiles above are the threads. */
void openblas_set_num_threads(int);
__attribute__((constructor)) static void amae_single_threaded_blas(void) {
  openblas_set_num_threads(1);
}
