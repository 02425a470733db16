//===- TorchCheckpoint.cpp - Read official PyTorch checkpoints ------------===//
//
// `torch.save` (PyTorch >= 1.6) writes a zip `<prefix>/data.pkl` holding the
// pickled object and `<prefix>/data/<key>` holding each storage's raw
// little-endian bytes. The official AudioMAE checkpoints are dicts whose
// `model` entry is the state_dict; training checkpoints add `optimizer`,
// `epoch`, `scaler` and `args` (an argparse.Namespace), which are unpickled
// as inert values and ignored. A plain state_dict file works too.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"
#include "frontends/checkpoint/Pickle.h"
#include "frontends/checkpoint/Zip.h"

#include <cstring>

namespace amae {

using Kind = PyValue::Kind;

/// Copies or maps the tensor `t` named `name` out of its storage bytes.
static llvm::Error addTensor(Checkpoint &c, llvm::StringRef file,
                             llvm::StringRef name, const PyValue &t,
                             llvm::StringRef storageBytes) {
  auto fail = [&](const llvm::Twine &message) {
    return checkpointError(file, "tensor '" + name + "': " + message);
  };
  const PyValue &storage = *t.storage;
  int64_t elementSize = dtypeSize(storage.dtype);
  if (storage.numel > INT64_MAX / elementSize ||
      static_cast<uint64_t>(storage.numel * elementSize) > storageBytes.size())
    return fail("storage '" + storage.text + "' holds " +
                llvm::Twine(storageBytes.size()) + " bytes, fewer than its " +
                llvm::Twine(storage.numel) + " elements need");
  std::optional<int64_t> count = checkedNumElements(t.shape);
  if (!count)
    return fail("invalid size " + formatShape(t.shape));
  // The last element the view touches must lie inside the storage.
  if (t.offset < 0)
    return fail("negative storage offset");
  int64_t last = t.offset;
  bool contiguous = true;
  int64_t expectedStride = 1;
  for (size_t d = t.shape.size(); d-- > 0;) {
    if (t.stride[d] < 0)
      return fail("negative stride");
    if (t.shape[d] > 1 && t.stride[d] != expectedStride)
      contiguous = false;
    expectedStride *= t.shape[d];
    if (t.shape[d] > 0) {
      if (t.stride[d] > 0 && t.shape[d] - 1 > (INT64_MAX - last) / t.stride[d])
        return fail("strides overflow");
      last += (t.shape[d] - 1) * t.stride[d];
    }
  }
  if (*count > 0 && last >= storage.numel)
    return fail("size " + formatShape(t.shape) + " with offset " +
                llvm::Twine(t.offset) + " reaches past its storage of " +
                llvm::Twine(storage.numel) + " elements");

  const uint8_t *base = reinterpret_cast<const uint8_t *>(storageBytes.data());
  if (contiguous) {
    TensorView view;
    view.dtype = storage.dtype;
    view.shape = t.shape;
    view.bytes = llvm::ArrayRef<uint8_t>(base + t.offset * elementSize,
                                         *count * elementSize);
    c.addView(name, std::move(view));
    return llvm::Error::success();
  }
  // A strided view (a transposed parameter): gather it in row-major order.
  std::vector<uint8_t> bytes(*count * elementSize);
  std::vector<int64_t> index(t.shape.size(), 0);
  for (int64_t i = 0; i < *count; ++i) {
    int64_t source = t.offset;
    for (size_t d = 0; d < index.size(); ++d)
      source += index[d] * t.stride[d];
    std::memcpy(&bytes[i * elementSize], base + source * elementSize, elementSize);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < t.shape[d])
        break;
      index[d] = 0;
    }
  }
  c.addOwned(name, storage.dtype, t.shape, std::move(bytes));
  return llvm::Error::success();
}

llvm::Error readTorchCheckpoint(Checkpoint &c, llvm::MemoryBufferRef buffer) {
  llvm::StringRef file = buffer.getBufferIdentifier();
  auto archive = ZipArchive::open(file, buffer.getBuffer());
  if (!archive)
    return archive.takeError();

  // The pickle is `<prefix>/data.pkl`; the prefix is the archive's name.
  std::string prefix;
  for (const std::string &name : archive->names()) {
    llvm::StringRef entry = name;
    if (entry.ends_with("/data.pkl") &&
        entry.drop_back(strlen("/data.pkl")).count('/') == 0) {
      prefix = entry.drop_back(strlen("data.pkl")).str();
      break;
    }
  }
  if (prefix.empty())
    return checkpointError(file, "zip archive without a <name>/data.pkl: not a "
                                 "torch.save checkpoint");
  if (auto order = archive->read(prefix + "byteorder")) {
    if (order->trim() != "little")
      return checkpointError(file, "big-endian checkpoints are not supported");
  } else {
    llvm::consumeError(order.takeError());
  }

  auto pklBytes = archive->read(prefix + "data.pkl");
  if (!pklBytes)
    return pklBytes.takeError();
  std::string where = (file + ":" + prefix + "data.pkl").str();
  auto pickle = unpickle(where, *pklBytes);
  if (!pickle)
    return pickle.takeError();

  PyRef root = (*pickle)->root;
  if (!root->is(Kind::Dict))
    return checkpointError(file, "the checkpoint is not a dict");
  PyRef model = root;
  for (llvm::StringRef key : {"model", "state_dict"})
    if (PyRef entry = root->lookup(key)) {
      model = entry;
      break;
    }
  if (!model->is(Kind::Dict))
    return checkpointError(file, "the checkpoint's 'model' is not a dict");

  for (size_t i = 0; i + 1 < model->items.size(); i += 2) {
    const PyValue &key = *model->items[i], &value = *model->items[i + 1];
    if (!key.is(Kind::String) || !value.is(Kind::Tensor))
      continue; // Not a tensor entry (e.g. state_dict metadata).
    auto data = archive->read(prefix + "data/" + value.storage->text);
    if (!data)
      return data.takeError();
    if (llvm::Error err = addTensor(c, file, key.text, value, *data))
      return err;
  }
  if (c.names().empty())
    return checkpointError(file, "the checkpoint holds no tensors");
  return llvm::Error::success();
}

} // namespace amae
