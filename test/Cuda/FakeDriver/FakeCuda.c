/*===- FakeCuda.c - A CUDA driver and cuBLAS on the CPU, for tests --------===*
 *
 * The driver-API and cuBLAS functions a CUDA artifact's runtime calls
 * (codegen/cuda/kernels), done on the CPU: managed memory is the heap, a
 * module is checked to be a fatbin holding each kernel asked for, a launch
 * runs the kernel's host form from the library AMAE_FAKE_CUDA_KERNELS names
 * (amae-compile --target=cuda --emulate-kernels), and the GEMMs follow
 * cuBLAS's column-major definition (cuBLASLt's matmul in FakeCublasLt.c).
 * With AMAE_LIBCUDA, AMAE_LIBCUBLAS and AMAE_LIBCUBLASLT
 * pointing here, an artifact's own host code runs end to end without a GPU.
 * AMAE_FAKE_CUDA_DEVICES sets the device count (default 1);
 * AMAE_FAKE_CUDA_LOG=1 prints what was done at exit. With
 * AMAE_FAKE_CUDA_PROTECT=1 the managed buffers are unreadable to the host
 * from a launch or GEMM until the next synchronisation (mprotect), as the
 * device may still be running them, and device memory (cuMemAlloc) is
 * unreadable to the host always, except to the kernels, GEMMs and copies:
 * host code that touches a buffer it must not then dies of SIGSEGV instead
 * of racing with the kernels, or reading device addresses, on a real GPU.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  kSuccess = 0,
  kInvalidValue = 1,
  kNotInitialized = 3,
  kInvalidImage = 200,
  kNotFound = 500,
  kLaunchFailed = 719
};

static int initialized;
static const unsigned char *image;
static size_t imageSize;
static void *emulation;
static long launches, gemms, allocations, deviceAllocations, kernelsFound, streams;
static long uploads, readBacks, eventsRecorded;
static size_t prefetched;
static size_t liveBytes, peakBytes;
static int lastComputeType; /* of cublasGemmStridedBatchedEx */
extern long fakeLtMatmuls;   /* FakeCublasLt.c */

typedef void (*Emulated)(void **, int64_t, int64_t);
typedef struct {
  char name[256];
  Emulated run;
} Function;

enum { kMaxBuffers = 1 << 16 };
static struct {
  char *p;
  size_t size;
  int device; /* cuMemAlloc's, else cuMemAllocManaged's */
} buffers[kMaxBuffers];
static size_t bufferCount;
static int pending; /* work queued since the last synchronisation */

static size_t pages(size_t size) { return (size + 4095) & ~(size_t)4095; }

static void report(void) {
  if (getenv("AMAE_FAKE_CUDA_LOG"))
    fprintf(stderr,
            "fake-cuda: %ld kernels found, %ld launches, %ld GEMMs (%ld cuBLASLt matmuls), %ld "
            "managed and %ld device "
            "allocations (peak %zu bytes), %zu buffers live at exit, GEMM compute type %d, "
            "streams made %ld, %zu bytes prefetched, %ld uploads, %ld read-backs, %ld events "
            "recorded\n",
            kernelsFound, launches, gemms, fakeLtMatmuls, allocations, deviceAllocations, peakBytes, bufferCount,
            lastComputeType, streams, prefetched, uploads, readBacks, eventsRecorded);
}

int cuInit(unsigned flags) {
  (void)flags;
  if (!initialized)
    atexit(report);
  initialized = 1;
  return kSuccess;
}

int cuGetErrorName(int r, const char **name) {
  switch (r) {
  case kSuccess: *name = "CUDA_SUCCESS"; break;
  case kInvalidValue: *name = "CUDA_ERROR_INVALID_VALUE"; break;
  case kNotInitialized: *name = "CUDA_ERROR_NOT_INITIALIZED"; break;
  case kInvalidImage: *name = "CUDA_ERROR_INVALID_IMAGE"; break;
  case kNotFound: *name = "CUDA_ERROR_NOT_FOUND"; break;
  case kLaunchFailed: *name = "CUDA_ERROR_LAUNCH_FAILED"; break;
  default: return kInvalidValue;
  }
  return kSuccess;
}

int cuDeviceGetCount(int *count) {
  const char *env = getenv("AMAE_FAKE_CUDA_DEVICES");
  *count = env ? atoi(env) : 1;
  return initialized ? kSuccess : kNotInitialized;
}
int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return kSuccess; }
int cuDeviceGetName(char *name, int len, int device) {
  snprintf(name, (size_t)len, "fake GPU %d (the CPU)", device);
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void **ctx, int device) {
  *ctx = (void *)(intptr_t)(device + 1);
  return kSuccess;
}
int cuCtxSetCurrent(void *ctx) { return ctx ? kSuccess : kInvalidValue; }
static void settle(void);
static void queued(void);
static void deviceWork(int begin);
int cuCtxSynchronize(void) {
  settle();
  return kSuccess;
}

/* A fatbin: magic 0xBA55ED50, then a 16-bit version, the header size and
 * the size of what follows. */
int cuModuleLoadData(void **module, const void *data) {
  const unsigned char *p = data;
  uint32_t magic;
  uint16_t header;
  uint64_t size;
  memcpy(&magic, p, 4);
  memcpy(&header, p + 6, 2);
  memcpy(&size, p + 8, 8);
  if (magic != 0xBA55ED50u) {
    fprintf(stderr, "fake-cuda: the module is not a fatbin (magic %08x)\n", magic);
    return kInvalidImage;
  }
  image = p;
  imageSize = header + size;
  const char *path = getenv("AMAE_FAKE_CUDA_KERNELS");
  if (path && !(emulation = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
    fprintf(stderr, "fake-cuda: %s\n", dlerror());
    return kInvalidImage;
  }
  *module = (void *)(uintptr_t)image;
  return kSuccess;
}

int cuModuleUnload(void *module) { return module == image ? kSuccess : kInvalidValue; }

int cuModuleGetFunction(void **function, void *module, const char *name) {
  if (module != image)
    return kInvalidValue;
  /* The cubin's symbol table holds the name, NUL included. */
  if (!memmem(image, imageSize, name, strlen(name) + 1)) {
    fprintf(stderr, "fake-cuda: no kernel %s in the module\n", name);
    return kNotFound;
  }
  Function *f = calloc(1, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", name);
  if (emulation) {
    char entry[300];
    snprintf(entry, sizeof entry, "%s_emulate", name);
    *(void **)&f->run = dlsym(emulation, entry);
    if (!f->run) {
      fprintf(stderr, "fake-cuda: the emulation library has no %s\n", entry);
      free(f);
      return kNotFound;
    }
  }
  ++kernelsFound;
  *function = f;
  return kSuccess;
}

int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned smem, void *stream, void **params,
                   void **extra) {
  Function *f = function;
  (void)smem;
  if (!f || !stream || !params || extra || gx == 0 || bx == 0 || bx > 1024 || gy != 1 ||
      gz != 1 || by != 1 || bz != 1) {
    fprintf(stderr, "fake-cuda: a bad launch of %s (%u,%u,%u) x (%u,%u,%u)\n",
            f ? f->name : "(null)", gx, gy, gz, bx, by, bz);
    return kInvalidValue;
  }
  ++launches;
  settle();
  deviceWork(1);
  if (f->run)
    f->run(params, gx, bx);
  deviceWork(0);
  queued();
  return kSuccess;
}

int cuStreamCreate(void **stream, unsigned flags) {
  (void)flags;
  ++streams;
  *stream = malloc(1);
  return kSuccess;
}
int cuStreamSynchronize(void *stream) {
  settle();
  return stream ? kSuccess : kInvalidValue;
}
int cuStreamDestroy_v2(void *stream) { free(stream); return kSuccess; }

/* Events: the host's clock when recorded, which is when the work queued
 * before them is done (the fake runs each launch, GEMM and copy as it is
 * queued). */
typedef struct {
  double ms;
  int recorded;
} Event;
int cuEventCreate(void **event, unsigned flags) {
  if (flags)
    return kInvalidValue;
  *event = calloc(1, sizeof(Event));
  return kSuccess;
}
int cuEventRecord(void *event, void *stream) {
  struct timespec t;
  if (!event || !stream)
    return kInvalidValue;
  clock_gettime(CLOCK_MONOTONIC, &t);
  ((Event *)event)->ms = t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
  ((Event *)event)->recorded = 1;
  ++eventsRecorded;
  return kSuccess;
}
int cuEventSynchronize(void *event) {
  settle();
  return event && ((Event *)event)->recorded ? kSuccess : kInvalidValue;
}
int cuEventElapsedTime_v2(float *ms, void *begin, void *end) {
  Event *b = begin, *e = end;
  if (!b || !e || !b->recorded || !e->recorded)
    return kInvalidValue;
  *ms = (float)(e->ms - b->ms);
  return kSuccess;
}

static int protecting(void) { return getenv("AMAE_FAKE_CUDA_PROTECT") != NULL; }

static int addBuffer(unsigned long long *ptr, size_t size, int device) {
  if (bufferCount == kMaxBuffers)
    return kInvalidValue;
  char *p = aligned_alloc(4096, pages(size ? size : 1)); /* whole pages, for mprotect */
  if (!p)
    return kInvalidValue;
  if (protecting() && (device || pending))
    mprotect(p, pages(size ? size : 1), PROT_NONE);
  buffers[bufferCount].p = p;
  buffers[bufferCount].size = size;
  buffers[bufferCount++].device = device;
  ++*(device ? &deviceAllocations : &allocations);
  liveBytes += size;
  if (liveBytes > peakBytes)
    peakBytes = liveBytes;
  *ptr = (unsigned long long)(uintptr_t)p;
  return kSuccess;
}

int cuMemAllocManaged(unsigned long long *ptr, size_t size, unsigned flags) {
  return flags == 1 ? addBuffer(ptr, size, 0) : kInvalidValue;
}

int cuMemAlloc_v2(unsigned long long *ptr, size_t size) { return addBuffer(ptr, size, 1); }

/* The buffers of one kind (device or managed) to `prot`. */
static void protectKind(int device, int prot) {
  for (size_t i = 0; i < bufferCount; ++i)
    if (buffers[i].device == device)
      mprotect(buffers[i].p, pages(buffers[i].size ? buffers[i].size : 1), prot);
}

/* Before host-side work on the buffers (an emulated kernel, a GEMM, a
 * synchronisation): managed memory readable again. */
static void settle(void) {
  if (pending && protecting())
    protectKind(0, PROT_READ | PROT_WRITE);
  pending = 0;
}

/* After queuing work: managed memory unreadable until the next
 * synchronisation. */
static void queued(void) {
  if (protecting())
    protectKind(0, PROT_NONE);
  pending = 1;
}

/* Around what the device itself does (a kernel, a GEMM, a copy): device
 * memory readable to it, and to nothing else. */
static void deviceWork(int begin) {
  if (protecting())
    protectKind(1, begin ? PROT_READ | PROT_WRITE : PROT_NONE);
}

static size_t find(const char *p) {
  for (size_t i = 0; i < bufferCount; ++i)
    if (p >= buffers[i].p && p < buffers[i].p + (buffers[i].size ? buffers[i].size : 1))
      return i;
  return kMaxBuffers;
}

int cuMemFree_v2(unsigned long long ptr) {
  char *p = (char *)(uintptr_t)ptr;
  size_t i = find(p);
  if (i == kMaxBuffers || buffers[i].p != p) {
    fprintf(stderr, "fake-cuda: cuMemFree of %p, which is no allocation\n", (void *)p);
    return kInvalidValue;
  }
  liveBytes -= buffers[i].size;
  mprotect(p, pages(buffers[i].size ? buffers[i].size : 1), PROT_READ | PROT_WRITE);
  free(p);
  buffers[i] = buffers[--bufferCount];
  return kSuccess;
}

typedef struct {
  int type, id;
} Location;
/* Managed memory to device 0 only; counted. */
int cuMemPrefetchAsync_v2(unsigned long long ptr, size_t count, Location to, unsigned flags,
                          void *stream) {
  (void)stream;
  size_t i = find((const char *)(uintptr_t)ptr);
  if (i == kMaxBuffers || to.type != 1 || to.id != 0 || flags)
    return kInvalidValue;
  prefetched += count;
  return kSuccess;
}

/* CU_POINTER_ATTRIBUTE_IS_MANAGED (8) only. */
int cuPointerGetAttribute(void *data, int attribute, unsigned long long ptr) {
  size_t i = find((const char *)(uintptr_t)ptr);
  if (attribute != 8 || i == kMaxBuffers)
    return kInvalidValue;
  *(unsigned *)data = !buffers[i].device;
  return kSuccess;
}

/* Copies between the host and a buffer the driver made, whole. */
static int inBuffer(unsigned long long ptr, size_t bytes) {
  size_t i = find((const char *)(uintptr_t)ptr);
  return i != kMaxBuffers &&
         (char *)(uintptr_t)ptr + bytes <= buffers[i].p + (buffers[i].size ? buffers[i].size : 1);
}

int cuMemcpyHtoDAsync_v2(unsigned long long dst, const void *src, size_t bytes, void *stream) {
  if (!stream || !inBuffer(dst, bytes))
    return kInvalidValue;
  ++uploads;
  settle();
  deviceWork(1);
  memcpy((void *)(uintptr_t)dst, src, bytes);
  deviceWork(0);
  queued();
  return kSuccess;
}

int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t bytes) {
  if (!inBuffer(src, bytes))
    return kInvalidValue;
  ++readBacks;
  settle();
  deviceWork(1);
  memcpy(dst, (const void *)(uintptr_t)src, bytes);
  deviceWork(0);
  return kSuccess;
}

/*===----------------------------------------------------------------------===*
 * cuBLAS: C = alpha op(A) op(B) + beta C, column-major, op(A) m x k
 *===----------------------------------------------------------------------===*/

static void *gemmStream;
int cublasSetStream_v2(void *handle, void *stream) {
  (void)handle;
  gemmStream = stream;
  return stream ? 0 : 7; /* the launches' stream, never the legacy default */
}

int cublasCreate_v2(void **handle) {
  *handle = (void *)1;
  return initialized ? 0 : 1; /* CUBLAS_STATUS_NOT_INITIALIZED without a context */
}
const char *cublasGetStatusName(int status) {
  return status == 0 ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}

#define GEMM(NAME, T)                                                                       \
  int NAME(void *handle, int ta, int tb, int m, int n, int k, const T *alpha, const T *a,   \
           int lda, long long sa, const T *b, int ldb, long long sb, const T *beta, T *c,   \
           int ldc, long long sc, int batch) {                                             \
    (void)handle;                                                                          \
    if (m < 0 || n < 0 || k < 0 || ldc < m || lda < (ta ? k : m) || ldb < (tb ? n : k))   \
      return 7;                                                                            \
    ++gemms;                                                                               \
    settle();                                                                              \
    deviceWork(1);                                                                         \
    for (int x = 0; x < batch; ++x)                                                        \
      for (int j = 0; j < n; ++j)                                                          \
        for (int i = 0; i < m; ++i) {                                                      \
          double sum = 0;                                                                  \
          for (int p = 0; p < k; ++p)                                                      \
            sum += (double)(ta ? a[x * sa + p + (long long)i * lda]                        \
                               : a[x * sa + i + (long long)p * lda]) *                     \
                   (double)(tb ? b[x * sb + j + (long long)p * ldb]                        \
                               : b[x * sb + p + (long long)j * ldb]);                      \
          T *out = &c[x * sc + i + (long long)j * ldc];                                    \
          *out = (T)(*alpha * sum + (*beta == 0 ? 0 : *beta * *out));                      \
        }                                                                                  \
    deviceWork(0);                                                                         \
    queued();                                                                              \
    return 0;                                                                              \
  }
GEMM(cublasSgemmStridedBatched, float)
GEMM(cublasDgemmStridedBatched, double)

/* x with its mantissa rounded to `bits` bits, to nearest even: what the
 * tensor cores see of a TF32 (10) or bf16 (7) operand. */
static float roundMantissa(float x, int bits) {
  uint32_t u;
  memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0x7f800000u)
    return x;
  int drop = 23 - bits;
  uint32_t half = 1u << (drop - 1), lsb = (u >> drop) & 1u;
  u = (u + half - 1 + lsb) & ~((1u << drop) - 1);
  memcpy(&x, &u, 4);
  return x;
}


/* fp32 operands and result; computeType 68 (fp32), 77 (TF32 operands) or
 * 75 (bf16 operands). */
int cublasGemmStridedBatchedEx(void *handle, int ta, int tb, int m, int n, int k,
                               const void *alpha, const void *a, int atype, int lda,
                               long long sa, const void *b, int btype, int ldb, long long sb,
                               const void *beta, void *c, int ctype, int ldc, long long sc,
                               int batch, int compute, int algo) {
  if (atype != 0 || btype != 0 || ctype != 0 || algo != -1 ||
      (compute != 68 && compute != 75 && compute != 77))
    return 7;
  lastComputeType = compute;
  settle(); /* the rounding below reads the operands */
  deviceWork(1);
  int bits = compute == 77 ? 10 : compute == 75 ? 7 : 23;
  const float *A = a, *B = b;
  float *ra = NULL, *rb = NULL;
  if (bits < 23) {
    /* Rounded copies of the operands' extent (batch strides may be 0). */
    size_t na = (size_t)((batch - 1) * sa + (long long)lda * ((ta ? m : k) - 1) + (ta ? k : m));
    size_t nb = (size_t)((batch - 1) * sb + (long long)ldb * ((tb ? k : n) - 1) + (tb ? n : k));
    ra = malloc(na * sizeof(float));
    rb = malloc(nb * sizeof(float));
    for (size_t i = 0; i < na; ++i)
      ra[i] = roundMantissa(A[i], bits);
    for (size_t i = 0; i < nb; ++i)
      rb[i] = roundMantissa(B[i], bits);
    A = ra;
    B = rb;
  }
  deviceWork(0);
  int r = cublasSgemmStridedBatched(handle, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta,
                                    c, ldc, sc, batch);
  free(ra);
  free(rb);
  return r;
}
