//===- CompiledFrontEnd.cpp - Waveforms to images by the model's graph ----===//

#include "runtime/CompiledFrontEnd.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>

namespace amae {

llvm::Expected<std::vector<float>> loadChannel0(llvm::StringRef path, int64_t sampleRate,
                                                const AudioPolicy &policy) {
  auto wave = readAudio(path, policy);
  if (!wave)
    return wave.takeError();
  std::vector<float> first(wave->frames());
  for (int64_t i = 0; i < wave->frames(); ++i)
    first[i] = wave->samples[i * wave->channels];
  auto resampled = resample(first, wave->sampleRate, sampleRate);
  if (!resampled)
    return llvm::createStringError(path + ": " + llvm::toString(resampled.takeError()));
  return resampled;
}

llvm::Expected<WaveformBatch> WaveformBatch::of(const GraphSignature &sig) {
  const TensorSpec *wave = nullptr, *length = nullptr;
  for (const TensorSpec &in : sig.inputs) {
    if (in.name == "waveform")
      wave = &in;
    if (in.name == "length")
      length = &in;
  }
  if (!wave || !length || wave->dtype != DType::F32 || wave->shape.size() != 2 ||
      length->dtype != DType::I64 || length->shape != std::vector<int64_t>{wave->shape[0]})
    return llvm::createStringError("graph '" + sig.name +
                                   "' does not take audio (waveform f32 [N, S] and length "
                                   "i64 [N])");
  WaveformBatch b;
  b.shape = wave->shape;
  b.waveform = HostTensor(DType::F32, wave->shape);
  b.length = HostTensor(DType::I64, length->shape);
  b.clear();
  return b;
}

void WaveformBatch::set(int64_t row, llvm::ArrayRef<float> wave) {
  int64_t n = std::min<int64_t>(wave.size(), samples());
  float *dst = static_cast<float *>(waveform.data()) + row * samples();
  std::copy_n(wave.begin(), n, dst);
  std::fill(dst + n, dst + samples(), 0.0f);
  static_cast<int64_t *>(length.data())[row] = n;
}

void WaveformBatch::clear() {
  std::memset(waveform.data(), 0, waveform.bytes());
  std::memset(length.data(), 0, length.bytes());
}

std::map<std::string, TensorView> WaveformBatch::inputs() const {
  return {{"waveform", waveform.view()}, {"length", length.view()}};
}

llvm::Expected<CompiledFrontEnd> CompiledFrontEnd::bind(const Model &model) {
  const Manifest &m = model.manifest();
  const GraphSignature *best = nullptr;
  for (const GraphSignature &g : m.graphs) {
    llvm::StringRef rest = g.name;
    bool variant = rest.consume_front("frontend_b") && !rest.empty() &&
                   llvm::all_of(rest, llvm::isDigit);
    if ((g.name == "frontend" || variant) && (!best || g.batch > best->batch))
      best = &g;
  }
  if (!best)
    return llvm::createStringError(
        "the model has no 'frontend' graph to turn audio into its input; compile it from "
        "its model spec (amae-compile SPEC.yaml) to get one");
  auto batch = WaveformBatch::of(*best);
  if (!batch)
    return batch.takeError();
  if (best->outputs.size() != 1 || best->outputs[0].shape.size() != 4)
    return llvm::createStringError("graph '" + best->name +
                                   "' does not give imgs [N, 1, frames, bins]");
  CompiledFrontEnd fe;
  auto bound = model.bind(best->name, Checkpoint());
  if (!bound)
    return bound.takeError();
  fe.graph = std::move(*bound);
  fe.rate = m.sampleRate;
  fe.frames_ = best->outputs[0].shape[2];
  fe.bins_ = best->outputs[0].shape[3];
  fe.samples_ = batch->samples();
  fe.zero = (0.0f - m.normMean) / (m.normStd * 2.0f);
  return fe;
}

llvm::Expected<std::vector<float>>
CompiledFrontEnd::images(llvm::ArrayRef<std::vector<float>> waves) const {
  auto batch = WaveformBatch::of(graph->signature());
  if (!batch)
    return batch.takeError();
  int64_t pixels = frames_ * bins_, rows = batch->rows();
  std::vector<float> out(waves.size() * pixels);
  std::vector<HostTensor> outputs;
  for (size_t first = 0; first < waves.size(); first += rows) {
    int64_t n = std::min<int64_t>(rows, waves.size() - first);
    batch->clear();
    for (int64_t r = 0; r < n; ++r)
      batch->set(r, waves[first + r]);
    if (llvm::Error err = graph->runInto(batch->inputs(), outputs))
      return std::move(err);
    const float *imgs = static_cast<const float *>(outputs[0].data());
    std::copy_n(imgs, n * pixels, out.begin() + first * pixels);
  }
  return out;
}

const std::vector<float> *FeatureCache::find(int64_t clip) const {
  std::lock_guard<std::mutex> guard(lock);
  auto it = images.find(clip);
  ++(it == images.end() ? misses_ : hits_);
  return it == images.end() ? nullptr : &it->second;
}

void FeatureCache::insert(int64_t clip, std::vector<float> image) {
  std::lock_guard<std::mutex> guard(lock);
  auto bytes = static_cast<int64_t>(image.size() * sizeof(float));
  if (used + bytes > budget || images.count(clip))
    return;
  used += bytes;
  images.emplace(clip, std::move(image));
}

} // namespace amae
