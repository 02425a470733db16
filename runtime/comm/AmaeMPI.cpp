//===- AmaeMPI.cpp - The MPI communicator plugin (libAmaeMPI.so) -----------===//
//
// The only file that includes <mpi.h>: the runtime dlopens this plugin under
// a launcher, so a single-process run never needs MPI installed.
//
// Collectives are nonblocking and polled against a deadline, so that a rank
// that died or hangs ends the job instead of leaving the others waiting
// forever. To name the late rank, each rank first tells rank 0 (and rank 0
// tells every rank) that it has reached the collective, on a control
// communicator of its own: on a timeout rank 0 knows who is missing, and the
// others know at least whether rank 0 is.
//
//===----------------------------------------------------------------------===//

#include "runtime/comm/amae_comm.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

struct amae_comm {
  MPI_Comm world = MPI_COMM_NULL, control = MPI_COMM_NULL;
  int rank = 0, size = 1;
  int64_t sequence = 0;
};

namespace {

int report(char *err, size_t len, int code, const std::string &message) {
  if (err && len)
    std::snprintf(err, len, "%s", message.c_str());
  return code;
}

std::string mpiMessage(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Polls `request` until it completes or `seconds` pass; sleeps a little
/// more each time once the first millisecond of spinning has not sufficed
/// (a step's collective usually completes at once, an evaluation on rank 0
/// can keep the others waiting for minutes).
bool poll(MPI_Request &request, double seconds) {
  auto start = std::chrono::steady_clock::now();
  for (int spins = 0;; ++spins) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done)
      return true;
    double elapsed = since(start);
    if (elapsed > seconds)
      return false;
    if (elapsed > 1e-3)
      std::this_thread::sleep_for(std::chrono::microseconds(std::min(2000, 20 + spins / 8)));
  }
}

std::string rankList(const std::vector<int> &ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i)
    s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

/// Runs the started collective `op` to completion within `timeout` seconds.
int await(amae_comm *c, MPI_Request op, double timeout, const char *what, char *err,
          size_t len) {
  // The arrival messages of this collective; tags stay below MPI's
  // guaranteed bound of 32767.
  int64_t seq = ++c->sequence;
  int tag = static_cast<int>(seq % 32000) + 1;
  std::vector<int64_t> heard(c->size, -1);
  std::vector<MPI_Request> sends, receives(c->size, MPI_REQUEST_NULL);
  auto send = [&](int to) {
    sends.emplace_back();
    MPI_Isend(&seq, 1, MPI_INT64_T, to, tag, c->control, &sends.back());
  };
  if (c->rank == 0) {
    for (int r = 1; r < c->size; ++r) {
      MPI_Irecv(&heard[r], 1, MPI_INT64_T, r, tag, c->control, &receives[r]);
      send(r);
    }
  } else {
    send(0);
    MPI_Irecv(&heard[0], 1, MPI_INT64_T, 0, tag, c->control, &receives[0]);
  }
  bool finished = poll(op, timeout);
  if (finished) {
    // Everyone reached the collective, so every arrival is sent.
    MPI_Waitall(static_cast<int>(receives.size()), receives.data(), MPI_STATUSES_IGNORE);
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
    return AMAE_COMM_OK;
  }
  std::vector<int> late;
  for (int r = 0; r < c->size; ++r) {
    int done = 1;
    if (receives[r] != MPI_REQUEST_NULL)
      MPI_Test(&receives[r], &done, MPI_STATUS_IGNORE);
    if (!done)
      late.push_back(r);
  }
  std::string waited = std::to_string(static_cast<long long>(timeout));
  if (!late.empty())
    return report(err, len, AMAE_COMM_TIMEOUT,
                  rankList(late) + " did not reach the " + what + " within " + waited +
                      " s (dead or hung; see --comm-timeout)");
  // Rank 0 is alive and will name the late rank and end the job; give it
  // the time to.
  if (poll(op, std::min(timeout, 10.0)))
    return AMAE_COMM_OK;
  return report(err, len, AMAE_COMM_TIMEOUT,
                "the " + std::string(what) + " did not complete within " + waited +
                    " s; rank 0 reached it, another rank did not (see rank 0's message)");
}

} // namespace

extern "C" {

int amae_comm_abi_version(void) { return AMAE_COMM_ABI_VERSION; }

int amae_comm_open(amae_comm **out, int *rank, int *size, char *err, size_t len) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    // The generated code's OpenMP threads never call MPI.
    int provided = 0;
    int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS)
      return report(err, len, AMAE_COMM_ERROR, "MPI_Init_thread failed: " + mpiMessage(code));
  }
  auto *c = new amae_comm();
  MPI_Comm_dup(MPI_COMM_WORLD, &c->world);
  MPI_Comm_dup(MPI_COMM_WORLD, &c->control);
  // Errors come back as codes and become messages, not MPI's abort.
  MPI_Comm_set_errhandler(c->world, MPI_ERRORS_RETURN);
  MPI_Comm_rank(c->world, &c->rank);
  MPI_Comm_size(c->world, &c->size);
  *rank = c->rank;
  *size = c->size;
  *out = c;
  return AMAE_COMM_OK;
}

int amae_comm_allreduce_sum_f32(amae_comm *c, float *data, size_t count, double timeout,
                                const char *what, char *err, size_t len) {
  // MPI counts are ints: reduce in pieces of at most 2^30 floats.
  for (size_t done = 0; done < count;) {
    int piece = static_cast<int>(std::min<size_t>(count - done, size_t(1) << 30));
    MPI_Request op;
    int code = MPI_Iallreduce(MPI_IN_PLACE, data + done, piece, MPI_FLOAT, MPI_SUM, c->world, &op);
    if (code != MPI_SUCCESS)
      return report(err, len, AMAE_COMM_ERROR,
                    std::string("MPI_Iallreduce of the ") + what + ": " + mpiMessage(code));
    if (int status = await(c, op, timeout, what, err, len))
      return status;
    done += piece;
  }
  return AMAE_COMM_OK;
}

int amae_comm_allgather_u64(amae_comm *c, uint64_t value, uint64_t *out, double timeout,
                            const char *what, char *err, size_t len) {
  MPI_Request op;
  int code = MPI_Iallgather(&value, 1, MPI_UINT64_T, out, 1, MPI_UINT64_T, c->world, &op);
  if (code != MPI_SUCCESS)
    return report(err, len, AMAE_COMM_ERROR,
                  std::string("MPI_Iallgather of the ") + what + ": " + mpiMessage(code));
  return await(c, op, timeout, what, err, len);
}

int amae_comm_broadcast(amae_comm *c, void *data, size_t bytes, char *err, size_t len) {
  for (size_t done = 0; done < bytes;) {
    int piece = static_cast<int>(std::min<size_t>(bytes - done, size_t(1) << 30));
    int code = MPI_Bcast(static_cast<char *>(data) + done, piece, MPI_BYTE, 0, c->world);
    if (code != MPI_SUCCESS)
      return report(err, len, AMAE_COMM_ERROR, "MPI_Bcast: " + mpiMessage(code));
    done += piece;
  }
  return AMAE_COMM_OK;
}

void amae_comm_abort(amae_comm *c, int code) {
  std::fflush(stderr);
  MPI_Abort(c ? c->world : MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void amae_comm_close(amae_comm *c) {
  if (!c)
    return;
  MPI_Comm_free(&c->control);
  MPI_Comm_free(&c->world);
  delete c;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Finalize();
}

} // extern "C"
