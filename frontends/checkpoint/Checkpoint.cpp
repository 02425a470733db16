//===- Checkpoint.cpp - Read model checkpoints ----------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

namespace amae {

llvm::Error checkpointError(llvm::StringRef file, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (file + ": " + message).str());
}

llvm::Expected<Checkpoint> Checkpoint::open(llvm::StringRef path) {
  // Large files are memory-mapped; tensors then point into the mapping.
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return checkpointError(path, "cannot read: " + buffer.getError().message());
  return fromBuffer(std::move(*buffer));
}

llvm::Expected<Checkpoint>
Checkpoint::fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  Checkpoint checkpoint;
  checkpoint.path_ = buffer->getBufferIdentifier().str();
  llvm::MemoryBufferRef ref = buffer->getMemBufferRef();
  checkpoint.file = std::move(buffer);
  llvm::StringRef bytes = ref.getBuffer();
  bool isZip = bytes.starts_with(llvm::StringRef("PK\x03\x04", 4));
  // torch.save before PyTorch 1.6 wrote a bare pickle stream (protocol 2).
  if (bytes.starts_with("\x80\x02"))
    return checkpointError(checkpoint.path_,
                           "legacy (pre-1.6) torch.save format; load and re-save "
                           "it with a current PyTorch");
  // pickle.dump's own output (protocols 3-5) is no checkpoint format: say
  // so rather than report it as a broken safetensors header.
  if (bytes.size() >= 2 && bytes[0] == '\x80' && bytes[1] >= 3 && bytes[1] <= 5)
    return checkpointError(checkpoint.path_,
                           "a raw pickle stream (protocol " + llvm::Twine(int(bytes[1])) +
                               "), not a checkpoint: save the state_dict with torch.save "
                               "(zip format) or as safetensors");
  if (llvm::Error err = isZip ? readTorchCheckpoint(checkpoint, ref)
                              : readSafetensors(checkpoint, ref))
    return std::move(err);
  return std::move(checkpoint);
}

const TensorView *Checkpoint::find(llvm::StringRef name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

void Checkpoint::addView(llvm::StringRef name, TensorView view) {
  if (tensors.insert({name, std::move(view)}).second)
    order.push_back(name.str());
}

void Checkpoint::addOwned(llvm::StringRef name, DType dtype,
                          std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
  owned.push_back(std::make_unique<std::vector<uint8_t>>(std::move(bytes)));
  TensorView view;
  view.dtype = dtype;
  view.shape = std::move(shape);
  view.bytes = *owned.back();
  tensors[name] = std::move(view);
  if (!llvm::is_contained(order, name))
    order.push_back(name.str());
}

} // namespace amae
