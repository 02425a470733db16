//===- Checkpoint.h - Read and write model checkpoints ----------*- C++ -*-===//
//
// A Checkpoint is an ordered set of named tensors loaded from either
//  - a safetensors file (memory-mapped; tensors point into the mapping), or
//  - an official PyTorch checkpoint (`torch.save` zip: a pickle plus tensor
//    storages), whose `model` entry (or the top-level dict, for a plain
//    state_dict) is taken. Nothing in the pickle is executed.
// Every malformed input is an llvm::Error naming the file and what is wrong.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_FRONTENDS_CHECKPOINT_CHECKPOINT_H
#define AMAE_FRONTENDS_CHECKPOINT_CHECKPOINT_H

#include "frontends/checkpoint/Tensor.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>

namespace amae {

class Checkpoint {
public:
  /// Opens `path`, choosing the format from its first bytes (a zip is a
  /// PyTorch checkpoint, anything else must be safetensors).
  static llvm::Expected<Checkpoint> open(llvm::StringRef path);
  /// Parses an in-memory file; `name` is used in error messages.
  static llvm::Expected<Checkpoint> fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer);

  llvm::StringRef path() const { return path_; }
  /// Tensor names in file order.
  llvm::ArrayRef<std::string> names() const { return order; }
  const TensorView *find(llvm::StringRef name) const;
  /// Free-form metadata (safetensors `__metadata__`).
  const std::map<std::string, std::string> &metadata() const { return metadata_; }

  /// Adds a tensor whose bytes the checkpoint owns (copied).
  void addOwned(llvm::StringRef name, DType dtype, std::vector<int64_t> shape,
                std::vector<uint8_t> bytes);
  /// Adds a tensor whose bytes live in the checkpoint's file mapping.
  void addView(llvm::StringRef name, TensorView view);
  bool contains(llvm::StringRef name) const { return tensors.count(name); }
  void setMetadata(std::string key, std::string value) {
    metadata_[std::move(key)] = std::move(value);
  }

  Checkpoint() = default;
  Checkpoint(Checkpoint &&) = default;
  Checkpoint &operator=(Checkpoint &&) = default;

private:
  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> file;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> owned;
  llvm::StringMap<TensorView> tensors;
  std::vector<std::string> order;
  std::map<std::string, std::string> metadata_;

  friend llvm::Error readSafetensors(Checkpoint &, llvm::MemoryBufferRef);
  friend llvm::Error readTorchCheckpoint(Checkpoint &, llvm::MemoryBufferRef);
};

/// Format readers; they fill `checkpoint` from `buffer`.
llvm::Error readSafetensors(Checkpoint &checkpoint, llvm::MemoryBufferRef buffer);
llvm::Error readTorchCheckpoint(Checkpoint &checkpoint, llvm::MemoryBufferRef buffer);

/// Writes the tensors of `names` (all of `checkpoint` when empty) to a
/// safetensors file, atomically: a temporary file in the same directory is
/// renamed over `path` once complete.
llvm::Error writeSafetensors(llvm::StringRef path, const Checkpoint &checkpoint);

/// Removes the temporaries writeSafetensors leaves when killed mid-write
/// (`X.safetensors.tmp-` and six letters or digits) from `dir`; returns
/// the names removed.
std::vector<std::string> removeStaleTemporaries(llvm::StringRef dir);

/// An error "<file>: <message>".
llvm::Error checkpointError(llvm::StringRef file, const llvm::Twine &message);

} // namespace amae

#endif // AMAE_FRONTENDS_CHECKPOINT_CHECKPOINT_H
