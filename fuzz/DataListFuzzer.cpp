//===- DataListFuzzer.cpp - Fuzz the data-list and class-label readers ----===//
//
// Both CSV readers amae-train opens: the `file,labels` list (quotes, label
// separators, headers, numeric class sorting) and AudioSet's
// class_labels_indices.csv. Paths in the list resolve under a directory
// that does not exist, so only the parsing runs.
//
//===----------------------------------------------------------------------===//

#include "runtime/Dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto set = amae::parseDataList(text, "/nonexistent-amae-fuzz/list.csv");
  if (set) {
    for (const amae::Clip &clip : set->clips)
      for (int64_t label : clip.labels)
        if (label < 0 || label >= static_cast<int64_t>(set->classes.size()))
          __builtin_trap();
  } else {
    llvm::consumeError(set.takeError());
  }
  auto labels = amae::parseClassLabels(text, "fuzz.csv");
  if (!labels)
    llvm::consumeError(labels.takeError());
  return 0;
}
