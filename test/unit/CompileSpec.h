//===- CompileSpec.h - A model compiled from a spec for a unit test -*- C++ -*-===//

#ifndef AMAE_TEST_UNIT_COMPILESPEC_H
#define AMAE_TEST_UNIT_COMPILESPEC_H

#include "runtime/Model.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace amae::test {

/// `yaml` compiled by amae-compile with `flags` and loaded; null (with a
/// test failure recorded) when either step fails. The files are removed.
inline std::unique_ptr<Model> compileSpec(llvm::StringRef yaml,
                                          std::vector<std::string> flags = {}) {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("amae-unit-model", dir);
  std::string spec = (dir + "/spec.yaml").str(), so = (dir + "/model.so").str();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(spec, ec);
    os << yaml;
  }
  std::string compiler = AMAE_TOOLS_DIR "/amae-compile";
  std::vector<llvm::StringRef> argv = {compiler, spec, "-o", so};
  for (const std::string &f : flags)
    argv.push_back(f);
  int rc = llvm::sys::ExecuteAndWait(compiler, argv);
  EXPECT_EQ(rc, 0) << "amae-compile " << spec << " failed";
  auto model = Model::load(so);
  EXPECT_TRUE(bool(model)) << llvm::toString(model.takeError());
  llvm::sys::fs::remove_directories(dir);
  return model ? std::move(*model) : nullptr;
}

} // namespace amae::test

#endif // AMAE_TEST_UNIT_COMPILESPEC_H
