//===- Progress.h - Phase lines for long compiles ---------------*- C++ -*-===//
//
// A deep spec can compile for minutes; silence then reads as a hang. Once a
// compile has run for `quietSeconds`, each phase is announced when it starts
// (or, for the phase running at that moment, when the threshold passes) and
// timed when it ends, on stderr. Short compiles print nothing.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_TOOLS_AMAE_COMPILE_PROGRESS_H
#define AMAE_TOOLS_AMAE_COMPILE_PROGRESS_H

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace amae {

class CompileProgress {
public:
  explicit CompileProgress(double quietSeconds) : quiet(quietSeconds) {
    // The watcher announces a phase that outlasts the quiet period.
    watcher = std::thread([this] {
      std::unique_lock<std::mutex> lock(mutex);
      while (!done) {
        if (!current.empty() && !announced && elapsed(start) >= quiet)
          announce();
        wake.wait_for(lock, std::chrono::milliseconds(100));
      }
    });
  }
  ~CompileProgress() {
    finish();
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    wake.notify_all();
    watcher.join();
  }

  /// Ends the current phase (if any) and starts `name`.
  void phase(llvm::StringRef name) {
    std::lock_guard<std::mutex> lock(mutex);
    endPhase();
    current = name.str();
    phaseStart = Clock::now();
    announced = false;
    if (elapsed(start) >= quiet)
      announce();
  }
  void finish() {
    std::lock_guard<std::mutex> lock(mutex);
    endPhase();
  }

private:
  using Clock = std::chrono::steady_clock;
  static double elapsed(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  }
  void announce() {
    llvm::errs() << "amae-compile: " << current << "...\n";
    announced = true;
  }
  void endPhase() {
    if (!current.empty() && announced)
      llvm::errs() << llvm::formatv("amae-compile: {0}: {1:F1} s (total {2:F1} s)\n", current,
                                    elapsed(phaseStart), elapsed(start));
    current.clear();
  }

  double quiet;
  Clock::time_point start = Clock::now(), phaseStart = start;
  std::string current;
  bool announced = false, done = false;
  std::mutex mutex;
  std::condition_variable wake;
  std::thread watcher;
};

} // namespace amae

#endif // AMAE_TOOLS_AMAE_COMPILE_PROGRESS_H
