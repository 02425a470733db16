//===- Manifest.h - Graph signatures and weight binding ---------*- C++ -*-===//
//
// A manifest lists a compiled model's graphs with their named inputs,
// parameters and outputs (dtype and shape each). amae-compile writes it next
// to the code so the runtime needs no spec; it is JSON:
//   {"model": "audiomae-tiny", "batch": 2, "graphs": [{"name": "infer",
//     "inputs": [{"name": "imgs", "dtype": "F32", "shape": [2,1,128,64]}],
//     "params": [{"name": "pos_embed", ..., "frozen": true}, ...],
//     "outputs": [...]}]}
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_ABI_MANIFEST_H
#define AMAE_ABI_MANIFEST_H

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>

namespace amae {

struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  bool frozen = false; // parameters only: read from the checkpoint, never trained
  /// Scalar inputs only: the value used when the caller does not pass one.
  std::optional<double> defaultValue;
  /// Outputs only: the input whose buffer this output may overwrite (the
  /// compiled code reads each element of it only to write the same element
  /// here), so a caller can update that tensor in place; empty otherwise.
  std::string inPlaceOf;
};

struct GraphSignature {
  std::string name;
  /// The batch size it was compiled for (`amae-compile --batch=1,8` gives
  /// `infer` at 1 and `infer_b8` at 8).
  int64_t batch = 1;
  std::vector<TensorSpec> inputs, params, outputs;
};

struct Manifest {
  std::string model;
  int64_t batch = 1;
  /// The audio front end the model expects (the spec's `input`).
  int64_t sampleRate = 16000;
  float normMean = -4.2677393f, normStd = 4.5689974f;
  /// The CPU the code was compiled for (`amae-compile --cpu`) and the ISA
  /// extensions it may use; a host without one of them cannot run it.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
  /// Threads the model runs on when neither AMAE_NUM_THREADS nor
  /// OMP_NUM_THREADS says (from `amae-compile --tuning`); 0: one per core.
  int64_t threads = 0;
  /// A CUDA artifact's GPU architecture (`amae-compile --target=cuda
  /// --arch`); empty for a CPU artifact. Its host code runs on `cpu`.
  std::string gpuArch;
  /// A CUDA artifact's GEMM operands as cuBLAS may round them for the tensor
  /// cores: fp32 (none), tf32 or bf16, accumulating in fp32 either way.
  std::string gpuGemmPrecision = "fp32";
  /// The library a CUDA artifact's GEMMs call: cublaslt or cublas.
  std::string gpuGemmLibrary = "cublaslt";
  std::vector<GraphSignature> graphs;

  const GraphSignature *find(llvm::StringRef graph) const;
  llvm::json::Value toJSON() const;
  static llvm::Expected<Manifest> fromJSON(llvm::StringRef text,
                                           llvm::StringRef file);
};

/// Parses `text` as a JSON object (the manifest, a training configuration);
/// the error says "not an object" or what the parser found.
llvm::Expected<llvm::json::Value> parseJSONObject(llvm::StringRef text);

/// The features of `required` that `available` (LLVM's host feature names,
/// `llvm::sys::getHostCPUFeatures`) lacks, in order.
std::vector<std::string> missingCpuFeatures(const std::vector<std::string> &required,
                                            const llvm::StringMap<bool> &available);

/// Checks that `checkpoint` holds every parameter of `graph` with its shape
/// (and a dtype convertible to it). With `allowUnused`, tensors the graph
/// does not take are ignored; otherwise they are errors too. Every problem
/// is reported, one per line, naming the tensor and both shapes.
llvm::Error checkWeights(const GraphSignature &graph, const Checkpoint &checkpoint,
                         bool allowUnused);

} // namespace amae

#endif // AMAE_ABI_MANIFEST_H
