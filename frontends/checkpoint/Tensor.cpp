//===- Tensor.cpp - Named tensors read from checkpoints -------------------===//

#include "frontends/checkpoint/Tensor.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace amae {

int64_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  llvm_unreachable("unknown dtype");
}

llvm::StringRef dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "F32";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::F64: return "F64";
  case DType::I64: return "I64";
  case DType::I32: return "I32";
  case DType::I16: return "I16";
  case DType::I8: return "I8";
  case DType::U8: return "U8";
  case DType::Bool: return "BOOL";
  }
  llvm_unreachable("unknown dtype");
}

std::optional<DType> parseDTypeName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("F32", DType::F32)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Case("F64", DType::F64)
      .Case("I64", DType::I64)
      .Case("I32", DType::I32)
      .Case("I16", DType::I16)
      .Case("I8", DType::I8)
      .Case("U8", DType::U8)
      .Case("BOOL", DType::Bool)
      .Default(std::nullopt);
}

std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (dim != 0 && count > INT64_MAX / dim)
      return std::nullopt;
    count *= dim;
  }
  return count;
}

int64_t TensorView::numElements() const {
  return checkedNumElements(shape).value_or(0);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else { // subnormal: renormalise
    int shift = 0;
    while (!(mant & 0x400)) {
      mant <<= 1;
      ++shift;
    }
    bits = sign | ((113 - shift) << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T> static T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

std::vector<float> TensorView::toF32() const {
  int64_t n = numElements();
  std::vector<float> out(n);
  const uint8_t *p = bytes.data();
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
    case DType::F32: out[i] = load<float>(p + 4 * i); break;
    case DType::F16: out[i] = halfToFloat(load<uint16_t>(p + 2 * i)); break;
    case DType::BF16: out[i] = bfloat16ToFloat(load<uint16_t>(p + 2 * i)); break;
    case DType::F64: out[i] = static_cast<float>(load<double>(p + 8 * i)); break;
    case DType::I64: out[i] = static_cast<float>(load<int64_t>(p + 8 * i)); break;
    case DType::I32: out[i] = static_cast<float>(load<int32_t>(p + 4 * i)); break;
    case DType::I16: out[i] = static_cast<float>(load<int16_t>(p + 2 * i)); break;
    case DType::I8: out[i] = static_cast<float>(load<int8_t>(p + i)); break;
    case DType::U8:
    case DType::Bool: out[i] = static_cast<float>(p[i]); break;
    }
  }
  return out;
}

std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

} // namespace amae
