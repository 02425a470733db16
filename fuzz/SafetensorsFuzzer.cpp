//===- SafetensorsFuzzer.cpp - Fuzz the safetensors reader ----------------===//

#include "frontends/checkpoint/Checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  amae::Checkpoint checkpoint;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (llvm::Error err = amae::readSafetensors(
          checkpoint, llvm::MemoryBufferRef(bytes, "fuzz.safetensors"))) {
    llvm::consumeError(std::move(err));
    return 0;
  }
  // Every accepted tensor must lie inside the input: touch all its bytes.
  volatile uint8_t sink = 0;
  for (const std::string &name : checkpoint.names())
    for (uint8_t byte : checkpoint.find(name)->bytes)
      sink ^= byte;
  return 0;
}
