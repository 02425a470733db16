//===- Tensor.h - Named tensors read from checkpoints -----------*- C++ -*-===//

#ifndef AMAE_FRONTENDS_CHECKPOINT_TENSOR_H
#define AMAE_FRONTENDS_CHECKPOINT_TENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace amae {

/// Element types a checkpoint may hold.
enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };

/// Bytes per element.
int64_t dtypeSize(DType dtype);
/// The safetensors spelling ("F32", "BF16", "I64", ...).
llvm::StringRef dtypeName(DType dtype);
std::optional<DType> parseDTypeName(llvm::StringRef name);

/// Product of `shape`, or nullopt on a negative size or int64 overflow.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);

/// A tensor whose bytes live elsewhere (a memory-mapped file or a buffer its
/// checkpoint owns): little-endian, row-major, contiguous.
struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  llvm::ArrayRef<uint8_t> bytes;

  int64_t numElements() const;
  /// The values as float32 (F16, BF16, F64 and integers are converted).
  std::vector<float> toF32() const;
};

/// "[2, 3, 4]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// IEEE half and bfloat16 to float.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

} // namespace amae

#endif // AMAE_FRONTENDS_CHECKPOINT_TENSOR_H
