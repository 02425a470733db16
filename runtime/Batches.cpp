//===- Batches.cpp - Clips to training batches ----------------------------===//
//
// The official data path (dataset.py) around the compiled front end: every
// random draw of a batch is made up front, clips are decoded in parallel,
// gain and mixup act on the waveforms, the model's `frontend` graph makes
// the images, SpecAugment masks them.
//
//===----------------------------------------------------------------------===//

#include "runtime/Dataset.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ThreadPool.h"

#include <algorithm>
#include <cassert>
#include <mutex>

namespace amae {

double symmetricBeta(double a, std::mt19937_64 &rng) {
  std::gamma_distribution<double> gamma(a, 1.0);
  double x = gamma(rng), y = gamma(rng);
  return x / (x + y);
}

namespace {
/// Every random draw of one batch row, made up front in a fixed order so
/// that the parallel loading cannot change them.
struct RowPlan {
  int64_t clip = 0, partner = -1;
  double gain = 1, partnerGain = 1, lambda = 1;
  double specAugment[4] = {0, 0, 0, 0}; // freq width, freq start, time width, time start
};
} // namespace

/// torchaudio mask_along_axis with uniform draws u1 (width) and u2 (start):
/// start = long(u2 * (size - width)), end = start + long(width), and only
/// the part inside the axis is masked. A mask wider than the axis gives a
/// negative start, which torch's comparison mask clips; so do we.
static void maskAxis(float *image, int64_t frames, int64_t bins, bool time, int64_t param,
                     double u1, double u2, float value) {
  int64_t size = time ? frames : bins;
  double width = u1 * static_cast<double>(param);
  auto start = static_cast<int64_t>(u2 * (static_cast<double>(size) - width));
  int64_t from = std::clamp<int64_t>(start, 0, size);
  int64_t to = std::clamp<int64_t>(start + static_cast<int64_t>(width), from, size);
  for (int64_t i = from; i < to; ++i) {
    if (time)
      std::fill_n(image + i * bins, bins, value);
    else
      for (int64_t t = 0; t < frames; ++t)
        image[t * bins + i] = value;
  }
}

static void subtractMean(std::vector<float> &wave) {
  double sum = 0;
  for (float s : wave)
    sum += s;
  float mean = wave.empty() ? 0.0f : static_cast<float>(sum / wave.size());
  for (float &s : wave)
    s -= mean;
}

llvm::Expected<Batch> loadBatch(const DataSet &data, const std::vector<int64_t> &indices,
                                const CompiledFrontEnd &fe, const AudioPolicy &policy,
                                int64_t classes, const Augmentations &augment,
                                llvm::MutableArrayRef<std::mt19937_64> rngs, FeatureCache *cache) {
  assert((rngs.size() == 1 || rngs.size() == indices.size()) && "a generator per row");
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<RowPlan> plans(indices.size());
  for (auto [row, clip] : llvm::enumerate(indices)) {
    RowPlan &p = plans[row];
    std::mt19937_64 &rng = rngs[rngs.size() == 1 ? 0 : row];
    p.clip = clip;
    if (augment.gain)
      p.gain = symmetricBeta(10, rng) + 0.5;
    if (augment.mixup > 0 && uniform(rng) < augment.mixup) {
      p.partner = std::uniform_int_distribution<int64_t>(0, data.clips.size() - 1)(rng);
      if (augment.gain)
        p.partnerGain = symmetricBeta(10, rng) + 0.5;
      p.lambda = symmetricBeta(10, rng);
    }
    for (double &d : p.specAugment)
      d = uniform(rng);
  }

  // Rows whose image is cached skip decoding; the others are decoded in
  // parallel and go through the compiled front end together.
  int64_t pixels = fe.frames() * fe.bins();
  bool cacheable = cache && !augment.gain && augment.mixup <= 0;
  std::vector<const std::vector<float> *> cached(plans.size(), nullptr);
  std::vector<size_t> fresh;
  for (size_t row = 0; row < plans.size(); ++row) {
    if (cacheable)
      cached[row] = cache->find(plans[row].clip);
    if (!cached[row])
      fresh.push_back(row);
  }
  if (cache && !cacheable)
    cache->computed(fresh.size());
  std::vector<std::vector<float>> waves(fresh.size());
  std::mutex errorLock;
  std::string errors;
  {
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
    for (size_t k = 0; k < fresh.size(); ++k) {
      pool.async([&, k] {
        const RowPlan &p = plans[fresh[k]];
        auto load = [&](int64_t clip, double gain) -> llvm::Expected<std::vector<float>> {
          auto wave = loadChannel0(data.clips[clip].path, fe.sampleRate(), policy);
          if (wave && gain != 1)
            for (float &s : *wave)
              s = static_cast<float>(s * gain);
          return wave;
        };
        auto wave = load(p.clip, p.gain);
        llvm::Expected<std::vector<float>> partner =
            p.partner >= 0 ? load(p.partner, p.partnerGain) : std::vector<float>();
        if (!wave || !partner) {
          std::string message;
          if (!wave) {
            message = llvm::toString(wave.takeError());
            if (!partner)
              llvm::consumeError(partner.takeError());
          } else {
            message = llvm::toString(partner.takeError());
          }
          std::lock_guard<std::mutex> lock(errorLock);
          errors += (errors.empty() ? "" : "\n") + message;
          return;
        }
        if (p.partner >= 0) {
          // dataset.py mixes the two clips with their means removed, the
          // partner zero-padded or cropped to the first clip's length; the
          // front end then removes the mean of the mix.
          subtractMean(*wave);
          subtractMean(*partner);
          partner->resize(wave->size(), 0.0f);
          for (size_t i = 0; i < wave->size(); ++i)
            (*wave)[i] = static_cast<float>(p.lambda * (*wave)[i] +
                                            (1 - p.lambda) * (*partner)[i]);
        }
        waves[k] = std::move(*wave);
      });
    }
  }
  if (!errors.empty())
    return llvm::createStringError(errors);
  auto images = fe.images(waves);
  if (!images)
    return images.takeError();

  Batch batch;
  batch.images.assign(indices.size() * pixels, 0.0f);
  batch.labels.assign(indices.size() * classes, 0.0f);
  for (size_t k = 0; k < fresh.size(); ++k) {
    auto first = images->begin() + k * pixels;
    if (cacheable)
      cache->insert(plans[fresh[k]].clip, std::vector<float>(first, first + pixels));
    std::copy_n(first, pixels, batch.images.begin() + fresh[k] * pixels);
  }
  for (size_t row = 0; row < plans.size(); ++row) {
    const RowPlan &p = plans[row];
    if (cached[row])
      std::copy(cached[row]->begin(), cached[row]->end(), batch.images.begin() + row * pixels);
    // SpecAugment masks the log-mel image before normalisation: the masked
    // cells take the normalised value of zero.
    float *image = batch.images.data() + row * pixels;
    if (augment.freqm > 0)
      maskAxis(image, fe.frames(), fe.bins(), false, augment.freqm, p.specAugment[0],
               p.specAugment[1], fe.zeroLevel());
    if (augment.timem > 0)
      maskAxis(image, fe.frames(), fe.bins(), true, augment.timem, p.specAugment[2],
               p.specAugment[3], fe.zeroLevel());
    float *labels = batch.labels.data() + row * classes;
    for (int64_t l : data.clips[p.clip].labels)
      if (l < classes)
        labels[l] += static_cast<float>(p.lambda);
    if (p.partner >= 0)
      for (int64_t l : data.clips[p.partner].labels)
        if (l < classes)
          labels[l] += static_cast<float>(1 - p.lambda);
  }
  return batch;
}

} // namespace amae
