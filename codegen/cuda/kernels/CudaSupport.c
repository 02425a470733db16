/*===- CudaSupport.c - The driver-API runtime of every CUDA model ---------===*
 *
 * What a CUDA artifact's host code calls, linked into each artifact:
 *  - the mgpu* functions MLIR's gpu.launch_func translation emits (module
 *    load in a constructor, one function lookup and one launch per kernel
 *    call; Debian ships no libmlir_cuda_runtime), over libcuda opened at run
 *    time (dlopen), so an artifact loads on a machine without a driver and
 *    the runtime can say why it cannot run (amae_cuda_error);
 *  - the generic allocation functions of finalize-memref-to-llvm, as
 *    device memory (only kernels, GEMMs and the driver's copies touch the
 *    generated code's buffers), and the runtime's buffers (weights, inputs,
 *    outputs) as managed memory; freed blocks kept by kind and size for the
 *    next run, since cuMemFree synchronises the device;
 *  - the copies host code asks for: a constant to the device, a scalar back
 *    (amae_cuda_upload, amae_cuda_read32/64);
 *  - amae_gemm and amae_dgemm, the GEMMs amae-contractions-to-blas emits,
 *    on cuBLAS (CudaGemm.c, also opened at run time).
 * Launches, GEMMs and uploads queue on one stream per thread; nothing waits
 * until a scalar is read back or the runtime synchronises after the graph.
 * An error is sticky: later launches are skipped and the runtime reports
 * the first one after the run.
 *
 *===----------------------------------------------------------------------===*/

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CudaSupport.h"

typedef int CUdevice;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream, *CUevent;
typedef unsigned long long CUdeviceptr;
typedef struct {
  int type; /* CU_MEM_LOCATION_TYPE_DEVICE: 1 */
  int id;
} CUmemLocation;
enum { kCudaSuccess = 0, kAttachGlobal = 1, kPointerIsManaged = 8, kNonBlocking = 1 };

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*ctxSynchronize)(void);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, CUstream, void **, void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*streamDestroy)(CUstream);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*pointerGetAttribute)(void *, int, CUdeviceptr);
  CUresult (*getErrorName)(CUresult, const char **);
  /* Optional (drivers from CUDA 12.2): an optimisation only. */
  CUresult (*memPrefetch)(CUdeviceptr, size_t, CUmemLocation, unsigned, CUstream);
  /* Optional: the GPU time of a run (amae_cuda_timer_*). */
  CUresult (*eventCreate)(CUevent *, unsigned);
  CUresult (*eventRecord)(CUevent, CUstream);
  CUresult (*eventSynchronize)(CUevent);
  CUresult (*eventElapsed)(float *, CUevent, CUevent);
} cu;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CUcontext context;
static int deviceOrdinal;
static char deviceName[256];
static char error[1024]; /* the first error; empty while all is well */

void amae_cuda_fail(const char *fmt, const char *a, const char *b) {
  pthread_mutex_lock(&lock);
  if (!error[0])
    snprintf(error, sizeof error, fmt, a, b);
  pthread_mutex_unlock(&lock);
}

const char *amae_cuda_result_name(CUresult r) {
  const char *name = NULL;
  if (cu.getErrorName && cu.getErrorName(r, &name) == kCudaSuccess && name)
    return name;
  /* 34: the toolkit's stub libcuda, which stands in for a driver at link time. */
  static __thread char text[64];
  snprintf(text, sizeof text, r == 34 ? "CUDA_ERROR_STUB_LIBRARY (34: a stub, not a driver)"
                                      : "CUDA error %d", r);
  return text;
}

/* False, with the error recorded, unless `r` is success. */
int amae_cuda_check(CUresult r, const char *call) {
  if (r == kCudaSuccess)
    return 1;
  amae_cuda_fail("%s failed: %s", call, amae_cuda_result_name(r));
  return 0;
}

static void *symbol(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (!p)
    amae_cuda_fail("the CUDA driver has no %s%s", name, "");
  return p;
}

/* Opens libcuda (AMAE_LIBCUDA names another: the tests' fake driver), makes
 * device AMAE_CUDA_DEVICE (default 0) current. */
static void initialize(void) {
  const char *path = getenv("AMAE_LIBCUDA");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    amae_cuda_fail("no NVIDIA driver: %s", dlerror(), "");
    return;
  }
#define LOAD(field, name) *(void **)&cu.field = symbol(lib, name)
  LOAD(init, "cuInit");
  LOAD(deviceGetCount, "cuDeviceGetCount");
  LOAD(deviceGet, "cuDeviceGet");
  LOAD(deviceGetName, "cuDeviceGetName");
  LOAD(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LOAD(ctxSetCurrent, "cuCtxSetCurrent");
  LOAD(ctxSynchronize, "cuCtxSynchronize");
  LOAD(moduleLoadData, "cuModuleLoadData");
  LOAD(moduleUnload, "cuModuleUnload");
  LOAD(moduleGetFunction, "cuModuleGetFunction");
  LOAD(launchKernel, "cuLaunchKernel");
  LOAD(streamCreate, "cuStreamCreate");
  LOAD(streamSynchronize, "cuStreamSynchronize");
  LOAD(streamDestroy, "cuStreamDestroy_v2");
  LOAD(memAllocManaged, "cuMemAllocManaged");
  LOAD(memAlloc, "cuMemAlloc_v2");
  LOAD(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  LOAD(memcpyDtoH, "cuMemcpyDtoH_v2");
  LOAD(memFree, "cuMemFree_v2");
  LOAD(pointerGetAttribute, "cuPointerGetAttribute");
  LOAD(getErrorName, "cuGetErrorName");
#undef LOAD
  *(void **)&cu.memPrefetch = dlsym(lib, "cuMemPrefetchAsync_v2");
  *(void **)&cu.eventCreate = dlsym(lib, "cuEventCreate");
  *(void **)&cu.eventRecord = dlsym(lib, "cuEventRecord");
  *(void **)&cu.eventSynchronize = dlsym(lib, "cuEventSynchronize");
  /* CUDA 13's name; older drivers have only the first version. */
  if (!(*(void **)&cu.eventElapsed = dlsym(lib, "cuEventElapsedTime_v2")))
    *(void **)&cu.eventElapsed = dlsym(lib, "cuEventElapsedTime");
  if (error[0])
    return;
  if (!amae_cuda_check(cu.init(0), "cuInit"))
    return;
  int count = 0;
  if (!amae_cuda_check(cu.deviceGetCount(&count), "cuDeviceGetCount"))
    return;
  const char *env = getenv("AMAE_CUDA_DEVICE");
  char *end = NULL;
  long ordinal = env && *env ? strtol(env, &end, 10) : 0;
  if (env && *env && (*end || ordinal < 0)) {
    amae_cuda_fail("AMAE_CUDA_DEVICE must be a device number, got '%s'%s", env, "");
    return;
  }
  if (count == 0 || ordinal >= count) {
    char have[32];
    snprintf(have, sizeof have, "%d", count);
    amae_cuda_fail(count == 0 ? "no CUDA device: the driver sees none%s%s"
                    : "AMAE_CUDA_DEVICE asks for a device this machine lacks (it has %s)%s",
         count == 0 ? "" : have, "");
    return;
  }
  CUdevice device;
  deviceOrdinal = (int)ordinal;
  if (!amae_cuda_check(cu.deviceGet(&device, (int)ordinal), "cuDeviceGet") ||
      !amae_cuda_check(cu.primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain"))
    return;
  if (cu.deviceGetName(deviceName, sizeof deviceName - 1, device) != kCudaSuccess)
    snprintf(deviceName, sizeof deviceName, "CUDA device %ld", ordinal);
}

/* The driver opened and its context current on this thread (it is per
 * thread), errors or not: buffers are still allocated and freed after a
 * failed launch, so the host code runs to its end and the runtime reports. */
static int driverUp(void) {
  pthread_once(&once, initialize);
  if (!context)
    return 0;
  static __thread int current;
  if (!current && cu.ctxSetCurrent(context) != kCudaSuccess)
    return 0;
  current = 1;
  return 1;
}

int amae_cuda_ready(void) { return driverUp() && !error[0]; }

/*===----------------------------------------------------------------------===*
 * What the runtime asks (dlsym'd from the artifact)
 *===----------------------------------------------------------------------===*/

const char *amae_cuda_error(void) {
  pthread_once(&once, initialize);
  return error[0] ? error : NULL;
}

const char *amae_cuda_device(void) { return amae_cuda_ready() ? deviceName : NULL; }

/* After a graph: every kernel and GEMM it queued done, or the first
 * failure among them recorded. */
int amae_cuda_synchronize(void) {
  return amae_cuda_ready() &&
         amae_cuda_check(cu.ctxSynchronize(), "cuCtxSynchronize (a kernel or GEMM failed)");
}

int amae_cuda_compute_type = kCompute32F;

/* The manifest's gpu_gemm_precision, which the runtime passes on at load
 * (here, not in CudaGemm.c, which an artifact without GEMMs leaves out). */
int amae_cuda_set_gemm_precision(const char *precision) {
  if (strcmp(precision, "fp32") == 0)
    amae_cuda_compute_type = kCompute32F;
  else if (strcmp(precision, "tf32") == 0)
    amae_cuda_compute_type = kCompute32FFastTF32;
  else if (strcmp(precision, "bf16") == 0)
    amae_cuda_compute_type = kCompute32FFastBF16;
  else
    return 0;
  return 1;
}

int amae_cuda_use_cublaslt = 1;

/* The manifest's gpu_gemm_library. */
int amae_cuda_set_gemm_library(const char *library) {
  if (strcmp(library, "cublaslt") == 0)
    amae_cuda_use_cublaslt = 1;
  else if (strcmp(library, "cublas") == 0)
    amae_cuda_use_cublaslt = 0;
  else
    return 0;
  return 1;
}

/* Moves `bytes` of managed memory at `p` to the device ahead of the kernels
 * (bound weights, staged inputs) instead of page by page at first touch.
 * Where the driver or device cannot, the pages still move on demand. */
void amae_cuda_prefetch(const void *p, size_t bytes) {
  CUmemLocation device = {1, deviceOrdinal};
  if (cu.memPrefetch && bytes && amae_cuda_ready())
    (void)cu.memPrefetch((CUdeviceptr)p, bytes, device, 0, NULL);
}

int amae_cuda_is_managed(const void *p) {
  unsigned managed = 0;
  if (!driverUp() ||
      cu.pointerGetAttribute(&managed, kPointerIsManaged, (CUdeviceptr)p) != kCudaSuccess)
    return 0;
  return managed != 0;
}

/*===----------------------------------------------------------------------===*
 * mgpu*: what gpu.launch_func becomes
 *===----------------------------------------------------------------------===*/

void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  CUmodule module = NULL;
  if (amae_cuda_ready())
    amae_cuda_check(cu.moduleLoadData(&module, data), "cuModuleLoadData (the artifact's kernels)");
  return module;
}

void mgpuModuleUnload(void *module) {
  if (module && driverUp())
    cu.moduleUnload(module);
}

/* Each launch looks its kernel up by name (the name a constant of the
 * artifact, so its address is the key): found once, kept. */
enum { kFunctions = 4096 };
static struct {
  const void *module;
  const char *name;
  CUfunction f;
} functions[kFunctions];

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module || !amae_cuda_ready())
    return NULL;
  size_t i = (size_t)(((uintptr_t)name >> 3) * 0x9E3779B97F4A7C15ull) % kFunctions;
  pthread_mutex_lock(&lock);
  for (size_t probe = 0; probe < kFunctions; ++probe, i = (i + 1) % kFunctions) {
    if (functions[i].name == name && functions[i].module == module) {
      CUfunction f = functions[i].f;
      pthread_mutex_unlock(&lock);
      return f;
    }
    if (!functions[i].name)
      break;
  }
  pthread_mutex_unlock(&lock);
  CUfunction f = NULL;
  if (cu.moduleGetFunction(&f, module, name) != kCudaSuccess) {
    amae_cuda_fail("kernel %s is not in the artifact's module%s", name, "");
    return NULL;
  }
  pthread_mutex_lock(&lock);
  if (!functions[i].name) { /* else the table is full: looked up each time */
    functions[i].module = module;
    functions[i].name = name;
    functions[i].f = f;
  }
  pthread_mutex_unlock(&lock);
  return f;
}

/* One stream per thread for every launch and GEMM, made once: MLIR's
 * translation creates one around each launch, synchronises and destroys it.
 * Here launches and GEMMs queue on it in order and nothing waits until the
 * runtime synchronises after the graph (amae_cuda_synchronize) or the host
 * code reads a scalar back (amae_cuda_read32/64): host code never touches a
 * buffer otherwise (amae-cuda-device-constants checks). */
static __thread CUstream launchStream;

void *amae_cuda_stream(void) {
  if (!launchStream && amae_cuda_ready())
    amae_cuda_check(cu.streamCreate(&launchStream, kNonBlocking), "cuStreamCreate");
  return launchStream;
}

void *mgpuStreamCreate(void) { return amae_cuda_stream(); }

/* The GPU time of what the calling thread queues between the two calls, from
 * events on its stream (the runtime brackets each run with them): the
 * kernels' and GEMMs' time without the host's. -1 where the driver has no
 * events or after an error. */
static __thread CUevent timerBegin, timerEnd;

void amae_cuda_timer_start(void) {
  void *stream = amae_cuda_stream();
  if (!stream || !cu.eventCreate || !cu.eventRecord || !cu.eventSynchronize ||
      !cu.eventElapsed)
    return;
  if (!timerBegin && (cu.eventCreate(&timerBegin, 0) != kCudaSuccess ||
                      cu.eventCreate(&timerEnd, 0) != kCudaSuccess)) {
    timerBegin = NULL;
    return;
  }
  if (cu.eventRecord(timerBegin, stream) != kCudaSuccess)
    timerBegin = NULL;
}

double amae_cuda_timer_stop(void) {
  float ms = -1.0f;
  if (!timerBegin || !launchStream || !amae_cuda_ready())
    return -1.0;
  if (cu.eventRecord(timerEnd, launchStream) != kCudaSuccess ||
      cu.eventSynchronize(timerEnd) != kCudaSuccess ||
      cu.eventElapsed(&ms, timerBegin, timerEnd) != kCudaSuccess)
    return -1.0;
  return ms;
}

void mgpuStreamSynchronize(void *s) { (void)s; }

/* The thread's stream outlives the launch (the driver frees it with the
 * context). */
void mgpuStreamDestroy(void *s) { (void)s; }

/* What host code asks of device memory (amae-cuda-device-constants): a
 * constant copied in behind the kernels queued before it, and a scalar read
 * back once they are done. */
void amae_cuda_upload(int64_t dst, int64_t src, int64_t bytes) {
  void *stream = amae_cuda_stream();
  if (stream && bytes > 0)
    amae_cuda_check(cu.memcpyHtoDAsync((CUdeviceptr)dst, (const void *)(intptr_t)src,
                                       (size_t)bytes, stream),
                    "cuMemcpyHtoDAsync (a constant to the device)");
}

static uint64_t readBack(int64_t src, size_t bytes) {
  uint64_t value = 0;
  if (launchStream && amae_cuda_ready())
    amae_cuda_check(cu.streamSynchronize(launchStream), "cuStreamSynchronize (a kernel failed)");
  if (amae_cuda_ready())
    amae_cuda_check(cu.memcpyDtoH(&value, (CUdeviceptr)src, bytes),
                    "cuMemcpyDtoH (a scalar from the device)");
  return value; /* zero after an error, which the runtime reports */
}

int32_t amae_cuda_read32(int64_t src) { return (int32_t)readBack(src, 4); }
int64_t amae_cuda_read64(int64_t src) { return (int64_t)readBack(src, 8); }

void mgpuLaunchKernel(void *f, intptr_t gx, intptr_t gy, intptr_t gz, intptr_t bx,
                      intptr_t by, intptr_t bz, int32_t smem, void *stream, void **params,
                      void **extra, size_t count) {
  (void)count;
  if (!f || !stream || !amae_cuda_ready())
    return; /* the error is recorded already */
  amae_cuda_check(cu.launchKernel(f, (unsigned)gx, (unsigned)gy, (unsigned)gz, (unsigned)bx,
                        (unsigned)by, (unsigned)bz, (unsigned)smem, stream, params, extra),
        "cuLaunchKernel");
}

/*===----------------------------------------------------------------------===*
 * Buffers: device and managed memory, freed blocks kept by kind and size
 *===----------------------------------------------------------------------===*/

/* Two kinds of block: device memory for what the generated code allocates
 * (only kernels and copies touch it), managed memory for what the runtime
 * binds and reads (weights, inputs, outputs). Live blocks (pointer -> size
 * and kind) and freed ones (by kind and size) are kept on the host: a
 * header in the block itself would have to be read from the GPU. */
enum { kTable = 1 << 16, kKept = 4096 };
static struct { uintptr_t p; size_t size; int device; } live[kTable];
static struct { void *p; size_t size; } kept[2][kKept];
static size_t keptCount[2];

static size_t liveSlot(uintptr_t p) {
  size_t i = (size_t)((p >> 8) * 0x9E3779B97F4A7C15ull) % kTable;
  for (size_t probe = 0; probe < kTable; ++probe, i = (i + 1) % kTable)
    if (live[i].p == p || live[i].p == 0) /* found, or where it would go */
      return i;
  return kTable;
}

static void outOfMemory(uint64_t size, const char *why) {
  dprintf(2, "amae: error: the compiled model could not allocate a GPU buffer of %llu bytes: %s\n",
          (unsigned long long)size, why);
  exit(1);
}

/* Frees every kept block (before an allocation is retried). Lock held. */
static void releaseKept(void) {
  for (int kind = 0; kind < 2; ++kind) {
    for (size_t i = 0; i < keptCount[kind]; ++i)
      cu.memFree((CUdeviceptr)kept[kind][i].p);
    keptCount[kind] = 0;
  }
}

static CUresult driverAlloc(CUdeviceptr *d, size_t size, int device) {
  return device ? cu.memAlloc(d, size) : cu.memAllocManaged(d, size, kAttachGlobal);
}

static void *allocate(size_t size, int device) {
  if (!driverUp())
    outOfMemory(size, error);
  size_t rounded = (size + 255) & ~(size_t)255;
  if (rounded == 0)
    rounded = 256;
  pthread_mutex_lock(&lock);
  void *p = NULL;
  for (size_t i = 0; i < keptCount[device]; ++i)
    if (kept[device][i].size == rounded) {
      p = kept[device][i].p;
      kept[device][i] = kept[device][--keptCount[device]];
      break;
    }
  if (!p) {
    CUdeviceptr d = 0;
    CUresult r = driverAlloc(&d, rounded, device);
    if (r != kCudaSuccess) {
      releaseKept();
      r = driverAlloc(&d, rounded, device);
    }
    if (r != kCudaSuccess) {
      pthread_mutex_unlock(&lock);
      outOfMemory(size, amae_cuda_result_name(r));
    }
    p = (void *)d;
  }
  size_t slot = liveSlot((uintptr_t)p);
  if (slot == kTable) {
    pthread_mutex_unlock(&lock);
    outOfMemory(size, "more than 65536 live buffers");
  }
  live[slot].p = (uintptr_t)p;
  live[slot].size = rounded;
  live[slot].device = device;
  pthread_mutex_unlock(&lock);
  return p;
}

void *amae_cuda_alloc(size_t size) { return allocate(size, 0); }
void *amae_cuda_alloc_device(size_t size) { return allocate(size, 1); }

void amae_cuda_free(void *p) {
  if (!p || !driverUp())
    return;
  pthread_mutex_lock(&lock);
  size_t slot = liveSlot((uintptr_t)p);
  size_t size = slot < kTable && live[slot].p ? live[slot].size : 0;
  int device = size ? live[slot].device : 0;
  if (size) {
    /* Backward-shift deletion keeps the probe chains whole. */
    size_t hole = slot, j = slot;
    for (;;) {
      j = (j + 1) % kTable;
      if (!live[j].p)
        break;
      size_t home = (size_t)((live[j].p >> 8) * 0x9E3779B97F4A7C15ull) % kTable;
      if ((j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j)) {
        live[hole] = live[j];
        hole = j;
      }
    }
    live[hole].p = 0;
  }
  if (size && keptCount[device] < kKept) {
    kept[device][keptCount[device]].p = p;
    kept[device][keptCount[device]++].size = size;
  } else {
    cu.memFree((CUdeviceptr)p);
  }
  pthread_mutex_unlock(&lock);
}

/* The generated code's buffers: device memory. */
void *_mlir_memref_to_llvm_alloc(uint64_t size) { return amae_cuda_alloc_device((size_t)size); }

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  /* Driver allocations are 256-byte aligned. */
  if (alignment > 256)
    outOfMemory(size, "an alignment above 256 bytes");
  return amae_cuda_alloc_device((size_t)size);
}

void _mlir_memref_to_llvm_free(void *p) { amae_cuda_free(p); }
