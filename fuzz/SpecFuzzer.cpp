//===- SpecFuzzer.cpp - Fuzz the YAML model spec parser -------------------===//

#include "frontends/spec/ModelSpec.h"

#include "llvm/Support/MemoryBuffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::MemoryBufferRef buffer(text, "fuzz.yaml");
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  if (auto spec = amae::parseModelSpec(buffer, os)) {
    // A spec that parses must describe a model the emitter can build.
    if (spec->gridT() < 1 || spec->gridF() < 1 || spec->numPatches() < 1)
      __builtin_trap();
  }
  return 0;
}
