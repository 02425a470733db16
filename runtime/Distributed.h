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

namespace amae {

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
  /// Ends every rank of the job.
  [[noreturn]] void abort(int code);

private:
  Communicator() = default;
  struct Plugin;
  std::unique_ptr<Plugin> plugin;
  amae_comm *comm = nullptr;
  int rankIndex = 0, worldSize = 1;
};

/// A 64-bit digest of bytes, to compare parameters across ranks (cheap: a
/// multiply and a rotate per 8 bytes).
uint64_t digest(const void *data, size_t bytes, uint64_t seed = 0);

} // namespace amae

#endif // AMAE_RUNTIME_DISTRIBUTED_H
