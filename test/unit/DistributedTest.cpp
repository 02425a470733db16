//===- DistributedTest.cpp - Launcher detection, plugin loading, digests --===//

#include "runtime/Distributed.h"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <gtest/gtest.h>

using namespace amae;

namespace {
/// Sets environment variables for one test and restores them after.
struct Environment {
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  void set(const char *name, const char *value) {
    const char *old = std::getenv(name);
    saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~Environment() {
    for (auto it = saved.rbegin(); it != saved.rend(); ++it)
      if (it->second)
        setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        unsetenv(it->first.c_str());
  }
  void notLaunched() {
    for (const char *var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
      set(var, nullptr);
  }
};

std::string message(llvm::Expected<std::unique_ptr<Communicator>> c) {
  EXPECT_FALSE(bool(c));
  return c ? "" : llvm::toString(c.takeError());
}
} // namespace

TEST(Distributed, SingleProcessNeedsNoMpi) {
  Environment env;
  env.notLaunched();
  env.set("AMAE_MPI_PLUGIN", "/nonexistent/libAmaeMPI.so");
  auto c = Communicator::fromEnvironment("amae-train");
  ASSERT_TRUE(bool(c)) << llvm::toString(c.takeError());
  EXPECT_EQ(c->get(), nullptr);
}

TEST(Distributed, LaunchedWithoutThePlugin) {
  Environment env;
  env.notLaunched();
  env.set("OMPI_COMM_WORLD_SIZE", "2");
  env.set("AMAE_MPI_PLUGIN", "/nonexistent/libAmaeMPI.so");
  std::string m = message(Communicator::fromEnvironment("amae-train"));
  EXPECT_NE(m.find("OMPI_COMM_WORLD_SIZE is set"), std::string::npos) << m;
  EXPECT_NE(m.find("/nonexistent/libAmaeMPI.so does not exist"), std::string::npos) << m;
}

TEST(Distributed, ALibraryThatIsNotAPlugin) {
  Environment env;
  env.notLaunched();
  env.set("PMI_RANK", "0");
  env.set("AMAE_MPI_PLUGIN", "/lib/x86_64-linux-gnu/libm.so.6");
  std::string m = message(Communicator::fromEnvironment("amae-train"));
  EXPECT_NE(m.find("is not an amae communicator plugin of ABI version 1"), std::string::npos)
      << m;
}

TEST(Distributed, PluginBesideTheTools) {
  // bin/../lib of the running executable (here build/test/unit/..).
  std::string path = Communicator::pluginPath("amae-unittests", "libAmaeMPI.so");
  EXPECT_NE(path.find("/test/lib/libAmaeMPI.so"), std::string::npos) << path;
}

TEST(Distributed, DigestSeesEveryBit) {
  std::vector<float> a(1001, 0.5f), b = a;
  uint64_t base = digest(a.data(), a.size() * 4);
  EXPECT_EQ(base, digest(b.data(), b.size() * 4));
  for (size_t i : {size_t(0), size_t(500), size_t(1000)}) {
    b = a;
    uint32_t bits;
    std::memcpy(&bits, &b[i], 4);
    bits ^= 1u;
    std::memcpy(&b[i], &bits, 4);
    EXPECT_NE(base, digest(b.data(), b.size() * 4)) << "bit 0 of element " << i;
  }
  EXPECT_NE(base, digest(a.data(), a.size() * 4 - 4));
  // Chained: the order of the tensors matters.
  uint64_t ab = digest(a.data(), 8, digest(a.data() + 2, 4));
  uint64_t ba = digest(a.data() + 2, 4, digest(a.data(), 8));
  EXPECT_NE(ab, ba);
}

// Under a launcher (test/Train/communicator.test runs these with mpirun):
// real collectives over the MPI plugin. Left out of ctest, which runs the
// suite without one.
namespace {
std::unique_ptr<Communicator> &launched() {
  static std::unique_ptr<Communicator> comm = [] {
    auto c = Communicator::fromEnvironment(AMAE_TOOLS_DIR "/amae-train");
    if (!c) {
      ADD_FAILURE() << llvm::toString(c.takeError());
      return std::unique_ptr<Communicator>();
    }
    return std::move(*c);
  }();
  return comm;
}
} // namespace

TEST(DistributedUnderMpirun, AllreduceSumsInPlace) {
  Communicator *c = launched().get();
  if (!c)
    GTEST_SKIP() << "not started by mpirun";
  // More floats than one MPI piece would not be cheap; several shapes are.
  for (size_t n : {size_t(1), size_t(1000), size_t(3) << 20}) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
      x[i] = static_cast<float>((c->rank() + 1) * (i % 7));
    ASSERT_FALSE(bool(c->allreduceSum(x, "test allreduce")));
    float ranks = c->size() * (c->size() + 1) / 2.0f;
    for (size_t i = 0; i < n; i += 997)
      ASSERT_EQ(x[i], ranks * (i % 7)) << "element " << i << " of " << n;
  }
}

TEST(DistributedUnderMpirun, AllgatherAndCompare) {
  Communicator *c = launched().get();
  if (!c)
    GTEST_SKIP() << "not started by mpirun";
  auto all = c->allgather(100 + c->rank(), "test allgather");
  ASSERT_TRUE(bool(all)) << llvm::toString(all.takeError());
  for (int r = 0; r < c->size(); ++r)
    EXPECT_EQ((*all)[r], uint64_t(100 + r));
  EXPECT_FALSE(bool(c->compare(42, "answers")));
  llvm::Error differ = c->compare(c->rank() == 1 ? 7 : 42, "answers");
  ASSERT_TRUE(bool(differ));
  EXPECT_EQ(llvm::toString(std::move(differ)), "the answers of rank(s) 1 differ from rank 0's");
}

TEST(DistributedUnderMpirun, NcclBootstrappedOverMpi) {
  Communicator *c = launched().get();
  if (!c || !std::getenv("AMAE_NCCL_PLUGIN"))
    GTEST_SKIP() << "not started by mpirun with AMAE_NCCL_PLUGIN";
  auto nccl = c->openNccl(AMAE_TOOLS_DIR "/amae-train", c->rank());
  if (std::getenv("AMAE_EXPECT_GPU")) {
    ASSERT_TRUE(bool(nccl)) << llvm::toString(nccl.takeError());
    return;
  }
  ASSERT_FALSE(bool(nccl));
  std::string m = llvm::toString(nccl.takeError());
  EXPECT_NE(m.find("NCCL: CUDA cannot be used for NCCL (no GPU or no driver)"),
            std::string::npos)
      << m;
}
