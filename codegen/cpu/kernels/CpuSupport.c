/*===- CpuSupport.c - Buffer allocation for every CPU model ---------------===*
 *
 * The allocation functions MLIR's finalize-memref-to-llvm{use-generic-
 * functions} calls. Two jobs:
 *  - a failed allocation exits with the size the graph asked for, instead of
 *    handing a null buffer to the next loop nest (a segfault far away);
 *  - freed buffers are kept, by exact size, and handed out again: a graph
 *    allocates the same sizes every run, so after the first run no buffer
 *    comes fresh from the kernel (each fresh page is a fault and a zeroing;
 *    glibc returns large blocks to the kernel on every free). The cache holds
 *    at most AMAE_BUFFER_CACHE_MB (default 1024, or the largest block asked
 *    for if that is more) and is emptied before an allocation would fail.
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { kHeader = 64, kBuckets = 4096 };

/* The header in front of each block; the caller sees the 64 bytes after. */
typedef struct Block {
  struct Block *next;
  size_t size; /* rounded, without the header */
} Block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  size_t size;
  Block *head;
} buckets[kBuckets]; /* open addressing on size; size 0 = empty slot */
static size_t cachedBytes, capBytes = (size_t)-1;

static size_t largestBlock;
static int capFromEnv;

/* The cache's bound: AMAE_BUFFER_CACHE_MB if set, else 1 GiB or the largest
 * block asked for, whichever is more. A graph's arena (amae-static-buffer-
 * plan) is one block that every run needs again; kept, its pages are not
 * faulted and zeroed anew each run. Called with the lock held. */
static size_t cap(void) {
  if (capBytes == (size_t)-1) {
    const char *env = getenv("AMAE_BUFFER_CACHE_MB");
    long mb = env ? strtol(env, NULL, 10) : 1024;
    capBytes = mb > 0 ? (size_t)mb << 20 : 0;
    capFromEnv = env != NULL;
  }
  return capFromEnv || capBytes >= largestBlock ? capBytes : largestBlock;
}

static size_t slotOf(size_t size, int insert) {
  size_t h = (size / 64) * 0x9E3779B97F4A7C15ull;
  for (size_t probe = 0; probe < kBuckets; ++probe) {
    size_t i = (h + probe) % kBuckets;
    if (buckets[i].size == size || (insert && buckets[i].size == 0)) {
      buckets[i].size = size;
      return i;
    }
    if (buckets[i].size == 0)
      return kBuckets;
  }
  return kBuckets;
}

/* Frees cached blocks until `room` more bytes fit under the cap (all of
 * them for room = SIZE_MAX). Called with the lock held. */
static void evict(size_t room) {
  for (size_t i = 0; i < kBuckets && cachedBytes > 0; ++i) {
    while (buckets[i].head && (room == (size_t)-1 || cachedBytes + room > cap())) {
      Block *b = buckets[i].head;
      buckets[i].head = b->next;
      cachedBytes -= b->size;
      free(b);
    }
  }
}

static void outOfMemory(uint64_t size) {
  dprintf(2, "amae: error: out of memory: the compiled model could not allocate a buffer of "
             "%llu bytes\n", (unsigned long long)size);
  exit(1);
}

void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  if (size > SIZE_MAX - 2 * kHeader)
    outOfMemory(size);
  size_t rounded = ((size_t)size + 63) & ~(size_t)63;
  if (rounded == 0)
    rounded = 64;
  pthread_mutex_lock(&lock);
  if (rounded > largestBlock)
    largestBlock = rounded;
  size_t slot = slotOf(rounded, 0);
  if (slot < kBuckets && buckets[slot].head) {
    Block *b = buckets[slot].head;
    buckets[slot].head = b->next;
    cachedBytes -= rounded;
    pthread_mutex_unlock(&lock);
    return (char *)b + kHeader;
  }
  if (cachedBytes + rounded > cap())
    evict(rounded);
  pthread_mutex_unlock(&lock);
  Block *b = aligned_alloc(64, rounded + kHeader);
  if (!b) {
    pthread_mutex_lock(&lock);
    evict((size_t)-1);
    pthread_mutex_unlock(&lock);
    b = aligned_alloc(64, rounded + kHeader);
    if (!b)
      outOfMemory(size);
  }
  b->size = rounded;
  return (char *)b + kHeader;
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  /* Blocks are 64-byte aligned; larger alignments are not asked for. */
  if (alignment > 64)
    outOfMemory(size);
  return _mlir_memref_to_llvm_alloc(size);
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Block *b = (Block *)((char *)ptr - kHeader);
  pthread_mutex_lock(&lock);
  size_t slot = b->size <= cap() ? slotOf(b->size, 1) : kBuckets;
  if (slot < kBuckets && cachedBytes + b->size <= cap()) {
    b->next = buckets[slot].head;
    buckets[slot].head = b;
    cachedBytes += b->size;
    b = NULL;
  }
  pthread_mutex_unlock(&lock);
  free(b);
}

/* The thread count of every parallel kernel of this model (AMAE_NUM_THREADS,
 * --num-threads); OpenMP's default is one per core. Weak: a model built
 * without --parallel or --blas has no OpenMP runtime and nothing to set. */
extern void omp_set_num_threads(int) __attribute__((weak));
void amae_set_num_threads(int threads) {
  if (threads > 0 && omp_set_num_threads)
    omp_set_num_threads(threads);
}
