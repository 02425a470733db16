//===- Tuning.h - The tuning file amae-tune writes --------------*- C++ -*-===//
//
// `amae-tune` measures compile options of one graph on this machine and
// writes the fastest setting; `amae-compile --tuning=FILE` reads it. JSON:
//   {"amae_tuning": 1,
//    "options": {"fuse": true, "vector-width": 512, "O": 2, "threads": 2, ...},
//    "measured": {"spec": "...", "graph": "infer", "batch": 1, "cpu": "...",
//                 "median_ms": 312.5}}
// Option names are amae-compile's flag names; an absent option keeps the
// compiler's default. "threads" is a run-time setting the manifest carries.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_ABI_TUNING_H
#define AMAE_ABI_TUNING_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace amae {

/// One tunable option: its amae-compile flag and the values it may take.
struct TunableOption {
  const char *name;
  /// Choice: one of `choices` by name in the file and on the command line,
  /// its index as the value.
  enum Kind { Bool, Int, Choice } kind;
  /// Run-time only (the thread count): no recompile to change it.
  bool runtime;
  const char *help;
  llvm::ArrayRef<const char *> choices = {};
};

/// Every option amae-tune can sweep and a tuning file can set.
llvm::ArrayRef<TunableOption> tunableOptions();
const TunableOption *findTunableOption(llvm::StringRef name);

struct Tuning {
  /// Option name -> value (bools as 0/1), only the options the file sets.
  std::map<std::string, int64_t> options;
  /// Where the numbers came from (informational; not applied).
  std::string spec, graph, cpu;
  int64_t batch = 0;
  double medianMs = 0;

  llvm::Error write(llvm::StringRef path) const;
  /// Reads and validates `path`: unknown options, wrong types and values out
  /// of range are errors naming the file.
  static llvm::Expected<Tuning> read(llvm::StringRef path);
};

/// The index of choice `name` of a Choice option, if it is one.
std::optional<int64_t> choiceIndex(const TunableOption &option, llvm::StringRef name);

/// An error with the value range of `option`, or success when `value` fits.
llvm::Error checkTunableValue(const TunableOption &option, int64_t value);

} // namespace amae

#endif // AMAE_ABI_TUNING_H
