/*===- PoolCheck.c - The CUDA runtime's buffer pool, under the fake driver -===*
 *
 * Allocates and frees managed and device buffers (every third one) in a
 * shuffled order through codegen/cuda/kernels (the functions a CUDA
 * artifact's runtime and graphs call) and checks that every freed block is
 * handed out again for its kind and size and never for the other kind, that
 * live blocks stay known to the driver, and that the pool's table (open
 * addressing with backward-shift deletion) loses nothing over many rounds.
 * Prints "pool: ok" or what failed; cuda-pool.test runs it.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *amae_cuda_error(void);
void *amae_cuda_alloc(size_t size);
void *amae_cuda_alloc_device(size_t size);
void amae_cuda_free(void *p);
int amae_cuda_is_managed(const void *p);

enum { kBuffers = 3000, kRounds = 20 };

static uint64_t state = 88172645463325252ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/* Buffer i's kind: device memory for every third. */
static int isDevice(int i) { return i % 3 == 0; }
static void *allocate(int i, size_t size) {
  return isDevice(i) ? amae_cuda_alloc_device(size) : amae_cuda_alloc(size);
}

int main(void) {
  if (amae_cuda_error()) {
    printf("pool: no device: %s\n", amae_cuda_error());
    return 1;
  }
  static void *live[kBuffers];
  static size_t sizes[kBuffers];
  for (int i = 0; i < kBuffers; ++i) {
    sizes[i] = 256 * (1 + next() % 64);
    live[i] = allocate(i, sizes[i]);
    if (!isDevice(i)) /* the host may write managed memory only */
      memset(live[i], i & 0xff, sizes[i]);
  }
  static int freed[kBuffers];
  for (int round = 0; round < kRounds; ++round) {
    /* Free a random half, then allocate them again: deletions in bulk
     * leave holes in the table's probe chains that lookups must cross. */
    int count = 0;
    for (int i = 0; i < kBuffers; ++i)
      if (next() % 2) {
        amae_cuda_free(live[i]);
        freed[count++] = i;
      }
    for (int f = 0; f < count; ++f) {
      int i = freed[f];
      live[i] = allocate(i, sizes[i]);
      if (amae_cuda_is_managed(live[i]) == isDevice(i)) {
        printf("pool: round %d: buffer %d is of the wrong kind\n", round, i);
        return 1;
      }
    }
    /* No live buffer handed out twice. */
    for (int i = 0; i < kBuffers; ++i)
      for (int j = i + 1; j < kBuffers; ++j)
        if (live[i] == live[j]) {
          printf("pool: round %d: buffers %d and %d are one\n", round, i, j);
          return 1;
        }
  }
  /* Every live block is still in the table: freeing it keeps it (nothing
   * else is kept now), and the next allocation of its size returns it. */
  for (int i = 0; i < kBuffers; ++i) {
    amae_cuda_free(live[i]);
    void *q = allocate(i, sizes[i]);
    if (q != live[i]) {
      printf("pool: buffer %d was lost from the table\n", i);
      return 1;
    }
  }
  /* A kept block of one kind is never handed out as the other. */
  amae_cuda_free(live[0]);
  void *managed = amae_cuda_alloc(sizes[0]);
  if (managed == live[0] || !amae_cuda_is_managed(managed)) {
    printf("pool: a freed device block came back as managed memory\n");
    return 1;
  }
  amae_cuda_free(managed);
  live[0] = amae_cuda_alloc_device(sizes[0]);
  for (int i = 0; i < kBuffers; ++i)
    amae_cuda_free(live[i]);
  printf("pool: ok\n");
  return 0;
}
