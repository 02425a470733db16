//===- amae-fbank.cpp - Dump AudioMAE input features ----------------------===//
//
//   amae-fbank a.wav b.flac -o F.safetensors                 # raw log-mel
//   amae-fbank a.wav --sample-rate=16000 --frames=1024 -o F  # model input
//   amae-fbank --model=M.so a.wav b.flac -o I.safetensors     # compiled input
//
// Tensor i (`fbank.<i>`, in argument order) is the Kaldi fbank of file i
// (frames x mel bins) after the official mean removal and channel choice.
// Without --sample-rate each file is analysed at its own rate, as the
// official code does; with it, files at other rates are resampled first.
// --frames pads/crops to a frame count and normalises (x - mean) / (2 std).
// This C++ front end is the oracle that the compiled one is tested against:
// with --model, tensor i is instead the input image that model's compiled
// `frontend` graph makes of file i (what amae-run and amae-train feed it).
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"
#include "runtime/Audio.h"
#include "runtime/FbankOracle.h"
#include "runtime/CompiledFrontEnd.h"
#include "dialects/Amae/ModelMath.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

#include <cstring>
#include <memory>
#include <optional>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-fbank options");
cl::list<std::string> inputs(cl::Positional, cl::OneOrMore, cl::desc("<audio files>"),
                             cl::cat(category));
cl::opt<std::string> outputPath("o", cl::Required, cl::value_desc("F.safetensors"),
                                cl::desc("Output file"), cl::cat(category));
cl::opt<unsigned> sampleRate("sample-rate", cl::init(0),
                             cl::desc("Resample to this rate (default: each file's own)"),
                             cl::cat(category));
cl::opt<unsigned> melBins("mel-bins", cl::init(128), cl::desc("Mel bins"),
                          cl::cat(category));
cl::opt<unsigned> frames("frames", cl::init(0),
                         cl::desc("Pad/crop to this many frames and normalise"),
                         cl::cat(category));
cl::opt<float> mean("mean", cl::init(-4.2677393f), cl::desc("Normalisation mean"),
                    cl::cat(category));
cl::opt<float> stdDev("std", cl::init(4.5689974f), cl::desc("Normalisation std"),
                      cl::cat(category));
cl::opt<std::string> modelPath("model", cl::value_desc("M.so"),
                               cl::desc("Write the images of this model's compiled front end"),
                               cl::cat(category));
cl::opt<bool> zeroNonFinite("zero-nonfinite-samples",
                            cl::desc("Zero NaN/inf samples instead of rejecting the file"),
                            cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "AudioMAE front end\n");
  if (melBins == 0 || melBins > 4096)
    return WithColor::error(errs(), "amae-fbank") << "--mel-bins must be in [1, 4096]\n", 1;
  if (sampleRate.getNumOccurrences()) {
    std::string rate = mlir::amae::math::sampleRateError(sampleRate, "--sample-rate");
    if (!rate.empty())
      return WithColor::error(errs(), "amae-fbank") << rate << "\n", 1;
  }
  amae::Checkpoint out;
  int failures = 0;
  auto fail = [&](const Twine &message) {
    WithColor::error(errs(), "amae-fbank") << message << "\n";
    ++failures;
  };
  std::unique_ptr<amae::Model> model;
  std::optional<amae::CompiledFrontEnd> fe;
  if (!modelPath.empty()) {
    if (frames.getNumOccurrences() || sampleRate.getNumOccurrences() ||
        melBins.getNumOccurrences() || mean.getNumOccurrences() || stdDev.getNumOccurrences())
      return WithColor::error(errs(), "amae-fbank")
                 << "--model takes the rate, frames, bins and normalisation of the model; "
                    "give none of --sample-rate, --frames, --mel-bins, --mean, --std\n",
             1;
    auto loaded = amae::Model::load(modelPath);
    if (!loaded)
      return WithColor::error(errs(), "amae-fbank") << toString(loaded.takeError()) << "\n", 1;
    model = std::move(*loaded);
    auto bound = amae::CompiledFrontEnd::bind(*model);
    if (!bound)
      return WithColor::error(errs(), "amae-fbank") << modelPath << ": "
                                                     << toString(bound.takeError()) << "\n",
             1;
    fe = std::move(*bound);
  }
  // The compiled front end's image of a file (--model).
  auto compiled = [&](StringRef path, int64_t &rows) -> Expected<std::vector<float>> {
    auto wave = amae::loadChannel0(path, fe->sampleRate(), {zeroNonFinite});
    if (!wave)
      return wave.takeError();
    rows = fe->frames();
    return fe->images({*wave});
  };
  // The oracle's fbank (or, with --frames, image) of a file.
  auto oracle = [&](StringRef path, int64_t &rows) -> Expected<std::vector<float>> {
    auto wave = amae::readAudio(path, {zeroNonFinite});
    if (!wave)
      return wave.takeError();
    std::vector<float> mono = amae::officialMono(*wave);
    amae::FbankOptions options;
    options.sampleRate = static_cast<double>(wave->sampleRate);
    options.numMelBins = melBins;
    if (sampleRate && sampleRate != wave->sampleRate) {
      auto resampled = amae::resample(mono, wave->sampleRate, sampleRate);
      if (!resampled)
        return createStringError(path + ": " + toString(resampled.takeError()));
      mono = std::move(*resampled);
      options.sampleRate = sampleRate;
    }
    std::vector<float> fbank = amae::kaldiFbank(mono, options, rows);
    if (frames) {
      fbank = amae::audioMaeImage(fbank, rows, melBins, frames, mean, stdDev);
      rows = frames;
    }
    return fbank;
  };
  for (auto [index, path] : llvm::enumerate(inputs)) {
    int64_t rows = 0;
    auto values = fe ? compiled(path, rows) : oracle(path, rows);
    if (!values) {
      fail(toString(values.takeError()));
      continue;
    }
    std::vector<uint8_t> bytes(values->size() * sizeof(float));
    std::memcpy(bytes.data(), values->data(), bytes.size());
    out.addOwned("fbank." + std::to_string(index), amae::DType::F32,
                 {rows, fe ? fe->bins() : static_cast<int64_t>(melBins)}, std::move(bytes));
  }
  if (Error err = amae::writeSafetensors(outputPath, out)) {
    WithColor::error(errs(), "amae-fbank") << toString(std::move(err)) << "\n";
    return 1;
  }
  return failures ? 1 : 0;
}
