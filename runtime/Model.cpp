//===- Model.cpp - Load and run a compiled amae model ---------------------===//

#include "runtime/Model.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/TargetParser/Host.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sched.h>
#include <sys/sysinfo.h>

namespace amae {

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape, const TensorMemory &memory)
    : dtype_(dtype), shape_(std::move(shape)) {
  std::optional<int64_t> count = checkedNumElements(shape_);
  if (!count || *count > INT64_MAX / dtypeSize(dtype_))
    llvm::report_fatal_error(llvm::Twine("amae: out of memory: a ") + dtypeName(dtype_) + " " +
                                 formatShape(shape_) + " tensor has more bytes than int64 holds",
                             /*gen_crash_diag=*/false);
  size_t size = std::max<int64_t>(bytes(), 1);
  size = (size + 63) / 64 * 64;
  if (memory.allocate)
    storage = std::unique_ptr<void, void (*)(void *)>(memory.allocate(size), memory.release);
  else
    storage.reset(std::aligned_alloc(64, size));
  // Nothing to return an error through; exit with the size rather than
  // crash later on a null buffer.
  if (!storage)
    llvm::report_fatal_error(llvm::Twine("amae: out of memory allocating ") +
                                 llvm::Twine(size) + " bytes for a " + dtypeName(dtype_) +
                                 " " + formatShape(shape_) + " tensor",
                             /*gen_crash_diag=*/false);
  std::memset(storage.get(), 0, size);
}

int64_t HostTensor::bytes() const {
  return checkedNumElements(shape_).value_or(0) * dtypeSize(dtype_);
}

TensorView HostTensor::view() const {
  TensorView v;
  v.dtype = dtype_;
  v.shape = shape_;
  v.bytes = llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(data()), bytes());
  return v;
}

void HostTensor::copyInto(Checkpoint &checkpoint, llvm::StringRef name) const {
  const auto *first = static_cast<const uint8_t *>(data());
  checkpoint.addOwned(name, dtype_, shape_, std::vector<uint8_t>(first, first + bytes()));
}

llvm::Expected<HostTensor> HostTensor::from(const TensorView &view, DType dtype,
                                            const TensorMemory &memory) {
  HostTensor t(dtype, view.shape, memory);
  if (view.dtype == dtype) {
    std::memcpy(t.data(), view.bytes.data(), view.bytes.size());
  } else if (dtype == DType::F32) {
    std::vector<float> values = view.toF32();
    std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  } else if (dtype == DType::I64 && (view.dtype == DType::I32)) {
    auto *out = static_cast<int64_t *>(t.data());
    for (int64_t i = 0; i < view.numElements(); ++i) {
      int32_t v;
      std::memcpy(&v, view.bytes.data() + 4 * i, 4);
      out[i] = v;
    }
  } else {
    return llvm::createStringError(("cannot convert " + dtypeName(view.dtype) +
                                    " to " + dtypeName(dtype))
                                       .str());
  }
  return std::move(t);
}

llvm::Error checkFinite(const TensorView &view, llvm::StringRef file, llvm::StringRef name) {
  if (view.dtype != DType::F32 && view.dtype != DType::F16 && view.dtype != DType::BF16 &&
      view.dtype != DType::F64)
    return llvm::Error::success();
  std::vector<float> values = view.toF32();
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]) && bad++ == 0)
      first = static_cast<int64_t>(i);
  if (!bad)
    return llvm::Error::success();
  return checkpointError(file.empty() ? "the weights" : file,
                         "tensor '" + name + "' holds NaN or infinity (" + llvm::Twine(bad) +
                             " of " + llvm::Twine(values.size()) +
                             " values, the first at element " + llvm::Twine(first) + ")");
}

//===----------------------------------------------------------------------===//
// Memref descriptors: {allocated, aligned, offset, sizes[R], strides[R]}
//===----------------------------------------------------------------------===//

namespace {
struct Descriptors {
  std::vector<std::vector<int64_t>> storage;
  std::vector<void *> args;

  void add(const HostTensor &t) { add(t.data(), t.shape()); }
  void add(const void *data, const std::vector<int64_t> &shape) {
    std::vector<int64_t> d(3 + 2 * shape.size());
    auto ptr = reinterpret_cast<int64_t>(data);
    d[0] = ptr;
    d[1] = ptr;
    d[2] = 0;
    int64_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      d[3 + i] = shape[i];
      d[3 + shape.size() + i] = stride;
      stride *= shape[i];
    }
    storage.push_back(std::move(d));
  }
  void **finish() {
    for (auto &d : storage)
      args.push_back(d.data());
    return args.data();
  }
};
} // namespace

const HostTensor *BoundGraph::param(llvm::StringRef name) const {
  for (size_t i = 0; i < sig->params.size(); ++i)
    if (sig->params[i].name == name)
      return &(*params)[i];
  return nullptr;
}

HostTensor *BoundGraph::param(llvm::StringRef name) {
  auto *t = const_cast<HostTensor *>(std::as_const(*this).param(name));
  // The caller may write it at any time from now on.
  if (t && constantRemove)
    constantRemove(t->data(), static_cast<size_t>(t->bytes()));
  return t;
}

llvm::Expected<std::vector<HostTensor>>
BoundGraph::run(const std::map<std::string, TensorView> &inputs) const {
  std::vector<HostTensor> outputs;
  if (llvm::Error err = runInto(inputs, outputs))
    return std::move(err);
  return std::move(outputs);
}

/// Inputs of the graph's dtype at an aligned address are passed as they are
/// (the graph never writes its arguments); others are converted copies.
static bool passesDirectly(const TensorView &view, DType dtype) {
  return view.dtype == dtype && reinterpret_cast<uintptr_t>(view.bytes.data()) % 16 == 0;
}

static bool fits(const std::vector<HostTensor> &outputs, const GraphSignature &sig) {
  if (outputs.size() != sig.outputs.size())
    return false;
  for (auto [t, spec] : llvm::zip(outputs, sig.outputs))
    if (t.dtype() != spec.dtype || t.shape() != spec.shape)
      return false;
  return true;
}

llvm::Error BoundGraph::runInto(const std::map<std::string, TensorView> &inputs,
                                std::vector<HostTensor> &outputs) const {
  // Outputs from an earlier call are written over: the graph defines every
  // element, so a training loop neither allocates nor clears them per step.
  if (!fits(outputs, *sig)) {
    outputs.clear();
    for (const TensorSpec &out : sig->outputs)
      outputs.emplace_back(out.dtype, out.shape);
  }
  std::vector<void *> targets;
  for (HostTensor &t : outputs)
    targets.push_back(t.data());
  return call(inputs, targets);
}

llvm::Error BoundGraph::runIntoBuffers(const std::map<std::string, TensorView> &inputs,
                                       llvm::ArrayRef<void *> outputs, bool inPlace) const {
  if (outputs.size() != sig->outputs.size())
    return llvm::createStringError("graph '" + sig->name + "' has " +
                                   llvm::Twine(sig->outputs.size()) + " outputs, got " +
                                   llvm::Twine(outputs.size()) + " buffers for them");
  for (auto [data, spec] : llvm::zip(outputs, sig->outputs)) {
    const uint8_t *out = static_cast<const uint8_t *>(data);
    int64_t bytes = checkedNumElements(spec.shape).value_or(0) * dtypeSize(spec.dtype);
    // An output may share memory with one input only, the one the compiler
    // said it can overwrite; anything else would read half-written values.
    for (const auto &[name, view] : inputs) {
      bool overlaps = !view.bytes.empty() && view.bytes.data() < out + bytes &&
                      out < view.bytes.data() + view.bytes.size();
      if (overlaps && !(inPlace && name == spec.inPlaceOf && view.bytes.data() == out &&
                        passesDirectly(view, spec.dtype)))
        return llvm::createStringError(
            "output '" + spec.name + "' of graph '" + sig->name +
            "' shares memory with input '" + name + "', which the graph does not " +
            (inPlace ? "update in place" : "allow (outputs must not overlap inputs)"));
    }
  }
  return call(inputs, outputs);
}

llvm::Error BoundGraph::call(const std::map<std::string, TensorView> &inputs,
                             llvm::ArrayRef<void *> outputs) const {
  std::vector<HostTensor> converted;
  std::vector<std::pair<const void *, const std::vector<int64_t> *>> args;
  converted.reserve(sig->inputs.size());
  for (const TensorSpec &in : sig->inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end() && in.defaultValue) {
      HostTensor value(in.dtype, {});
      if (in.dtype == DType::I64)
        *static_cast<int64_t *>(value.data()) = static_cast<int64_t>(*in.defaultValue);
      else
        *static_cast<float *>(value.data()) = static_cast<float>(*in.defaultValue);
      converted.push_back(std::move(value));
      args.emplace_back(converted.back().data(), &in.shape);
      continue;
    }
    if (it == inputs.end())
      return llvm::createStringError("graph '" + sig->name + "' needs input '" +
                                     in.name + "' (" + dtypeName(in.dtype).str() +
                                     " " + formatShape(in.shape) + ")");
    if (it->second.shape != in.shape)
      return llvm::createStringError("input '" + in.name + "' has shape " +
                                     formatShape(it->second.shape) + ", graph '" +
                                     sig->name + "' expects " + formatShape(in.shape));
    if (passesDirectly(it->second, in.dtype)) {
      args.emplace_back(it->second.bytes.data(), &in.shape);
      continue;
    }
    auto t = HostTensor::from(it->second, in.dtype);
    if (!t)
      return llvm::createStringError("input '" + in.name + "': " +
                                     llvm::toString(t.takeError()));
    converted.push_back(std::move(*t));
    args.emplace_back(converted.back().data(), &in.shape);
  }
  // A CUDA artifact's kernels see only device memory: every other buffer
  // goes through a copy in it, one per address, so an output updating an
  // input in place still shares its copy.
  std::map<const void *, std::pair<HostTensor, int64_t>> staged;
  auto visible = [&](const void *data, DType dtype, const std::vector<int64_t> &shape) {
    if (!memory.allocate || isDeviceMemory(data))
      return data;
    auto [it, fresh] = staged.try_emplace(data);
    if (fresh) {
      it->second.first = HostTensor(dtype, shape, memory);
      it->second.second = it->second.first.bytes();
      std::memcpy(it->second.first.data(), data, it->second.second);
      if (prefetch)
        prefetch(it->second.first.data(), static_cast<size_t>(it->second.second));
    }
    return static_cast<const void *>(it->second.first.data());
  };
  Descriptors d;
  for (auto [arg, spec] : llvm::zip(args, sig->inputs))
    d.add(visible(arg.first, spec.dtype, *arg.second), *arg.second);
  for (const HostTensor &t : *params)
    d.add(visible(t.data(), t.dtype(), t.shape()), t.shape());
  for (auto [data, spec] : llvm::zip(outputs, sig->outputs)) {
    d.add(visible(data, spec.dtype, spec.shape), spec.shape);
    // Memory this run writes is no longer constant for any graph's GEMMs.
    if (constantRemove)
      constantRemove(data, static_cast<size_t>(checkedNumElements(spec.shape).value_or(0) *
                                               dtypeSize(spec.dtype)));
  }
  if (timerStart)
    timerStart();
  entry(d.finish());
  if (timerStop)
    deviceMs = timerStop();
  // A CUDA artifact's kernels run asynchronously: done before the outputs
  // are read.
  if (synchronize)
    synchronize();
  if (deviceError)
    if (const char *problem = deviceError())
      return llvm::createStringError("graph '" + sig->name + "' failed on the GPU: " + problem);
  for (void *data : outputs)
    if (auto it = staged.find(data); it != staged.end())
      std::memcpy(data, it->second.first.data(), it->second.second);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

/// GNU libgomp comes along with libsoxr and oneDNN, and LLVM's libomp (the
/// model's threads) defines the OpenMP entry points first, so libgomp runs
/// nothing; but its constructor still binds the thread that loads it to the
/// first CPU when OMP_PROC_BIND, OMP_PLACES or GOMP_CPU_AFFINITY ask for
/// binding, and libomp, starting later, takes that one CPU as the machine:
/// every thread of the model on it (base inference b1 1100 ms against 575
/// on 2 cores). Nothing can unbind safely (the CPUs the process was given
/// are no longer known), so it is said once, with what binds libomp alone.
static void warnIfBoundByLibgomp() {
  static std::atomic<bool> said{false};
  const char *bind = std::getenv("OMP_PROC_BIND");
  const char *asked = bind && llvm::StringRef(bind).trim().lower() != "false" ? "OMP_PROC_BIND"
                      : std::getenv("OMP_PLACES")                        ? "OMP_PLACES"
                      : std::getenv("GOMP_CPU_AFFINITY")                 ? "GOMP_CPU_AFFINITY"
                                                                         : nullptr;
  cpu_set_t cpus;
  if (!asked || get_nprocs() < 2 || sched_getaffinity(0, sizeof cpus, &cpus) != 0 ||
      CPU_COUNT(&cpus) != 1)
    return;
  void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!gomp)
    return;
  dlclose(gomp);
  if (said.exchange(true))
    return;
  llvm::errs() << "amae: warning: this thread is bound to one CPU of " << get_nprocs()
               << ": GNU libgomp (loaded with libsoxr and oneDNN) applied " << asked
               << " before LLVM's libomp, which runs the model, started, so all its threads "
                  "share that CPU; unset OMP_PROC_BIND, OMP_PLACES and GOMP_CPU_AFFINITY and "
                  "bind with libomp's own KMP_AFFINITY (e.g. KMP_AFFINITY=granularity=core,"
                  "compact) instead\n";
}

llvm::Expected<std::unique_ptr<Model>> Model::load(llvm::StringRef path) {
  std::unique_ptr<Model> model(new Model());
  model->path = path.str();
  // An explicit path: dlopen must not search the library path.
  std::string file = path.contains('/') ? path.str() : "./" + path.str();
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return checkpointError(path, std::string("cannot load the model: ") + dlerror());
  warnIfBoundByLibgomp();
  model->library = std::shared_ptr<void>(handle, [](void *h) { dlclose(h); });
  model->constantAdd =
      reinterpret_cast<void (*)(const void *, size_t)>(dlsym(handle, "amae_constant_add"));
  model->constantRemove =
      reinterpret_cast<void (*)(const void *, size_t)>(dlsym(handle, "amae_constant_remove"));
  auto *manifest = static_cast<const char *>(dlsym(handle, "amae_manifest"));
  if (!manifest)
    return checkpointError(path, "not an amae model (no amae_manifest)");
  auto parsed = Manifest::fromJSON(manifest, path);
  if (!parsed)
    return parsed.takeError();
  model->manifest_ = std::move(*parsed);
  // Code built for another CPU would die of SIGILL in the first kernel;
  // nothing of it has run yet (the generated code has no constructors).
  std::vector<std::string> missing =
      missingCpuFeatures(model->manifest_.cpuFeatures, llvm::sys::getHostCPUFeatures());
  if (!missing.empty())
    return checkpointError(path, "was compiled for " + model->manifest_.cpu +
                                     " and needs CPU features this " +
                                     llvm::sys::getHostCPUName().str() + " lacks: " +
                                     llvm::join(missing, ", ") +
                                     "; recompile it with amae-compile --cpu=host here, or "
                                     "--cpu=x86-64-v2/v3 for a portable library");
  if (!model->manifest_.gpuArch.empty()) {
    // The driver was opened and the kernels loaded by the library's
    // constructor (kernels/CudaSupport.c); say here why that failed.
    auto *error = reinterpret_cast<const char *(*)()>(dlsym(handle, "amae_cuda_error"));
    auto *allocate = reinterpret_cast<void *(*)(size_t)>(dlsym(handle, "amae_cuda_alloc"));
    auto *release = reinterpret_cast<void (*)(void *)>(dlsym(handle, "amae_cuda_free"));
    auto *isManaged = reinterpret_cast<int (*)(const void *)>(dlsym(handle, "amae_cuda_is_managed"));
    auto *precision =
        reinterpret_cast<int (*)(const char *)>(dlsym(handle, "amae_cuda_set_gemm_precision"));
    auto *library =
        reinterpret_cast<int (*)(const char *)>(dlsym(handle, "amae_cuda_set_gemm_library"));
    if (!error || !allocate || !release || !isManaged || !precision || !library)
      return checkpointError(path, "is a CUDA artifact without its runtime (amae_cuda_*)");
    if (!precision(model->manifest_.gpuGemmPrecision.c_str()))
      return checkpointError(path, "asks for GEMMs in " + model->manifest_.gpuGemmPrecision +
                                       ", which its runtime does not know");
    if (!library(model->manifest_.gpuGemmLibrary.c_str()))
      return checkpointError(path, "asks for GEMMs on " + model->manifest_.gpuGemmLibrary +
                                       ", which its runtime does not know");
    // Its signatures can be read without a GPU (amae-run --list); binding
    // weights, the first step of any run, says why it cannot run.
    if (const char *problem = error())
      model->unusable = "is a CUDA artifact for " + model->manifest_.gpuArch +
                        " and cannot run here: " + problem;
    model->memory = {allocate, release};
    model->isDeviceMemory = isManaged;
    model->deviceError = error;
    model->prefetch =
        reinterpret_cast<void (*)(const void *, size_t)>(dlsym(handle, "amae_cuda_prefetch"));
    model->timerStart = reinterpret_cast<void (*)()>(dlsym(handle, "amae_cuda_timer_start"));
    model->timerStop = reinterpret_cast<double (*)()>(dlsym(handle, "amae_cuda_timer_stop"));
    model->synchronize = reinterpret_cast<int (*)()>(dlsym(handle, "amae_cuda_synchronize"));
    if (!model->synchronize)
      return checkpointError(path, "is a CUDA artifact without its runtime (amae_cuda_*)");
  }
  // AMAE_NUM_THREADS sets the threads of a model built with --parallel;
  // without it (and without OMP_NUM_THREADS, which libomp reads itself) the
  // tuned count the manifest carries, if any.
  if (const char *env = std::getenv("AMAE_NUM_THREADS")) {
    int64_t threads = 0;
    if (llvm::StringRef(env).getAsInteger(10, threads) || !model->setThreads(threads))
      return checkpointError(path, std::string("AMAE_NUM_THREADS must be a thread count in "
                                               "[1, 1024], got '") + env + "'");
  } else if (model->manifest_.threads > 0 && !std::getenv("OMP_NUM_THREADS")) {
    model->setThreads(model->manifest_.threads);
  }
  for (const GraphSignature &g : model->manifest_.graphs) {
    auto *fn = reinterpret_cast<GraphEntry>(
        dlsym(handle, ("amae_graph_" + g.name).c_str()));
    if (!fn)
      return checkpointError(path, "graph '" + g.name + "' has no entry point");
    model->entries[g.name] = fn;
  }
  return std::move(model);
}

bool Model::setThreads(int64_t threads) const {
  if (threads < 1 || threads > kMaxThreads)
    return false;
  if (auto *set = reinterpret_cast<void (*)(int)>(dlsym(library.get(), "amae_set_num_threads")))
    set(static_cast<int>(threads));
  return true;
}

size_t Model::packedWeightBytes() const {
  auto *bytes = reinterpret_cast<size_t (*)()>(dlsym(library.get(), "amae_constant_packed_bytes"));
  return bytes ? bytes() : 0;
}

Model::~Model() = default;

std::shared_ptr<std::vector<HostTensor>> Model::newParams(const GraphSignature &sig,
                                                          std::vector<HostTensor> tensors) const {
  auto remove = constantRemove;
  auto *owned = new std::vector<HostTensor>(std::move(tensors));
  // Packed copies of freed memory would serve whatever is allocated there next.
  // `lib` keeps the library that defines `remove` loaded until then.
  std::shared_ptr<std::vector<HostTensor>> params(owned, [remove, lib = library](auto *p) {
    if (remove)
      for (const HostTensor &t : *p)
        remove(t.data(), static_cast<size_t>(t.bytes()));
    delete p;
  });
  bool updatesParams = llvm::any_of(sig.outputs, [](const TensorSpec &o) {
    return !o.inPlaceOf.empty() || llvm::StringRef(o.name).starts_with("grad.");
  });
  if (constantAdd && !updatesParams)
    for (const HostTensor &t : *params)
      constantAdd(t.data(), static_cast<size_t>(t.bytes()));
  // A CUDA artifact's weights go to the GPU once, now.
  if (prefetch)
    for (const HostTensor &t : *params)
      prefetch(t.data(), static_cast<size_t>(t.bytes()));
  return params;
}

llvm::Error Model::checkUsable() const {
  if (unusable.empty())
    return llvm::Error::success();
  return checkpointError(path, unusable);
}

BoundGraph Model::boundTo(const GraphSignature &sig) const {
  BoundGraph bound;
  bound.sig = &sig;
  bound.entry = entries.at(sig.name);
  bound.library = library;
  bound.constantRemove = constantRemove;
  bound.memory = memory;
  bound.isDeviceMemory = isDeviceMemory;
  bound.deviceError = deviceError;
  bound.prefetch = prefetch;
  bound.synchronize = synchronize;
  bound.timerStart = timerStart;
  bound.timerStop = timerStop;
  return bound;
}

llvm::Expected<BoundGraph> Model::bind(llvm::StringRef graph,
                                       const Checkpoint &weights) const {
  const GraphSignature *sig = manifest_.find(graph);
  if (!sig) {
    std::string names;
    for (const GraphSignature &g : manifest_.graphs)
      names += (names.empty() ? "" : ", ") + g.name;
    return checkpointError(path, "has no graph '" + graph + "' (it has " + names + ")");
  }
  if (llvm::Error err = checkUsable())
    return std::move(err);
  if (llvm::Error err = checkWeights(*sig, weights, /*allowUnused=*/true))
    return std::move(err);
  std::vector<HostTensor> tensors;
  for (const TensorSpec &p : sig->params) {
    if (llvm::Error err = checkFinite(*weights.find(p.name), weights.path(), p.name))
      return std::move(err);
    // On a CUDA artifact, in device memory once: no run copies them.
    auto t = HostTensor::from(*weights.find(p.name), p.dtype, memory);
    if (!t)
      return t.takeError();
    tensors.push_back(std::move(*t));
  }
  BoundGraph bound = boundTo(*sig);
  bound.params = newParams(*sig, std::move(tensors));
  return std::move(bound);
}

llvm::Expected<BoundGraph> Model::bindOwned(llvm::StringRef graph,
                                            std::map<std::string, HostTensor> &tensors) const {
  const GraphSignature *sig = manifest_.find(graph);
  if (!sig)
    return checkpointError(path, "has no graph '" + graph + "'");
  if (llvm::Error err = checkUsable())
    return std::move(err);
  for (const TensorSpec &p : sig->params) {
    auto it = tensors.find(p.name);
    if (it == tensors.end() || it->second.dtype() != p.dtype || it->second.shape() != p.shape)
      return llvm::createStringError("graph '" + sig->name + "' needs parameter '" + p.name +
                                     "' (" + dtypeName(p.dtype).str() + " " +
                                     formatShape(p.shape) + ")");
  }
  std::vector<HostTensor> owned;
  for (const TensorSpec &p : sig->params) {
    auto it = tensors.find(p.name);
    if (memory.allocate && !isDeviceMemory(it->second.data())) {
      // Moved to device memory now rather than copied around every run.
      auto moved = HostTensor::from(it->second.view(), p.dtype, memory);
      if (!moved)
        return moved.takeError();
      it->second = std::move(*moved);
    }
    owned.push_back(std::move(it->second));
    tensors.erase(it);
  }
  BoundGraph bound = boundTo(*sig);
  bound.params = newParams(*sig, std::move(owned));
  return std::move(bound);
}

llvm::Expected<BoundGraph> Model::rebind(const BoundGraph &bound, llvm::StringRef graph) const {
  const GraphSignature *sig = manifest_.find(graph);
  if (!sig)
    return checkpointError(path, "has no graph '" + graph + "'");
  const std::vector<TensorSpec> &mine = bound.signature().params, &theirs = sig->params;
  bool same = mine.size() == theirs.size();
  for (size_t i = 0; same && i < mine.size(); ++i)
    same = mine[i].name == theirs[i].name && mine[i].shape == theirs[i].shape &&
           mine[i].dtype == theirs[i].dtype;
  if (!same)
    return checkpointError(path, "graph '" + graph + "' does not take the parameters of '" +
                                     bound.signature().name + "'");
  BoundGraph other = boundTo(*sig);
  other.params = bound.params;
  return std::move(other);
}

} // namespace amae
