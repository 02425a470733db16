//===- Model.h - Load and run a compiled amae model -------------*- C++ -*-===//
//
//   auto model = amae::Model::load("tiny.so");          // dlopen + manifest
//   auto graph = (*model)->bind("infer", checkpoint);    // weights, once
//   auto outputs = graph->run({{"imgs", imgsView}});      // any number of runs
//
// Weights are converted to the graph's dtype and copied into aligned
// buffers once per binding; inputs are checked by name, dtype and shape.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_MODEL_H
#define AMAE_RUNTIME_MODEL_H

#include "abi/Manifest.h"

#include <map>
#include <memory>

namespace amae {

/// Where a tensor's bytes live: the C heap, or what a model's library hands
/// out (a CUDA artifact's managed memory, which its kernels can read).
struct TensorMemory {
  void *(*allocate)(size_t bytes) = nullptr; // null: std::aligned_alloc
  void (*release)(void *) = nullptr;
};

/// An owned, 64-byte aligned, contiguous tensor.
class HostTensor {
public:
  HostTensor() = default;
  HostTensor(DType dtype, std::vector<int64_t> shape, const TensorMemory &memory = {});
  /// A copy of `view` converted to `dtype` (float <-> float, or same dtype).
  static llvm::Expected<HostTensor> from(const TensorView &view, DType dtype,
                                         const TensorMemory &memory = {});

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  void *data() { return storage.get(); }
  const void *data() const { return storage.get(); }
  int64_t bytes() const;
  TensorView view() const;
  /// Adds a copy of this tensor to `checkpoint` as `name`.
  void copyInto(Checkpoint &checkpoint, llvm::StringRef name) const;

private:
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  std::unique_ptr<void, void (*)(void *)> storage{nullptr, std::free};
};

/// An error naming `name` of `file` when a float tensor holds NaN or an
/// infinity: such weights give garbage, silently, in every graph.
llvm::Error checkFinite(const TensorView &view, llvm::StringRef file, llvm::StringRef name);

using GraphEntry = void (*)(void **);

/// A graph with its weights bound, ready to run.
class BoundGraph {
public:
  const GraphSignature &signature() const { return *sig; }
  /// The bound value of parameter `name` (null if the graph has none), for
  /// callers that update parameters in place, as a training loop does. The
  /// writable one withdraws the parameter from the GEMMs' packed weights
  /// (--gemm=onednn): from then on they read it as it is at each run.
  HostTensor *param(llvm::StringRef name);
  const HostTensor *param(llvm::StringRef name) const;
  /// Runs once; `inputs` maps each input name of the graph to a tensor
  /// (extra names are ignored). Returns the outputs in signature order.
  llvm::Expected<std::vector<HostTensor>>
  run(const std::map<std::string, TensorView> &inputs) const;
  /// Runs once into `outputs`: tensors of the signature's dtypes and shapes
  /// (from an earlier call) are overwritten, anything else is replaced by
  /// fresh tensors.
  llvm::Error runInto(const std::map<std::string, TensorView> &inputs,
                      std::vector<HostTensor> &outputs) const;
  /// Runs once into caller-owned buffers of the signature's dtypes and
  /// shapes (signature order). With `inPlace`, an output may be the very
  /// buffer passed as the input the manifest names in its `in_place_of` (an
  /// optimizer step updating parameters and moments in place); any other
  /// overlap of an output with an input is an error.
  llvm::Error runIntoBuffers(const std::map<std::string, TensorView> &inputs,
                             llvm::ArrayRef<void *> outputs, bool inPlace = false) const;
  /// A CUDA artifact's: the GPU time of the last run in milliseconds (events
  /// around its kernels and GEMMs, host work excluded); -1 for a CPU model
  /// or where the driver cannot time.
  double lastDeviceMilliseconds() const { return deviceMs; }

private:
  friend class Model;
  llvm::Error call(const std::map<std::string, TensorView> &inputs,
                   llvm::ArrayRef<void *> outputs) const;
  const GraphSignature *sig = nullptr;
  GraphEntry entry = nullptr;
  /// Shared by the batch sizes of one graph (Model::rebind). Freeing them
  /// withdraws them from the packed weights first.
  std::shared_ptr<std::vector<HostTensor>> params;
  /// The model's library, open while a graph of it exists.
  std::shared_ptr<void> library;
  /// amae_constant_remove of a --gemm=onednn model, else null.
  void (*constantRemove)(const void *, size_t) = nullptr;
  /// A CUDA artifact's: its managed memory, and what says whether a buffer
  /// is in it (others are staged through it around each run) and the
  /// run's first error; null for a CPU model.
  TensorMemory memory;
  int (*isDeviceMemory)(const void *) = nullptr;
  const char *(*deviceError)() = nullptr;
  void (*prefetch)(const void *, size_t) = nullptr;
  int (*synchronize)() = nullptr;
  void (*timerStart)() = nullptr;
  double (*timerStop)() = nullptr;
  mutable double deviceMs = -1.0;
};

class Model {
public:
  static llvm::Expected<std::unique_ptr<Model>> load(llvm::StringRef path);
  ~Model();

  const Manifest &manifest() const { return manifest_; }
  /// Sets the threads of a model built with --parallel (one OpenMP pool per
  /// process; a model without threads ignores it). False, and nothing set,
  /// outside [1, kMaxThreads]. Model::load applies AMAE_NUM_THREADS this way.
  static constexpr int64_t kMaxThreads = 1024;
  bool setThreads(int64_t threads) const;
  /// Bytes of weights the model's GEMMs hold packed (--gemm=onednn; 0 for
  /// other models): what inference costs in memory beyond the parameters.
  size_t packedWeightBytes() const;
  /// Binds `graph` to the parameters in `weights` (names, shapes checked;
  /// tensors the graph does not take are ignored).
  llvm::Expected<BoundGraph> bind(llvm::StringRef graph,
                                  const Checkpoint &weights) const;
  /// `graph` bound to the parameters it takes from `tensors`, moved out of
  /// the map (no copy): a training loop's loaded or initialised values.
  llvm::Expected<BoundGraph> bindOwned(llvm::StringRef graph,
                                       std::map<std::string, HostTensor> &tensors) const;
  /// `graph` bound to the very parameters of `bound` (no copy): another
  /// batch size of the same graph (`infer_b8` next to `infer`). An error
  /// unless it takes the same parameters.
  llvm::Expected<BoundGraph> rebind(const BoundGraph &bound, llvm::StringRef graph) const;

private:
  Model() = default;
  /// Parameters for `sig`, declared constant memory to the model's GEMMs
  /// when the graph updates none of them (no in-place output, no gradient).
  std::shared_ptr<std::vector<HostTensor>> newParams(const GraphSignature &sig,
                                                     std::vector<HostTensor> tensors) const;
  BoundGraph boundTo(const GraphSignature &sig) const;
  /// An error naming why the model cannot run here (a CUDA artifact without
  /// a usable GPU), else success.
  llvm::Error checkUsable() const;
  std::string unusable;
  std::string path;
  /// The dlopen handle, closed when the last graph of the model goes.
  std::shared_ptr<void> library;
  void (*constantAdd)(const void *, size_t) = nullptr;
  void (*constantRemove)(const void *, size_t) = nullptr;
  TensorMemory memory;
  int (*isDeviceMemory)(const void *) = nullptr;
  const char *(*deviceError)() = nullptr;
  void (*prefetch)(const void *, size_t) = nullptr;
  int (*synchronize)() = nullptr;
  void (*timerStart)() = nullptr;
  double (*timerStop)() = nullptr;
  Manifest manifest_;
  std::map<std::string, GraphEntry> entries;
};

} // namespace amae

#endif // AMAE_RUNTIME_MODEL_H
