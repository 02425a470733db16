//===- AmaeNCCL.cpp - The NCCL communicator plugin (libAmaeNCCL.so) --------===//
//
// GPU ranks sum gradients with NCCL on device buffers. NCCL's unique id is
// made on rank 0 and handed to the others over MPI (the broadcast callback),
// so the job has one launcher and one bootstrap. Like the MPI plugin it is
// dlopened: CPU-only runs and machines without CUDA never load it.
//
//===----------------------------------------------------------------------===//

#include "runtime/comm/amae_comm.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <cstdio>
#include <string>

struct amae_nccl {
  ncclComm_t comm = nullptr;
  int device = 0;
};

namespace {

int report(char *err, size_t len, const std::string &message) {
  if (err && len)
    std::snprintf(err, len, "%s", message.c_str());
  return AMAE_COMM_ERROR;
}

std::string cudaMessage(const char *call, cudaError_t code) {
  return std::string(call) + ": " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) +
         ")";
}

std::string ncclMessage(const char *call, ncclResult_t code) {
  return std::string(call) + ": " + ncclGetErrorString(code);
}

} // namespace

extern "C" {

int amae_nccl_open(int rank, int size, int device, amae_broadcast_fn broadcast, void *context,
                   amae_nccl **out, char *err, size_t len) {
  int devices = 0;
  if (cudaError_t code = cudaGetDeviceCount(&devices); code != cudaSuccess)
    return report(err, len, "CUDA cannot be used for NCCL (no GPU or no driver): " +
                                cudaMessage("cudaGetDeviceCount", code));
  if (device < 0 || device >= devices)
    return report(err, len, "rank " + std::to_string(rank) + " asks for CUDA device " +
                                std::to_string(device) + ", this machine has " +
                                std::to_string(devices));
  if (cudaError_t code = cudaSetDevice(device); code != cudaSuccess)
    return report(err, len, cudaMessage("cudaSetDevice", code));
  ncclUniqueId id;
  if (rank == 0)
    if (ncclResult_t code = ncclGetUniqueId(&id); code != ncclSuccess)
      return report(err, len, ncclMessage("ncclGetUniqueId", code));
  if (broadcast(context, &id, sizeof id, err, len) != AMAE_COMM_OK)
    return AMAE_COMM_ERROR;
  auto *n = new amae_nccl();
  n->device = device;
  if (ncclResult_t code = ncclCommInitRank(&n->comm, size, id, rank); code != ncclSuccess) {
    delete n;
    return report(err, len, ncclMessage("ncclCommInitRank", code));
  }
  *out = n;
  return AMAE_COMM_OK;
}

int amae_nccl_allreduce_sum_f32(amae_nccl *n, float *data, size_t count, void *stream,
                                char *err, size_t len) {
  auto s = static_cast<cudaStream_t>(stream);
  if (ncclResult_t code = ncclAllReduce(data, data, count, ncclFloat32, ncclSum, n->comm, s);
      code != ncclSuccess)
    return report(err, len, ncclMessage("ncclAllReduce", code));
  if (cudaError_t code = cudaStreamSynchronize(s); code != cudaSuccess)
    return report(err, len, cudaMessage("cudaStreamSynchronize", code));
  return AMAE_COMM_OK;
}

void amae_nccl_close(amae_nccl *n) {
  if (!n)
    return;
  ncclCommDestroy(n->comm);
  delete n;
}

} // extern "C"
