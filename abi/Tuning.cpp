//===- Tuning.cpp - The tuning file amae-tune writes ----------------------===//

#include "abi/Tuning.h"
#include "abi/Manifest.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace amae {

static const char *const gemmLibraries[] = {"onednn", "openblas"};

llvm::ArrayRef<TunableOption> tunableOptions() {
  static const TunableOption options[] = {
      {"fuse", TunableOption::Bool, false, "fuse elementwise producers into consumers"},
      {"fused-attention", TunableOption::Bool, false,
       "attention as one kernel over blocks of query rows (with blas)"},
      {"bias-epilogue", TunableOption::Bool, false,
       "biases after the matmuls, fused into the next elementwise op (with blas)"},
      {"static-buffer-plan", TunableOption::Bool, false,
       "each graph's buffers at compile-time offsets in one arena"},
      {"interchange", TunableOption::Bool, false,
       "reductions along contiguous memory, column sums in parallel strips"},
      {"vectorize", TunableOption::Bool, false,
       "elementwise kernels and row reductions on vectors (amae-cpu-vectorize)"},
      {"vector-size", TunableOption::Int, false, "lanes per vector of vectorize: 2 to 64"},
      {"attention-block-rows", TunableOption::Int, false,
       "query rows per block of the attention kernels: 0 (automatic) or a multiple of 8 up to 4096"},
      {"vector-width", TunableOption::Int, false,
       "vector width LLVM prefers: 0 (the target's), 128, 256 or 512 bits"},
      {"parallel-min-iterations", TunableOption::Int, false,
       "smallest kernel iteration space run on several threads"},
      {"O", TunableOption::Int, false, "LLVM optimisation level, 0-3"},
      {"blas", TunableOption::Bool, false, "GEMMs on OpenBLAS (false: generated loops)"},
      {"parallel", TunableOption::Bool, false, "threads in large kernels and GEMM tiles"},
      {"gemm", TunableOption::Choice, false, "the GEMM library (with blas): onednn or openblas",
       gemmLibraries},
      {"threads", TunableOption::Int, true, "threads at run time, 0 for one per core"},
  };
  return options;
}

const TunableOption *findTunableOption(llvm::StringRef name) {
  for (const TunableOption &o : tunableOptions())
    if (name == o.name)
      return &o;
  return nullptr;
}

std::optional<int64_t> choiceIndex(const TunableOption &option, llvm::StringRef name) {
  for (size_t i = 0; i < option.choices.size(); ++i)
    if (name == option.choices[i])
      return static_cast<int64_t>(i);
  return std::nullopt;
}

llvm::Error checkTunableValue(const TunableOption &option, int64_t value) {
  llvm::StringRef name = option.name;
  bool ok = true;
  if (option.kind == TunableOption::Bool)
    ok = value == 0 || value == 1;
  else if (option.kind == TunableOption::Choice)
    ok = value >= 0 && value < static_cast<int64_t>(option.choices.size());
  else if (name == "vector-width")
    ok = value == 0 || value == 128 || value == 256 || value == 512;
  else if (name == "vector-size")
    ok = value >= 2 && value <= 64;
  else if (name == "attention-block-rows")
    ok = value >= 0 && value <= 4096 && value % 8 == 0;
  else if (name == "O")
    ok = value >= 0 && value <= 3;
  else if (name == "threads")
    ok = value >= 0 && value <= 1024;
  else if (name == "parallel-min-iterations")
    ok = value >= 1;
  if (ok)
    return llvm::Error::success();
  return llvm::createStringError(llvm::formatv("{0} = {1} is out of range ({2})", name, value,
                                               option.help)
                                     .str());
}

llvm::Error Tuning::write(llvm::StringRef path) const {
  llvm::json::Object opts;
  for (const auto &[name, value] : options) {
    const TunableOption *option = findTunableOption(name);
    if (option->kind == TunableOption::Bool)
      opts[name] = value != 0;
    else if (option->kind == TunableOption::Choice)
      opts[name] = option->choices[value];
    else
      opts[name] = value;
  }
  llvm::json::Object root{{"amae_tuning", 1},
                          {"options", std::move(opts)},
                          {"measured", llvm::json::Object{{"spec", spec},
                                                          {"graph", graph},
                                                          {"batch", batch},
                                                          {"cpu", cpu},
                                                          {"median_ms", medianMs}}}};
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return llvm::createStringError(path + ": " + ec.message());
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  os.close();
  if (os.has_error())
    return llvm::createStringError(path + ": " + os.error().message());
  return llvm::Error::success();
}

llvm::Expected<Tuning> Tuning::read(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError((path + ": not a tuning file: " + message).str());
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError((path + ": " + buffer.getError().message()).str());
  llvm::Expected<llvm::json::Value> root = parseJSONObject((*buffer)->getBuffer());
  if (!root)
    return fail(llvm::toString(root.takeError()));
  const llvm::json::Object *o = root->getAsObject();
  if (o->getInteger("amae_tuning") != 1)
    return fail("no \"amae_tuning\": 1 (write it with amae-tune)");
  const llvm::json::Object *opts = o->getObject("options");
  if (!opts)
    return fail("no \"options\" object");
  Tuning t;
  for (const auto &[key, value] : *opts) {
    const TunableOption *option = findTunableOption(key);
    if (!option) {
      std::vector<std::string> known;
      for (const TunableOption &k : tunableOptions())
        known.push_back(k.name);
      return fail("unknown option '" + key.str() + "' (known: " + llvm::join(known, ", ") + ")");
    }
    int64_t v;
    if (option->kind == TunableOption::Bool) {
      if (!value.getAsBoolean())
        return fail("option '" + key.str() + "' must be true or false");
      v = *value.getAsBoolean();
    } else if (option->kind == TunableOption::Choice) {
      std::optional<int64_t> index =
          value.getAsString() ? choiceIndex(*option, *value.getAsString()) : std::nullopt;
      if (!index)
        return fail("option '" + key.str() + "' must be one of " +
                    llvm::join(option->choices, ", "));
      v = *index;
    } else {
      if (!value.getAsInteger())
        return fail("option '" + key.str() + "' must be an integer");
      v = *value.getAsInteger();
    }
    if (llvm::Error err = checkTunableValue(*option, v))
      return fail(llvm::toString(std::move(err)));
    t.options[key.str()] = v;
  }
  if (const llvm::json::Object *m = o->getObject("measured")) {
    if (auto s = m->getString("spec"))
      t.spec = s->str();
    if (auto s = m->getString("graph"))
      t.graph = s->str();
    if (auto s = m->getString("cpu"))
      t.cpu = s->str();
    t.batch = m->getInteger("batch").value_or(0);
    t.medianMs = m->getNumber("median_ms").value_or(0);
  }
  return t;
}

} // namespace amae
