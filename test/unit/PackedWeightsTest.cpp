//===- PackedWeightsTest.cpp - --gemm=onednn's packed weights stay fresh --===//
//
// A --gemm=onednn model keeps packed copies of the weights of graphs that
// update none of them. Every way the runtime lets a caller change or free a
// parameter must withdraw its copy: a stale one gives silently wrong results.
//
//===----------------------------------------------------------------------===//

#include "CompileSpec.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

using namespace amae;

namespace {

/// One encoder block wide enough that its linears pass the packing
/// threshold (4 MFLOP): 4 x 65 tokens x 128 wide.
std::unique_ptr<Model> compileSmall(llvm::StringRef gemm) {
  return test::compileSpec("name: small\ninput: {frames: 128, mel_bins: 128}\npatch: 16\n"
                           "encoder: {dim: 128, depth: 1, heads: 2}\n"
                           "decoder: {attention: global}\nfinetune: {classes: 3}\n"
                           "graphs: [infer]\n",
                           {"--graphs=infer", "--batch=4", ("--gemm=" + gemm).str()});
}

std::map<std::string, HostTensor> randomParams(const GraphSignature &sig) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::map<std::string, HostTensor> params;
  for (const TensorSpec &p : sig.params) {
    HostTensor t(p.dtype, p.shape);
    auto *f = static_cast<float *>(t.data());
    for (int64_t i = 0; i < t.bytes() / 4; ++i)
      f[i] = normal(rng);
    params.emplace(p.name, std::move(t));
  }
  return params;
}

std::vector<float> runOnce(const BoundGraph &graph, const HostTensor &imgs) {
  auto out = graph.run({{"imgs", imgs.view()}});
  EXPECT_TRUE(bool(out)) << llvm::toString(out.takeError());
  const HostTensor &logits = (*out)[0];
  auto *f = static_cast<const float *>(logits.data());
  return std::vector<float>(f, f + logits.bytes() / 4);
}

double maxRelDiff(const std::vector<float> &a, const std::vector<float> &b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, double(std::fabs(a[i] - b[i])));
    scale = std::max(scale, double(std::fabs(b[i])));
  }
  return diff / scale;
}

TEST(PackedWeights, WrittenParametersAreReadFresh) {
  if (!AMAE_HAVE_ONEDNN)
    GTEST_SKIP() << "this build has no oneDNN (libdnnl-dev)";
  std::unique_ptr<Model> model = compileSmall("onednn");
  ASSERT_TRUE(model);
  const GraphSignature &sig = *model->manifest().find("infer");
  HostTensor imgs(DType::F32, sig.inputs[0].shape);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < imgs.bytes() / 4; ++i)
    static_cast<float *>(imgs.data())[i] = normal(rng);

  auto params = randomParams(sig);
  auto graph = model->bindOwned("infer", params);
  ASSERT_TRUE(bool(graph)) << llvm::toString(graph.takeError());
  EXPECT_EQ(model->packedWeightBytes(), 0u);
  std::vector<float> before = runOnce(*graph, imgs);
  size_t packed = model->packedWeightBytes();
  EXPECT_GT(packed, 0u) << "the encoder's linears were not packed";
  EXPECT_EQ(runOnce(*graph, imgs), before) << "a second run differs from the first";

  // Doubling the first block's MLP input weights through param() changes the
  // logits; a stale packed copy would leave them as they were.
  HostTensor *fc1 = graph->param("blocks.0.mlp.fc1.weight");
  ASSERT_TRUE(fc1);
  EXPECT_LT(model->packedWeightBytes(), packed);
  auto *w = static_cast<float *>(fc1->data());
  for (int64_t i = 0; i < fc1->bytes() / 4; ++i)
    w[i] *= 2.0f;
  std::vector<float> after = runOnce(*graph, imgs);
  EXPECT_GT(maxRelDiff(after, before), 1e-3);

  // A fresh binding of the changed weights (packed anew) agrees.
  auto changed = randomParams(sig);
  auto *cw = static_cast<float *>(changed.at("blocks.0.mlp.fc1.weight").data());
  for (int64_t i = 0; i < fc1->bytes() / 4; ++i)
    cw[i] *= 2.0f;
  auto fresh = model->bindOwned("infer", changed);
  ASSERT_TRUE(bool(fresh));
  EXPECT_LT(maxRelDiff(runOnce(*fresh, imgs), after), 1e-5);

  // Freed parameters leave nothing packed behind (their memory may be reused).
  *graph = BoundGraph();
  *fresh = BoundGraph();
  EXPECT_EQ(model->packedWeightBytes(), 0u);
}

TEST(PackedWeights, AgreesWithOpenBlas) {
  if (!AMAE_HAVE_ONEDNN)
    GTEST_SKIP() << "this build has no oneDNN (libdnnl-dev)";
  std::unique_ptr<Model> onednn = compileSmall("onednn"), openblas = compileSmall("openblas");
  ASSERT_TRUE(onednn && openblas);
  const GraphSignature &sig = *onednn->manifest().find("infer");
  HostTensor imgs(DType::F32, sig.inputs[0].shape);
  for (int64_t i = 0; i < imgs.bytes() / 4; ++i)
    static_cast<float *>(imgs.data())[i] = std::sin(0.01f * float(i));
  auto p1 = randomParams(sig), p2 = randomParams(sig);
  auto a = onednn->bindOwned("infer", p1);
  auto b = openblas->bindOwned("infer", p2);
  ASSERT_TRUE(a && b);
  // Different summation orders only (1e-5 relative, the golden README's
  // tolerance for activations is 1e-4).
  EXPECT_LT(maxRelDiff(runOnce(*a, imgs), runOnce(*b, imgs)), 1e-5);
  EXPECT_EQ(openblas->packedWeightBytes(), 0u);
}

} // namespace
