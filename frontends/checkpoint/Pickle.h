//===- Pickle.h - A safe subset of Python's unpickler -----------*- C++ -*-===//
//
// Reads the pickles `torch.save` writes (protocols 2-5) into a tree of inert
// values. Nothing is imported or called: GLOBAL yields a name, REDUCE and
// NEWOBJ yield an object record, and only four callables are understood
// because they describe data rather than behaviour (torch's tensor and
// parameter rebuilders and collections.OrderedDict). Storages referenced
// through persistent ids become Storage values naming their archive entry.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_FRONTENDS_CHECKPOINT_PICKLE_H
#define AMAE_FRONTENDS_CHECKPOINT_PICKLE_H

#include "frontends/checkpoint/Tensor.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace amae {

struct PyValue;
/// Values point at each other freely (the memo makes DAGs and even cycles);
/// the Pickle that produced them owns them all.
using PyRef = PyValue *;

struct PyValue {
  enum class Kind {
    None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Set,
    Global,  // module = text, name = text2
    Object,  // an inert instance: callable, args, state
    Storage, // a torch storage: archive key = text, dtype, numel
    Tensor   // a view of a storage: storage, offset, shape, stride
  };
  Kind kind = Kind::None;
  int64_t integer = 0;
  double real = 0;
  std::string text, text2;
  /// List, tuple and set elements; dict keys and values interleaved.
  std::vector<PyRef> items;
  PyRef callable, args, state, storage;
  DType dtype = DType::F32;
  int64_t numel = 0, offset = 0;
  std::vector<int64_t> shape, stride;

  explicit PyValue(Kind kind) : kind(kind) {}
  bool is(Kind k) const { return kind == k; }
  /// The value of string key `key` in a dict, or null.
  PyRef lookup(llvm::StringRef key) const;
};

/// An unpickled object tree and the storage of all its values.
struct Pickle {
  std::vector<std::unique_ptr<PyValue>> arena;
  PyRef root = nullptr;
};

/// Unpickles `bytes`; `where` names the pickle in error messages, which also
/// give the byte offset of the failing opcode.
llvm::Expected<std::unique_ptr<Pickle>> unpickle(llvm::StringRef where,
                                                 llvm::StringRef bytes);

} // namespace amae

#endif // AMAE_FRONTENDS_CHECKPOINT_PICKLE_H
