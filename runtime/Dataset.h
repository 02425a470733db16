//===- Dataset.h - Labelled audio clips to training batches -----*- C++ -*-===//
//
// A data set is a list of audio files with optional labels, read from
//   - a directory: every .wav/.flac/.ogg below it, sorted by path; a file's
//     label is the name of the directory that holds it (DIR/seven/a.wav is a
//     "seven"), files directly in DIR have none;
//   - a CSV file: `file,labels` per line (a header line `file,...` is
//     skipped), paths relative to the CSV's directory, several labels
//     separated by ';' (multi-label, as AudioSet).
// Class indices: label names sorted (numerically when all are integers).
//
// Batches follow the official data path (dataset.py): decode, [gain],
// [waveform mixup], then the model's compiled front end (mean removal, Kaldi
// fbank, pad/crop, normalisation with 2 std), [SpecAugment]. The augmentations are the official fine-tuning ones
// and are off unless asked for; every random draw comes from the caller's
// generator, so a batch is a function of the seed that made the generator.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_RUNTIME_DATASET_H
#define AMAE_RUNTIME_DATASET_H

#include "abi/Manifest.h"
#include "runtime/Audio.h"
#include "runtime/CompiledFrontEnd.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace amae {

struct Clip {
  std::string path;
  std::vector<int64_t> labels; // class indices
};

struct DataSet {
  std::vector<Clip> clips;
  std::vector<std::string> classes; // index -> name
};

/// Reads a directory or CSV list. With `classes` non-empty, labels are
/// mapped through it (an unknown label is an error naming the file);
/// otherwise the classes are the sorted label names found.
llvm::Expected<DataSet> readDataSet(llvm::StringRef dirOrCsv,
                                    const std::vector<std::string> &classes = {});

/// Checks every clip's header in parallel (probeAudio). All bad files are
/// reported in one error, so a run stops before training instead of at the
/// batch that holds one; with `skip`, they are left out and listed in
/// `skipped` instead.
llvm::Error checkClips(DataSet &data, const AudioPolicy &policy, bool skip,
                       std::vector<std::string> &skipped);

/// The CSV form of readDataSet over text already read; paths are relative
/// to `csvPath`'s directory. The fuzzer's entry to the list reader.
llvm::Expected<DataSet> parseDataList(llvm::StringRef text, llvm::StringRef csvPath,
                                      const std::vector<std::string> &classes = {});

/// Splits one CSV line at commas outside double quotes (quotes dropped).
std::vector<std::string> csvFields(llvm::StringRef line);

/// Reads AudioSet's class_labels_indices.csv (a header, then
/// index,mid,display_name with the name possibly quoted) into names by
/// index. amae-train writes the classes of a fine-tuning run in this form.
llvm::Expected<std::vector<std::string>> readClassLabels(llvm::StringRef path);
/// The same over text; `path` names it in messages.
llvm::Expected<std::vector<std::string>> parseClassLabels(llvm::StringRef text,
                                                          llvm::StringRef path);

/// The official fine-tuning augmentations (dataset.py); all off by default.
struct Augmentations {
  bool gain = false;   // roll_mag_aug: w *= Beta(10, 10) + 0.5
  double mixup = 0;    // probability of mixing in a second clip, λ ~ Beta(10, 10)
  int64_t freqm = 0;   // SpecAugment: one frequency mask of width < freqm
  int64_t timem = 0;   // then one time mask of width < timem
  bool any() const { return gain || mixup > 0 || freqm > 0 || timem > 0; }
};

/// A batch: images (rows x frames x bins) and soft multi-hot labels
/// (rows x classes).
struct Batch {
  std::vector<float> images, labels;
};

/// Loads the clips `indices` of `data` into a batch: decoding in parallel,
/// then the model's compiled front end. Mixup partners are drawn from the
/// whole data set. The draws of row i come from `rngs[i]`, or from
/// `rngs[0]` for every row when only one is given (one generator per sample
/// makes a sample's augmentation independent of the batch it lands in, and
/// so of the number of data-parallel ranks). With `cache` and no waveform
/// augmentation (gain, mixup), each clip's image is computed once;
/// SpecAugment is drawn anew on the cached image.
llvm::Expected<Batch> loadBatch(const DataSet &data, const std::vector<int64_t> &indices,
                                const CompiledFrontEnd &frontEnd, const AudioPolicy &policy,
                                int64_t classes, const Augmentations &augment,
                                llvm::MutableArrayRef<std::mt19937_64> rngs,
                                FeatureCache *cache = nullptr);

/// A draw from Beta(a, a), as numpy.random.beta(a, a).
double symmetricBeta(double a, std::mt19937_64 &rng);

} // namespace amae

#endif // AMAE_RUNTIME_DATASET_H
