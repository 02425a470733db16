//===- amae-compare.cpp - Compare tensors against a reference -------------===//
//
//   amae-compare ACTUAL EXPECTED name[=expected_name] ... [--rtol=1e-4] [--atol=0]
//
// For each pair, the error is max |a - e| relative to max |e| (per tensor,
// as the golden README prescribes); `--atol` adds an absolute allowance
// for tensors that are exactly zero in exact arithmetic. Prints one line per
// tensor and exits non-zero if any exceeds the tolerance or mismatches in
// shape. A NaN or infinity where the other tensor has anything else fails:
// the maximum of the errors alone would drop a NaN and report 0.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;

namespace {
cl::OptionCategory category("amae-compare options");
cl::opt<std::string> actualPath(cl::Positional, cl::Required, cl::desc("<actual>"),
                                cl::cat(category));
cl::opt<std::string> expectedPath(cl::Positional, cl::Required, cl::desc("<expected>"),
                                  cl::cat(category));
cl::list<std::string> pairs(cl::Positional, cl::ZeroOrMore,
                            cl::desc("name[=expected_name] ..."), cl::cat(category));
cl::opt<std::string> prefix("all-with-prefix", cl::value_desc("prefix"),
                            cl::desc("Compare every tensor X of EXPECTED with "
                                     "<prefix>X of ACTUAL"), cl::cat(category));
cl::list<std::string> skip("skip", cl::CommaSeparated, cl::value_desc("substring"),
                          cl::desc("With --all-with-prefix, leave out names containing these"),
                                   cl::cat(category));
cl::opt<double> rtol("rtol", cl::init(1e-4), cl::desc("Tolerance relative to max |expected|"),
                     cl::cat(category));
cl::opt<double> absTol("atol", cl::init(0.0), cl::desc("Absolute allowance"), cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "amae tensor comparison\n");
  auto actual = amae::Checkpoint::open(actualPath);
  auto expected = amae::Checkpoint::open(expectedPath);
  if (!actual || !expected) {
    errs() << "amae-compare: error: "
           << (actual ? toString(expected.takeError()) : toString(actual.takeError()))
           << "\n";
    return 2;
  }
  std::vector<std::string> work(pairs.begin(), pairs.end());
  if (prefix.getNumOccurrences())
    for (const std::string &name : expected->names())
      if (llvm::none_of(skip, [&](const std::string &s) { return StringRef(name).contains(s); }))
        work.push_back(prefix + name + "=" + name);
  if (work.empty()) {
    errs() << "amae-compare: error: nothing to compare\n";
    return 2;
  }
  int failures = 0;
  for (StringRef pair : work) {
    auto [name, other] = pair.split('=');
    if (other.empty())
      other = name;
    const amae::TensorView *a = actual->find(name), *e = expected->find(other);
    if (!a || !e) {
      outs() << "FAIL " << pair << ": missing in " << (a ? expectedPath : actualPath) << "\n";
      ++failures;
      continue;
    }
    if (a->shape != e->shape) {
      outs() << "FAIL " << pair << ": shape " << amae::formatShape(a->shape) << " vs "
             << amae::formatShape(e->shape) << "\n";
      ++failures;
      continue;
    }
    std::vector<float> av = a->toF32(), ev = e->toF32();
    double maxErr = 0, maxRef = 0;
    int64_t nonFinite = 0, firstBad = -1;
    for (size_t i = 0; i < av.size(); ++i) {
      bool aFinite = std::isfinite(av[i]), eFinite = std::isfinite(ev[i]);
      if (!aFinite || !eFinite) {
        // Equal infinities, or NaN against NaN, agree; anything else does not.
        bool same = (std::isnan(av[i]) && std::isnan(ev[i])) || av[i] == ev[i];
        if (!same && nonFinite++ == 0)
          firstBad = static_cast<int64_t>(i);
        continue;
      }
      maxErr = std::max(maxErr, std::fabs(double(av[i]) - double(ev[i])));
      maxRef = std::max(maxRef, std::fabs(double(ev[i])));
    }
    bool ok = maxErr <= rtol * maxRef + absTol && nonFinite == 0;
    outs() << formatv("{0} {1}: max error {2:e2}, relative {3:e2} (tolerance {4:e1})",
                      ok ? "ok  " : "FAIL", pair, maxErr,
                      maxRef > 0 ? maxErr / maxRef : maxErr, rtol.getValue());
    if (nonFinite)
      outs() << formatv("; {0} non-finite mismatches, first at element {1} ", nonFinite,
                        firstBad)
             << format("(%g vs %g)", av[firstBad], ev[firstBad]);
    outs() << "\n";
    failures += !ok;
  }
  return failures ? 1 : 0;
}
