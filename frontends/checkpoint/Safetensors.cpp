//===- Safetensors.cpp - Read and write safetensors files -----------------===//
//
// Format: an 8-byte little-endian header length N, N bytes of JSON mapping
// names to {dtype, shape, data_offsets: [begin, end)} (offsets relative to
// the data section that follows), an optional "__metadata__" object of
// strings, then the data. Every field is checked before use: lengths against
// the file, offsets against the data section, byte counts against
// dtype x shape, and ranges against each other (no overlaps).
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <set>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace amae {

/// Headers larger than this are refused instead of being parsed.
static constexpr uint64_t kMaxHeaderBytes = 100u << 20;

namespace {
struct Entry {
  std::string name;
  uint64_t begin, end;
};
} // namespace

/// Reads a non-negative integer out of a JSON value.
static std::optional<int64_t> asSize(const llvm::json::Value &value) {
  std::optional<int64_t> v = value.getAsInteger();
  if (!v || *v < 0)
    return std::nullopt;
  return v;
}

/// The first key of the top-level object in `json` (already parsed, so
/// well formed) that occurs twice: llvm::json keeps the last silently, and a
/// file that names a tensor twice is ambiguous, not merely redundant.
static std::optional<std::string> duplicateTopLevelKey(llvm::StringRef json) {
  std::set<std::string> seen;
  int depth = 0;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      size_t start = i++;
      for (; i < json.size() && json[i] != '"'; ++i)
        if (json[i] == '\\')
          ++i;
      if (depth != 1)
        continue;
      size_t next = json.find_first_not_of(" \t\r\n", i + 1);
      if (next == llvm::StringRef::npos || json[next] != ':')
        continue; // a value, not a key
      // Decode escapes the way the parser did, so "a" and "\u0061" collide.
      llvm::Expected<llvm::json::Value> key = llvm::json::parse(json.slice(start, i + 1));
      if (!key) {
        llvm::consumeError(key.takeError());
        continue;
      }
      std::string name = key->getAsString()->str();
      if (!seen.insert(name).second)
        return name;
    }
  }
  return std::nullopt;
}

llvm::Error readSafetensors(Checkpoint &c, llvm::MemoryBufferRef buffer) {
  llvm::StringRef file = buffer.getBufferIdentifier();
  llvm::StringRef bytes = buffer.getBuffer();
  if (bytes.size() < 8)
    return checkpointError(file, "not a safetensors file: " +
                                     llvm::Twine(bytes.size()) +
                                     " bytes, shorter than the 8-byte header length");
  uint64_t headerSize =
      llvm::support::endian::read64le(reinterpret_cast<const uint8_t *>(bytes.data()));
  if (headerSize > bytes.size() - 8)
    return checkpointError(file, "header length " + llvm::Twine(headerSize) +
                                     " runs past the end of the file (" +
                                     llvm::Twine(bytes.size()) + " bytes)");
  if (headerSize > kMaxHeaderBytes)
    return checkpointError(file, "header of " + llvm::Twine(headerSize) +
                                     " bytes exceeds the 100 MiB limit");
  llvm::Expected<llvm::json::Value> header =
      llvm::json::parse(bytes.substr(8, headerSize));
  if (!header)
    return checkpointError(file, "malformed JSON header: " +
                                     llvm::toString(header.takeError()));
  const llvm::json::Object *object = header->getAsObject();
  if (!object)
    return checkpointError(file, "the header is not a JSON object");
  if (std::optional<std::string> twice = duplicateTopLevelKey(bytes.substr(8, headerSize)))
    return checkpointError(file, "the header names '" + *twice + "' twice");
  llvm::StringRef data = bytes.substr(8 + headerSize);

  std::vector<Entry> entries;
  for (const auto &[key, value] : *object) {
    llvm::StringRef name = key;
    if (name == "__metadata__") {
      const llvm::json::Object *meta = value.getAsObject();
      if (!meta)
        return checkpointError(file, "__metadata__ is not an object");
      for (const auto &[metaKey, metaValue] : *meta) {
        std::optional<llvm::StringRef> text = metaValue.getAsString();
        if (!text)
          return checkpointError(file, "__metadata__ value '" + metaKey.str() +
                                           "' is not a string");
        c.setMetadata(metaKey.str(), text->str());
      }
      continue;
    }
    auto fail = [&](const llvm::Twine &message) {
      return checkpointError(file, "tensor '" + name + "': " + message);
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return fail("entry is not an object");
    std::optional<llvm::StringRef> dtypeText = entry->getString("dtype");
    if (!dtypeText)
      return fail("missing dtype");
    std::optional<DType> dtype = parseDTypeName(*dtypeText);
    if (!dtype)
      return fail("unsupported dtype '" + *dtypeText + "'");
    const llvm::json::Array *shapeArray = entry->getArray("shape");
    if (!shapeArray)
      return fail("missing shape");
    std::vector<int64_t> shape;
    for (const llvm::json::Value &dim : *shapeArray) {
      std::optional<int64_t> size = asSize(dim);
      if (!size)
        return fail("shape holds something other than a non-negative integer");
      shape.push_back(*size);
    }
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!offsets || offsets->size() != 2)
      return fail("data_offsets must be [begin, end]");
    std::optional<int64_t> begin = asSize((*offsets)[0]);
    std::optional<int64_t> end = asSize((*offsets)[1]);
    if (!begin || !end || *begin > *end ||
        static_cast<uint64_t>(*end) > data.size())
      return fail("data_offsets are outside the data section of " +
                  llvm::Twine(data.size()) + " bytes");
    std::optional<int64_t> count = checkedNumElements(shape);
    int64_t elementSize = dtypeSize(*dtype);
    if (!count || *count > INT64_MAX / elementSize)
      return fail("shape " + formatShape(shape) + " is too large");
    if (*end - *begin != *count * elementSize)
      return fail("holds " + llvm::Twine(*end - *begin) + " bytes, but " +
                  dtypeName(*dtype) + " " + formatShape(shape) + " needs " +
                  llvm::Twine(*count * elementSize));
    TensorView view;
    view.dtype = *dtype;
    view.shape = std::move(shape);
    view.bytes = llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(data.data()) + *begin, *end - *begin);
    entries.push_back({name.str(), static_cast<uint64_t>(*begin),
                       static_cast<uint64_t>(*end)});
    c.addView(name, std::move(view));
  }

  // No two tensors may share bytes; keep the names in file order.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].begin < entries[i - 1].end)
      return checkpointError(file, "tensors '" + entries[i - 1].name + "' and '" +
                                       entries[i].name + "' overlap");
  c.order.clear();
  for (const Entry &e : entries)
    c.order.push_back(e.name);
  return llvm::Error::success();
}

llvm::Error writeSafetensors(llvm::StringRef path, const Checkpoint &checkpoint) {
  llvm::json::Object header;
  uint64_t offset = 0;
  for (const std::string &name : checkpoint.names()) {
    const TensorView *t = checkpoint.find(name);
    llvm::json::Array shape;
    for (int64_t dim : t->shape)
      shape.push_back(dim);
    header[name] = llvm::json::Object{
        {"dtype", dtypeName(t->dtype)},
        {"shape", std::move(shape)},
        {"data_offsets", llvm::json::Array{offset, offset + t->bytes.size()}}};
    offset += t->bytes.size();
  }
  if (!checkpoint.metadata().empty()) {
    llvm::json::Object meta;
    for (const auto &[key, value] : checkpoint.metadata())
      meta[key] = value;
    header["__metadata__"] = std::move(meta);
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  // Pad with spaces so the data section starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  llvm::SmallString<256> temp;
  int fd;
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temp))
    return checkpointError(path, "cannot create a temporary file: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    char lengthBytes[8];
    llvm::support::endian::write64le(lengthBytes, text.size());
    os.write(lengthBytes, 8);
    os << text;
    for (const std::string &name : checkpoint.names()) {
      llvm::ArrayRef<uint8_t> bytes = checkpoint.find(name)->bytes;
      os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    }
    os.flush();
    std::string message;
    if (os.has_error()) {
      message = os.error().message();
      os.clear_error();
    } else if (::fsync(fd) != 0) {
      // The data reaches the disk before the rename publishes it, so a power
      // loss leaves the old checkpoint or the new one, never a torn file.
      message = "fsync: " + std::error_code(errno, std::generic_category()).message();
    }
    if (!message.empty()) {
      llvm::sys::fs::remove(temp);
      return checkpointError(path, "write failed: " + message);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return checkpointError(path, "cannot move the written file into place: " +
                                     ec.message());
  }
  // And the rename itself is durable once the directory is synced.
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
  return llvm::Error::success();
}

std::vector<std::string> removeStaleTemporaries(llvm::StringRef dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    size_t at = name.rfind(".safetensors.tmp-");
    if (at == llvm::StringRef::npos)
      continue;
    llvm::StringRef suffix = name.substr(at + strlen(".safetensors.tmp-"));
    if (suffix.size() != 6 || !llvm::all_of(suffix, llvm::isAlnum))
      continue;
    if (!llvm::sys::fs::remove(it->path()))
      removed.push_back(it->path());
  }
  llvm::sort(removed);
  return removed;
}

} // namespace amae
