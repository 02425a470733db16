/*===- amae_comm.h - The C ABI of amae's communicator plugins ------*- C -*-===*
 *
 * The runtime runs without MPI: under a launcher (mpirun) it dlopens a
 * plugin that links the real library (libAmaeMPI.so over Open MPI, and
 * libAmaeNCCL.so over NCCL, bootstrapped through the MPI plugin). The ABI is
 * plain C so that the plugin and the runtime share nothing but this header.
 *
 * Every call returns 0 on success; on failure it writes a message (no
 * trailing newline) into `err` and returns AMAE_COMM_ERROR, or
 * AMAE_COMM_TIMEOUT when a collective did not complete in time.
 *
 *===----------------------------------------------------------------------===*/

#ifndef AMAE_COMM_H
#define AMAE_COMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { AMAE_COMM_OK = 0, AMAE_COMM_ERROR = 1, AMAE_COMM_TIMEOUT = 2 };
#define AMAE_COMM_ABI_VERSION 1

typedef struct amae_comm amae_comm;

/* The plugin's ABI version; a mismatch means a stale plugin. */
int amae_comm_abi_version(void);

/* Joins the job started by the launcher. */
int amae_comm_open(amae_comm **comm, int *rank, int *size, char *err, size_t errlen);

/* Sums `count` floats over all ranks in place. A rank that has not joined
 * within `timeout_s` seconds ends the call with AMAE_COMM_TIMEOUT and a
 * message naming the late ranks where they are known; `what` names the
 * collective in messages ("gradients of step 12"). */
int amae_comm_allreduce_sum_f32(amae_comm *comm, float *data, size_t count, double timeout_s,
                                const char *what, char *err, size_t errlen);

/* Gathers one value per rank into `out` (size entries), with the same
 * timeout rule. */
int amae_comm_allgather_u64(amae_comm *comm, uint64_t value, uint64_t *out, double timeout_s,
                            const char *what, char *err, size_t errlen);

/* Broadcasts `bytes` bytes from rank 0 (no timeout: set-up only). */
int amae_comm_broadcast(amae_comm *comm, void *data, size_t bytes, char *err, size_t errlen);

/* Ends every rank of the job with `code`; does not return. */
void amae_comm_abort(amae_comm *comm, int code);

/* Leaves the job (MPI_Finalize). */
void amae_comm_close(amae_comm *comm);

/* NCCL plugin (GPU ranks of CUDA artifacts): a communicator over `size`
 * ranks, one CUDA device per rank (`device`), summing device buffers on
 * `stream` (a cudaStream_t; NULL for the default stream). Its unique id
 * travels from rank 0 through `broadcast` (the MPI plugin's
 * amae_comm_broadcast, bound to its communicator in `context`), so NCCL
 * needs no bootstrap of its own. */
typedef struct amae_nccl amae_nccl;
typedef int (*amae_broadcast_fn)(void *context, void *data, size_t bytes, char *err,
                                 size_t errlen);
int amae_nccl_open(int rank, int size, int device, amae_broadcast_fn broadcast,
                   void *context, amae_nccl **nccl, char *err, size_t errlen);
int amae_nccl_allreduce_sum_f32(amae_nccl *nccl, float *device_data, size_t count,
                                void *stream, char *err, size_t errlen);
void amae_nccl_close(amae_nccl *nccl);

#ifdef __cplusplus
}
#endif

#endif /* AMAE_COMM_H */
