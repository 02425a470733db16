//===- Distributed.cpp - Data-parallel communication for training ---------===//

#include "runtime/Distributed.h"
#include "runtime/comm/amae_comm.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace amae {

struct Communicator::Plugin {
  void *handle = nullptr;
  decltype(&amae_comm_abi_version) abiVersion = nullptr;
  decltype(&amae_comm_open) open = nullptr;
  decltype(&amae_comm_allreduce_sum_f32) allreduce = nullptr;
  decltype(&amae_comm_allgather_u64) allgather = nullptr;
  decltype(&amae_comm_broadcast) broadcast = nullptr;
  decltype(&amae_comm_abort) abort = nullptr;
  decltype(&amae_comm_close) close = nullptr;
};

std::string Communicator::pluginPath(const char *argv0, const char *fileName) {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, &anchor);
  llvm::SmallString<256> path(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(path, "lib", fileName);
  return std::string(path);
}

/// Loads the plugin `envVar` names, else `fileName` beside the tools; an
/// error says why in words for the caller's message (`missing` is the hint
/// for a file that does not exist). Sets `path` to the file tried.
static llvm::Expected<void *> loadPlugin(const char *argv0, const char *envVar,
                                         const char *fileName, const char *kind, int flags,
                                         const std::string &missing, std::string &path) {
  const char *given = std::getenv(envVar);
  path = given && *given ? given : Communicator::pluginPath(argv0, fileName);
  if (!llvm::sys::fs::exists(path))
    return llvm::createStringError("the " + std::string(kind) + " plugin " + path +
                                   " does not exist: " + missing);
  void *handle = dlopen(path.c_str(), flags);
  if (!handle)
    return llvm::createStringError("the " + std::string(kind) +
                                   " plugin cannot be loaded: " + std::string(dlerror()));
  return handle;
}

llvm::Expected<std::unique_ptr<Communicator>>
Communicator::fromEnvironment(const char *argv0) {
  const char *launched = nullptr;
  for (const char *var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (!launched && std::getenv(var))
      launched = var;
  if (!launched)
    return nullptr;
  auto fail = [&](const std::string &why) {
    return llvm::createStringError("started by an MPI launcher (" + std::string(launched) +
                                   " is set) but " + why);
  };
  // RTLD_GLOBAL: Open MPI dlopens its own components, which look for
  // libmpi's symbols in the global scope.
  std::string path;
  llvm::Expected<void *> handle = loadPlugin(
      argv0, "AMAE_MPI_PLUGIN", "libAmaeMPI.so", "MPI", RTLD_NOW | RTLD_GLOBAL,
      "amae was built without MPI (install libopenmpi-dev, rebuild) or AMAE_MPI_PLUGIN names "
      "a missing file",
      path);
  if (!handle)
    return fail(llvm::toString(handle.takeError()));
  std::unique_ptr<Communicator> c(new Communicator());
  c->plugin = std::make_unique<Plugin>();
  Plugin &p = *c->plugin;
  p.handle = *handle;
  bool ok = true;
  auto bind = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(p.handle, name));
    ok = ok && fn;
  };
  bind(p.abiVersion, "amae_comm_abi_version");
  bind(p.open, "amae_comm_open");
  bind(p.allreduce, "amae_comm_allreduce_sum_f32");
  bind(p.allgather, "amae_comm_allgather_u64");
  bind(p.broadcast, "amae_comm_broadcast");
  bind(p.abort, "amae_comm_abort");
  bind(p.close, "amae_comm_close");
  if (!ok || p.abiVersion() != AMAE_COMM_ABI_VERSION)
    return fail(path + " is not an amae communicator plugin of ABI version " +
                std::to_string(AMAE_COMM_ABI_VERSION) + " (a stale build?)");
  char err[1024] = "";
  if (p.open(&c->comm, &c->rankIndex, &c->worldSize, err, sizeof err) != AMAE_COMM_OK)
    return fail(err);
  return std::move(c);
}

Communicator::~Communicator() {
  if (plugin && comm)
    plugin->close(comm);
  // The plugin stays loaded: MPI's own libraries must outlive its finalize.
}

llvm::Error Communicator::allreduceSum(llvm::MutableArrayRef<float> data,
                                       const std::string &what) {
  char err[1024] = "";
  if (plugin->allreduce(comm, data.data(), data.size(), timeout, what.c_str(), err, sizeof err))
    return llvm::createStringError(err);
  return llvm::Error::success();
}

llvm::Expected<std::vector<uint64_t>> Communicator::allgather(uint64_t value,
                                                              const std::string &what) {
  std::vector<uint64_t> all(worldSize);
  char err[1024] = "";
  if (plugin->allgather(comm, value, all.data(), timeout, what.c_str(), err, sizeof err))
    return llvm::createStringError(err);
  return all;
}

llvm::Error Communicator::compare(uint64_t value, const std::string &what) {
  auto all = allgather(value, what);
  if (!all)
    return all.takeError();
  std::string differ;
  for (int r = 1; r < worldSize; ++r)
    if ((*all)[r] != (*all)[0])
      differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  if (differ.empty())
    return llvm::Error::success();
  return llvm::createStringError("the " + what + " of rank(s) " + differ + " differ from rank 0's");
}

llvm::Expected<std::unique_ptr<NcclCommunicator>> Communicator::openNccl(const char *argv0,
                                                                         int device) {
  auto fail = [&](const std::string &why) {
    return llvm::createStringError("rank " + std::to_string(rankIndex) + ": NCCL: " + why);
  };
  std::string path;
  llvm::Expected<void *> handle =
      loadPlugin(argv0, "AMAE_NCCL_PLUGIN", "libAmaeNCCL.so", "NCCL", RTLD_NOW | RTLD_LOCAL,
                 "amae was built without the CUDA toolkit's NCCL", path);
  if (!handle)
    return fail(llvm::toString(handle.takeError()));
  auto open = reinterpret_cast<decltype(&amae_nccl_open)>(dlsym(*handle, "amae_nccl_open"));
  std::unique_ptr<NcclCommunicator> n(new NcclCommunicator());
  n->handle = *handle;
  n->reduce = reinterpret_cast<decltype(n->reduce)>(dlsym(*handle, "amae_nccl_allreduce_sum_f32"));
  n->close = reinterpret_cast<decltype(n->close)>(dlsym(*handle, "amae_nccl_close"));
  if (!open || !n->reduce || !n->close)
    return fail(path + " is not an amae NCCL plugin");
  // NCCL's unique id travels over this communicator.
  amae_broadcast_fn broadcast = [](void *self, void *data, size_t bytes, char *err,
                                   size_t len) {
    auto *c = static_cast<Communicator *>(self);
    return c->plugin->broadcast(c->comm, data, bytes, err, len);
  };
  char err[1024] = "";
  if (open(rankIndex, worldSize, device, broadcast, this, &n->nccl, err, sizeof err))
    return fail(err);
  return std::move(n);
}

NcclCommunicator::~NcclCommunicator() {
  if (nccl)
    close(nccl);
}

llvm::Error NcclCommunicator::allreduceSum(float *data, size_t count, void *stream) {
  char err[1024] = "";
  if (reduce(nccl, data, count, stream, err, sizeof err))
    return llvm::createStringError(err);
  return llvm::Error::success();
}

void Communicator::abort(int code) {
  plugin->abort(comm, code);
  std::_Exit(code);
}

uint64_t digest(const void *data, size_t bytes, uint64_t seed) {
  const auto *p = static_cast<const unsigned char *>(data);
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (bytes + 1));
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h = (h << 29) | (h >> 35);
  }
  for (; i < bytes; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h ^ (h >> 31);
}

} // namespace amae
