//===- TorchCheckpointFuzzer.cpp - Fuzz the torch.save reader -------------===//

#include "frontends/checkpoint/Checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  amae::Checkpoint checkpoint;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (llvm::Error err = amae::readTorchCheckpoint(
          checkpoint, llvm::MemoryBufferRef(bytes, "fuzz.pth"))) {
    llvm::consumeError(std::move(err));
    return 0;
  }
  // Accepted tensors: every byte readable, the values convertible.
  for (const std::string &name : checkpoint.names()) {
    const amae::TensorView *t = checkpoint.find(name);
    if (static_cast<int64_t>(t->bytes.size()) !=
        t->numElements() * amae::dtypeSize(t->dtype))
      __builtin_trap();
    volatile float sink = 0;
    for (float v : t->toF32())
      sink = sink + v;
  }
  return 0;
}
