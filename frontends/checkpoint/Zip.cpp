//===- Zip.cpp - Read the stored entries of a zip archive -----------------===//

#include "frontends/checkpoint/Zip.h"
#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/Support/Endian.h"

namespace amae {

namespace {
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;

/// Bounds-checked little-endian reads.
class Reader {
public:
  explicit Reader(llvm::StringRef bytes) : bytes(bytes) {}
  bool has(uint64_t offset, uint64_t size) const {
    return offset <= bytes.size() && size <= bytes.size() - offset;
  }
  uint16_t u16(uint64_t at) const {
    return llvm::support::endian::read16le(bytes.data() + at);
  }
  uint32_t u32(uint64_t at) const {
    return llvm::support::endian::read32le(bytes.data() + at);
  }
  uint64_t u64(uint64_t at) const {
    return llvm::support::endian::read64le(bytes.data() + at);
  }

private:
  llvm::StringRef bytes;
};
} // namespace

llvm::Expected<ZipArchive> ZipArchive::open(llvm::StringRef file,
                                            llvm::StringRef bytes) {
  Reader r(bytes);
  auto fail = [&](const llvm::Twine &message) {
    return checkpointError(file, "malformed zip archive: " + message);
  };
  // The end-of-directory record sits in the last 22 + 65535 bytes.
  if (bytes.size() < 22)
    return fail("too short");
  uint64_t eocd = bytes.size() - 22;
  uint64_t stop = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  while (r.u32(eocd) != kEndOfDirectory) {
    if (eocd == stop)
      return fail("no end-of-directory record");
    --eocd;
  }
  uint64_t count = r.u16(eocd + 10);
  uint64_t dirSize = r.u32(eocd + 12);
  uint64_t dirOffset = r.u32(eocd + 16);
  if (count == 0xffff || dirSize == 0xffffffff || dirOffset == 0xffffffff) {
    // zip64: the locator just before the record points at the real one.
    if (eocd < 20 || r.u32(eocd - 20) != kZip64Locator)
      return fail("zip64 fields without a zip64 locator");
    uint64_t record = r.u64(eocd - 20 + 8);
    if (!r.has(record, 56) || r.u32(record) != kZip64EndOfDirectory)
      return fail("zip64 end-of-directory record out of range");
    count = r.u64(record + 32);
    dirSize = r.u64(record + 40);
    dirOffset = r.u64(record + 48);
  }
  if (!r.has(dirOffset, dirSize))
    return fail("central directory out of range");

  ZipArchive archive;
  archive.file = file;
  archive.bytes = bytes;
  uint64_t at = dirOffset;
  for (uint64_t i = 0; i < count; ++i) {
    if (!r.has(at, 46) || r.u32(at) != kCentralHeader)
      return fail("bad central directory entry " + llvm::Twine(i));
    uint16_t method = r.u16(at + 10);
    uint64_t compressed = r.u32(at + 20), size = r.u32(at + 24);
    uint16_t nameLen = r.u16(at + 28), extraLen = r.u16(at + 30),
             commentLen = r.u16(at + 32);
    uint64_t local = r.u32(at + 42);
    if (!r.has(at + 46, uint64_t(nameLen) + extraLen + commentLen))
      return fail("central directory entry " + llvm::Twine(i) + " out of range");
    std::string name = bytes.substr(at + 46, nameLen).str();
    // zip64 extra field: the 0xffffffff fields, in order, as 8-byte values.
    uint64_t extra = at + 46 + nameLen, extraEnd = extra + extraLen;
    while (extra + 4 <= extraEnd) {
      uint16_t tag = r.u16(extra), len = r.u16(extra + 2);
      if (extra + 4 + len > extraEnd)
        return fail("entry '" + name + "' has a truncated extra field");
      if (tag == 0x0001) {
        uint64_t field = extra + 4, fieldEnd = field + len;
        for (uint64_t *value : {&size, &compressed, &local}) {
          if (*value != 0xffffffff)
            continue;
          if (field + 8 > fieldEnd)
            return fail("entry '" + name + "' has a short zip64 field");
          *value = r.u64(field);
          field += 8;
        }
      }
      extra += 4 + len;
    }
    if (method == 0 && compressed != size)
      return fail("stored entry '" + name + "' has different sizes");
    if (!archive.entries.insert({name, Entry{local, size, method}}).second)
      return fail("entry '" + name + "' appears twice");
    archive.order.push_back(name);
    at += 46 + uint64_t(nameLen) + extraLen + commentLen;
  }
  return std::move(archive);
}

llvm::Expected<llvm::StringRef> ZipArchive::read(llvm::StringRef name) const {
  auto it = entries.find(name);
  if (it == entries.end())
    return checkpointError(file, "the archive has no entry '" + name + "'");
  const Entry &e = it->second;
  if (e.method != 0)
    return checkpointError(file, "entry '" + name + "' is compressed (method " +
                                     llvm::Twine(e.method) +
                                     "); torch.save writes stored entries");
  Reader r(bytes);
  if (!r.has(e.localHeader, 30) || r.u32(e.localHeader) != kLocalHeader)
    return checkpointError(file, "entry '" + name + "' has a bad local header");
  uint64_t data = e.localHeader + 30 + uint64_t(r.u16(e.localHeader + 26)) +
                  r.u16(e.localHeader + 28);
  if (!r.has(data, e.size))
    return checkpointError(file, "entry '" + name + "' runs past the end of the file");
  return bytes.substr(data, e.size);
}

} // namespace amae
