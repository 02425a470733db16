//===- Zip.h - Read the stored entries of a zip archive ---------*- C++ -*-===//
//
// `torch.save` writes an uncompressed ("stored") zip, with zip64 records.
// This reader maps entry names to byte ranges of the archive; every length
// and offset is checked against the archive's size. Compressed entries are
// reported, not inflated.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_FRONTENDS_CHECKPOINT_ZIP_H
#define AMAE_FRONTENDS_CHECKPOINT_ZIP_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace amae {

class ZipArchive {
public:
  /// Reads the central directory of `bytes`; `file` names it in errors.
  static llvm::Expected<ZipArchive> open(llvm::StringRef file,
                                         llvm::StringRef bytes);

  /// The contents of a stored entry, or an error naming it.
  llvm::Expected<llvm::StringRef> read(llvm::StringRef name) const;
  /// Entry names in directory order.
  llvm::ArrayRef<std::string> names() const { return order; }

private:
  struct Entry {
    uint64_t localHeader;
    uint64_t size;
    uint16_t method;
  };
  llvm::StringRef file, bytes;
  llvm::StringMap<Entry> entries;
  std::vector<std::string> order;
};

} // namespace amae

#endif // AMAE_FRONTENDS_CHECKPOINT_ZIP_H
