//===- Distributed.h - Data-parallel communication for training -*- C++ -*-===//
//
// A Communicator is the job of ranks that amae-train runs in under a
// launcher (mpirun). It is backed by a plugin (runtime/comm/amae_comm.h)
// loaded only then, so nothing here needs MPI at build or run time.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_DISTRIBUTED_H
#define AMAE_RUNTIME_DISTRIBUTED_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

struct amae_comm;
struct amae_nccl;

namespace amae {

class NcclCommunicator;

class Communicator {
public:
  /// The job this process was started in by a launcher: Open MPI's mpirun
  /// (OMPI_COMM_WORLD_SIZE), a PMIx or a PMI launcher. Null when started on
  /// its own; an error when launched but the MPI plugin cannot be loaded.
  /// The plugin is AMAE_MPI_PLUGIN, else libAmaeMPI.so beside the tools
  /// (bin/../lib).
  static llvm::Expected<std::unique_ptr<Communicator>> fromEnvironment(const char *argv0);
  /// The plugin file fromEnvironment loads.
  static std::string pluginPath(const char *argv0, const char *fileName);
  ~Communicator();

  int rank() const { return rankIndex; }
  int size() const { return worldSize; }
  /// Seconds a collective may wait for the slowest rank before the job is
  /// ended naming it.
  double timeout = 600;

  /// Sums `data` over all ranks in place.
  llvm::Error allreduceSum(llvm::MutableArrayRef<float> data, const std::string &what);
  /// One value from every rank, in rank order.
  llvm::Expected<std::vector<uint64_t>> allgather(uint64_t value, const std::string &what);
  /// An error naming the ranks whose `value` differs from rank 0's ("the
  /// <what> of rank(s) 1, 3 differ from rank 0's").
  llvm::Error compare(uint64_t value, const std::string &what);
  /// NCCL over the same ranks, one CUDA device each (GPU ranks of CUDA
  /// artifacts): loads libAmaeNCCL.so beside the tools (or AMAE_NCCL_PLUGIN)
  /// and hands it NCCL's unique id from rank 0 over this communicator.
  llvm::Expected<std::unique_ptr<NcclCommunicator>> openNccl(const char *argv0, int device);
  /// Ends every rank of the job.
  [[noreturn]] void abort(int code);

private:
  Communicator() = default;
  struct Plugin;
  std::unique_ptr<Plugin> plugin;
  friend class NcclCommunicator;
  amae_comm *comm = nullptr;
  int rankIndex = 0, worldSize = 1;
};

/// Sums device buffers over the ranks with NCCL.
class NcclCommunicator {
public:
  ~NcclCommunicator();
  /// Sums `count` floats at device address `data` in place, on `stream`
  /// (a cudaStream_t; null for the default stream).
  llvm::Error allreduceSum(float *data, size_t count, void *stream);

private:
  friend class Communicator;
  NcclCommunicator() = default;
  void *handle = nullptr;
  ::amae_nccl *nccl = nullptr;
  int (*reduce)(::amae_nccl *, float *, size_t, void *, char *, size_t) = nullptr;
  void (*close)(::amae_nccl *) = nullptr;
};

/// A 64-bit digest of bytes, to compare parameters across ranks (cheap: a
/// multiply and a rotate per 8 bytes).
uint64_t digest(const void *data, size_t bytes, uint64_t seed = 0);

} // namespace amae

#endif // AMAE_RUNTIME_DISTRIBUTED_H
