//===- OnednnGemm.cpp - amae_gemm on oneDNN with prepacked weights --------===//
//
// amae-compile --gemm=onednn. OpenBLAS packs both operands into its blocked
// layout on every call; for an inference graph's weights that is the same
// work each run (8% of base inference). Here a GEMM whose B lies in memory the
// runtime declared constant (amae_constant_add: the parameters of a bound
// graph that updates none of them) runs as a oneDNN matmul on B reordered
// once into oneDNN's own layout, kept until the runtime withdraws the memory
// (amae_constant_remove: the parameters are handed out for writing, updated
// in place, or freed). Memory nobody declared is never cached, so a caller of
// the raw C ABI cannot get results from stale weights. Every other large
// unbatched GEMM (a training graph's linears, forward and backward) runs on
// dnnl_sgemm, oneDNN's BLAS-style entry: its jit kernels on A and B where
// they lie. Base fine-tuning b2 steps 1943-1984 ms against 2093-2125 with the
// backward's A B and A^T B on OpenBLAS and the forward on the matmul
// primitive; pretraining b4 -3 to -4% (the matmul primitive on the backward's
// products was slower than OpenBLAS; dnnl_sgemm is not).
//
// oneDNN (Debian's build) runs on OpenMP through the GOMP entry points; the
// model links LLVM's libomp ahead of it, which defines them, so its threads
// are the generated code's threads (one pool).
//
//===----------------------------------------------------------------------===//

#include "CpuKernels.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace {

using dnnl::memory;

/// Below this a matmul's dispatch costs more than packing saves.
constexpr double kMinFlops = double(1 << 22);

/// Below this an attention tile stays on OpenBLAS.
constexpr double kMinTileFlops = double(1 << 20);

/// A matmul and the layouts of its operands as callers pass them.
struct Matmul {
  dnnl::matmul matmul;
  memory::desc a, b, c;
  /// The layout the matmul reads B in: `b`, or the one oneDNN chose.
  memory::desc bLayout;
};

struct Key {
  const float *b;
  int64_t m, n, k, lda, ldb, ldc, trans;
  auto tie() const { return std::tie(b, m, n, k, lda, ldb, ldc, trans); }
  bool operator<(const Key &o) const { return tie() < o.tie(); }
};

/// A matmul for one shape and the packed B it reads; `usable` false records
/// that oneDNN refused the shape, so it is not asked again.
struct Packed : Matmul {
  bool usable = false;
  std::shared_ptr<memory> weights;
};

struct State {
  std::mutex mutex;
  std::map<uintptr_t, uintptr_t> regions; // begin -> end of constant memory
  std::map<Key, Packed> packed;
  /// Packed copies per source, shared by the shapes (batch sizes) whose
  /// matmuls chose the same layout for it.
  std::map<const float *, std::vector<std::shared_ptr<memory>>> weightsOf;
};

State &state() {
  static State s;
  return s;
}

dnnl::engine &engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

/// Row-major C (m x n, row stride ldc) = A (m x k, lda) B (k x n, stored
/// transposed with `transB`, ldb), accumulating onto C unless `overwrite`
/// (BLAS's beta 1 or 0); with `packedB`, oneDNN picks B's layout.
Matmul makeMatmul(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc,
                  bool transB, bool overwrite, bool packedB) {
  Matmul mm;
  mm.a = memory::desc({m, k}, memory::data_type::f32, memory::dims{lda, 1});
  mm.b = memory::desc({k, n}, memory::data_type::f32,
                      transB ? memory::dims{1, ldb} : memory::dims{ldb, 1});
  mm.c = memory::desc({m, n}, memory::data_type::f32, memory::dims{ldc, 1});
  dnnl::primitive_attr attr;
  if (!overwrite) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  memory::desc b =
      packedB ? memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any) : mm.b;
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(mm.a, b, mm.c), attr, engine());
  mm.matmul = dnnl::matmul(pd);
  mm.bLayout = pd.weights_desc();
  return mm;
}

/// Runs `mm` on the calling thread's stream. A failure leaves C half written
/// (and accumulated onto): no fallback can repair it.
void execute(const Matmul &mm, const float *a, const memory &b, float *c) {
  thread_local dnnl::stream stream(engine());
  try {
    memory am(mm.a, engine(), const_cast<float *>(a)), cm(mm.c, engine(), c);
    mm.matmul.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, cm}});
    stream.wait();
  } catch (const dnnl::error &e) {
    std::fprintf(stderr, "amae: error: a oneDNN matmul failed: %s\n", e.what());
    std::exit(1);
  }
}

bool isConstant(const State &s, uintptr_t begin, uintptr_t end) {
  auto it = s.regions.upper_bound(begin);
  if (it == s.regions.begin())
    return false;
  --it;
  return it->first <= begin && end <= it->second;
}

/// Drops every region overlapping [begin, end) and what was packed from it.
void forget(State &s, uintptr_t begin, uintptr_t end) {
  for (auto it = s.regions.begin(); it != s.regions.end();) {
    if (it->first < end && begin < it->second) {
      uintptr_t b = it->first, e = it->second;
      for (auto p = s.packed.begin(); p != s.packed.end();)
        p = reinterpret_cast<uintptr_t>(p->first.b) >= b &&
                    reinterpret_cast<uintptr_t>(p->first.b) < e
                ? s.packed.erase(p)
                : std::next(p);
      for (auto w = s.weightsOf.begin(); w != s.weightsOf.end();)
        w = reinterpret_cast<uintptr_t>(w->first) >= b && reinterpret_cast<uintptr_t>(w->first) < e
                ? s.weightsOf.erase(w)
                : std::next(w);
      it = s.regions.erase(it);
    } else {
      ++it;
    }
  }
}

/// The matmul of `key`'s shape on a copy of its B in the layout oneDNN
/// prefers, made once per layout and source.
Packed pack(State &s, const Key &key) {
  Packed p;
  static_cast<Matmul &>(p) = makeMatmul(key.m, key.n, key.k, key.lda, key.ldb, key.ldc,
                                        key.trans & kGemmTransB, key.trans & kGemmOverwrite,
                                        /*packedB=*/true);
  p.usable = true;
  for (const std::shared_ptr<memory> &w : s.weightsOf[key.b])
    if (w->get_desc() == p.bLayout)
      p.weights = w;
  if (!p.weights) {
    p.weights = std::make_shared<memory>(p.bLayout, engine());
    memory source(p.b, engine(), const_cast<float *>(key.b));
    dnnl::stream stream(engine());
    dnnl::reorder(source, *p.weights).execute(stream, source, *p.weights);
    stream.wait();
    s.weightsOf[key.b].push_back(p.weights);
  }
  return p;
}

/// The packed matmul for this unbatched m x n x k call, or an unusable one
/// when A is transposed or B is not constant memory.
Packed lookup(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans, int64_t m,
              int64_t n, int64_t k) {
  if (trans & kGemmTransA)
    return {};
  const float *B = b->aligned + b->offset;
  int64_t ldb = b->strides[1];
  auto begin = reinterpret_cast<uintptr_t>(B);
  uintptr_t end = begin + sizeof(float) * uintptr_t((trans & kGemmTransB) ? (n - 1) * ldb + k
                                                                          : (k - 1) * ldb + n);
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!isConstant(s, begin, end))
    return {};
  Key key{B, m, n, k, a->strides[1], ldb, c->strides[1], trans};
  auto it = s.packed.find(key);
  if (it != s.packed.end())
    return it->second;
  Packed p;
  try {
    p = pack(s, key);
  } catch (const dnnl::error &e) {
    std::fprintf(stderr, "amae: warning: oneDNN has no matmul for %lldx%lldx%lld (%s); using dnnl_sgemm\n",
                 (long long)m, (long long)n, (long long)k, e.what());
  }
  s.packed.emplace(key, p);
  return p;
}

/// C (+)= A B on B where it lies, with the matmul of that shape and layout
/// made on the calling thread's first call and kept (a few per model): the
/// attention tiles (amae_tile_sgemm) and amae_gemm's long-reduction linears.
void runUnpacked(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                 int64_t ldb, float *c, int64_t ldc, bool transB, bool overwrite) {
  thread_local std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool, bool>,
                        Matmul>
      made;
  Matmul &mm = made[{m, n, k, lda, ldb, ldc, transB, overwrite}];
  if (!mm.matmul) {
    try {
      mm = makeMatmul(m, n, k, lda, ldb, ldc, transB, overwrite, /*packedB=*/false);
    } catch (const dnnl::error &e) {
      std::fprintf(stderr, "amae: error: oneDNN has no matmul for %lldx%lldx%lld: %s\n",
                   (long long)m, (long long)n, (long long)k, e.what());
      std::exit(1);
    }
  }
  execute(mm, a, memory(mm.b, engine(), const_cast<float *>(b)), c);
}

} // namespace

extern "C" {

/* Declares [p, p + bytes) constant until amae_constant_remove: GEMMs may
 * keep packed copies of it. */
void amae_constant_add(const void *p, size_t bytes) {
  if (!p || !bytes)
    return;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto begin = reinterpret_cast<uintptr_t>(p);
  forget(s, begin, begin + bytes);
  s.regions[begin] = begin + bytes;
}

/* Withdraws every constant region overlapping [p, p + bytes) and its packed
 * copies: that memory is about to be written or freed. */
void amae_constant_remove(const void *p, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto at = reinterpret_cast<uintptr_t>(p);
  forget(s, at, at + (bytes ? bytes : 1));
}

/* Bytes of packed weights held now (for tests and the benchmarks). */
size_t amae_constant_packed_bytes(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  size_t bytes = 0;
  for (const auto &[source, copies] : s.weightsOf)
    for (const std::shared_ptr<memory> &w : copies)
      bytes += w->get_desc().get_size();
  return bytes;
}

void _mlir_ciface_amae_gemm(AmaeMemref3D *a, AmaeMemref3D *b, AmaeMemref3D *c, int64_t trans) {
  int64_t m = c->sizes[1], n = c->sizes[2];
  int64_t k = (trans & kGemmTransA) ? a->sizes[1] : a->sizes[2];
  // Batched products (none of the encoder's linears) keep OpenBLAS's split
  // of the batch over the threads.
  if (c->sizes[0] != 1 || 2.0 * double(m) * double(n) * double(k) < kMinFlops) {
    amae_gemm_openblas(a, b, c, trans);
    return;
  }
  Packed p = lookup(a, b, c, trans, m, n, k);
  if (p.usable) {
    execute(p, a->aligned + a->offset, *p.weights, c->aligned + c->offset);
    return;
  }
  // An A B^T product whose reduction is longer than its rows of B^T are
  // wide (the MLP's second linear in a training graph's forward, 1026 x 768
  // x 3072 in base fine-tuning b2): dnnl_sgemm runs that shape at 136-164
  // GFLOP/s, the matmul primitive at 154-189 (AMD EPYC, 2 threads); the
  // other forward shapes are as fast or faster on dnnl_sgemm.
  if (trans == (kGemmTransB | kGemmOverwrite) && k > n) {
    runUnpacked(m, n, k, a->aligned + a->offset, a->strides[1], b->aligned + b->offset,
                b->strides[1], c->aligned + c->offset, c->strides[1], /*transB=*/true,
                /*overwrite=*/true);
    return;
  }
  dnnl_status_t status = dnnl_sgemm(
      (trans & kGemmTransA) ? 'T' : 'N', (trans & kGemmTransB) ? 'T' : 'N', m, n, k, 1.0f,
      a->aligned + a->offset, a->strides[1], b->aligned + b->offset, b->strides[1],
      (trans & kGemmOverwrite) ? 0.0f : 1.0f, c->aligned + c->offset, c->strides[1]);
  if (status != dnnl_success) {
    std::fprintf(stderr, "amae: error: dnnl_sgemm failed on %lldx%lldx%lld (status %d)\n",
                 (long long)m, (long long)n, (long long)k, int(status));
    std::exit(1);
  }
}

/* The attention tiles on oneDNN's jit GEMM (single-threaded inside the
 * kernels' parallel loops): A B^T (the scores q k^T, and dout v^T in the
 * backward), 29% faster than OpenBLAS on one thread at 128 x 512 x 64, and
 * A B (p v, and ds k in the backward): base inference b1 276-278 ms against
 * 281-284 (amae-run --repeat=7, alternating), training unchanged. The
 * transposed-A products (p^T dout, ds^T q) are slower there and stay on
 * OpenBLAS. */
void amae_tile_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (transA || alpha != 1.0f || (beta != 0.0f && beta != 1.0f) ||
      2.0 * m * n * k < kMinTileFlops) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  runUnpacked(m, n, k, a, lda, b, ldb, c, ldc, transB != 0, /*overwrite=*/beta == 0.0f);
}

} // extern "C"
