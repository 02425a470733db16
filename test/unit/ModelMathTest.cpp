//===- ModelMathTest.cpp - The official model's exact constants -----------===//
//
// Expected values come from the official implementation: the position table
// rows were read from shared/golden/tiny_s0/pretrain_weights.safetensors
// (`pos_embed`, grid 8 x 4, dim 64) and compare bit for bit.
//
//===----------------------------------------------------------------------===//

#include "dialects/Amae/ModelMath.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace mlir::amae::math;

TEST(KeptCount, TruncatesLikePython) {
  EXPECT_EQ(keptCount(512, 0.8), 102); // 512 * 0.19999999999999996
  EXPECT_EQ(keptCount(32, 0.8), 6);
  EXPECT_EQ(keptCount(64, 0.2), 51);
  EXPECT_EQ(keptCount(8, 0.2), 6);
  EXPECT_EQ(keptCount(4, 0.2), 3);
  EXPECT_EQ(keptCount(64, 0.3), 44);
  EXPECT_EQ(keptCount(10, 0.0), 10);
}

TEST(SincosPositionTable, MatchesOfficialTinyTable) {
  std::vector<float> table = sincosPositionTable(8, 4, 64);
  ASSERT_EQ(table.size(), 33u * 64u);
  auto at = [&](int row, int col) { return table[row * 64 + col]; };
  for (int col = 0; col < 64; ++col)
    EXPECT_EQ(at(0, col), 0.0f) << "CLS row, column " << col;
  const int cols[] = {0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63};
  // Row 2 is token 1: (1 mod 8, 1 div 8) = (1, 0).
  const float row2[] = {0.8414709568023682f, 0.5331684350967407f,
                        0.00017782794020604342f, 0.5403022766113281f,
                        0.8460091352462769f, 1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f};
  // Row 9 is token 8: (0, 1), the transposed-grid quirk.
  const float row9[] = {0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f,
                        0.8414709568023682f, 0.5331684350967407f,
                        0.00017782794020604342f, 0.5403022766113281f, 1.0f};
  // Row 32 is token 31: (7, 3).
  const float row32[] = {0.6569865942001343f, -0.7137211561203003f,
                         0.0012447952758520842f, 0.7539022564888f,
                         -0.7004299163818359f, 0.9999992251396179f,
                         0.14112000167369843f, 0.9932531714439392f,
                         0.000533483806066215f, -0.9899924993515015f,
                         0.9999998807907104f};
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(at(2, cols[i]), row2[i]) << "row 2, column " << cols[i];
    EXPECT_EQ(at(9, cols[i]), row9[i]) << "row 9, column " << cols[i];
    EXPECT_EQ(at(32, cols[i]), row32[i]) << "row 32, column " << cols[i];
  }
}

TEST(SincosPositionTable, DecoderWidth) {
  // decoder_pos_embed of the tiny model, row 10 (token 9 = (1, 1)).
  std::vector<float> table = sincosPositionTable(8, 4, 32);
  auto at = [&](int col) { return table[10 * 32 + col]; };
  EXPECT_EQ(at(0), 0.8414709568023682f);
  EXPECT_EQ(at(7), 0.0003162277571391314f);
  EXPECT_EQ(at(8), 0.5403022766113281f);
  EXPECT_EQ(at(15), 0.9999999403953552f);
  EXPECT_EQ(at(16), 0.8414709568023682f);
}

TEST(ShiftMask, ZeroShiftIsAllZero) {
  for (float v : shiftMask({8, 4}, {4, 4}, {0, 0}))
    EXPECT_EQ(v, 0.0f);
}

TEST(ShiftMask, TimeShiftMasksTheLastWindowRow) {
  // Tiny decoder: grid 8 x 4, window 4 x 4, shift (2, 0). Window 0 is inside
  // one region; window 1 covers rolled rows 4..7: rows 4-5 and 6-7 differ.
  std::vector<float> mask = shiftMask({8, 4}, {4, 4}, {2, 0});
  ASSERT_EQ(mask.size(), 2u * 16u * 16u);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(mask[i], 0.0f);
  auto at = [&](int i, int j) { return mask[256 + i * 16 + j]; };
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      bool sameRegion = (i / 4 < 2) == (j / 4 < 2);
      EXPECT_EQ(at(i, j), sameRegion ? 0.0f : -100.0f) << i << ", " << j;
    }
  }
}

TEST(ShiftMask, BothAxesGiveNineRegions) {
  // Grid 8 x 8, window 4 x 4, shift (2, 2): the last window (rows and
  // columns 4..7) holds four regions of four tokens.
  std::vector<float> mask = shiftMask({8, 8}, {4, 4}, {2, 2});
  auto at = [&](int i, int j) { return mask[3 * 256 + i * 16 + j]; };
  EXPECT_EQ(at(0, 1), 0.0f);      // (4,4) and (4,5)
  EXPECT_EQ(at(0, 2), -100.0f);   // (4,4) and (4,6)
  EXPECT_EQ(at(0, 4), 0.0f);      // (4,4) and (5,4)
  EXPECT_EQ(at(0, 8), -100.0f);   // (4,4) and (6,4)
  EXPECT_EQ(at(15, 10), 0.0f);    // (7,7) and (6,6)
}

TEST(LogRelativeCoords, SignedLogOfOffsets) {
  std::vector<float> coords = logRelativeCoords({4, 4});
  ASSERT_EQ(coords.size(), 256u * 2u);
  // Row i*16 + j holds d = pos_i - pos_j, pos = (i div 4, i mod 4).
  EXPECT_EQ(coords[0], 0.0f);
  EXPECT_EQ(coords[1], 0.0f);
  EXPECT_FLOAT_EQ(coords[2 * 1 + 1], -std::log(2.0f));       // (0,0)-(0,1)
  EXPECT_FLOAT_EQ(coords[2 * (15 * 16) + 0], std::log(4.0f)); // (3,3)-(0,0)
  EXPECT_FLOAT_EQ(coords[2 * (15 * 16) + 1], std::log(4.0f));
  EXPECT_FLOAT_EQ(coords[2 * 4 + 0], -std::log(2.0f));        // (0,0)-(1,0)
}

TEST(FbankFraming, AudioMaeSettings) {
  FbankFraming f = fbankFraming(16000, 25.0, 10.0, true);
  EXPECT_EQ(f.windowSize, 400);
  EXPECT_EQ(f.hop, 160);
  EXPECT_EQ(f.paddedWindowSize, 512);
  EXPECT_EQ(f.frames(160000), 998); // a 10 s clip
  EXPECT_EQ(f.frames(399), 0);
  EXPECT_EQ(f.frames(400), 1);
  FbankFraming g = fbankFraming(44100, 25.0, 10.0, true);
  EXPECT_EQ(g.windowSize, 1102);
  EXPECT_EQ(g.hop, 441);
  EXPECT_EQ(g.paddedWindowSize, 2048);
}

TEST(Schedule, WarmupThenHalfCosine) {
  // Pretraining recipe: lr 4e-4, min 0, 3 warmup epochs of 33.
  EXPECT_DOUBLE_EQ(scheduledLearningRate(0.0, 4e-4, 0.0, 3, 33), 0.0);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(1.5, 4e-4, 0.0, 3, 33), 2e-4);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(3.0, 4e-4, 0.0, 3, 33), 4e-4);
  EXPECT_NEAR(scheduledLearningRate(18.0, 4e-4, 0.0, 3, 33), 2e-4, 1e-12); // mid-cosine
  EXPECT_NEAR(scheduledLearningRate(33.0, 4e-4, 1e-6, 3, 33), 1e-6, 1e-15);
}

TEST(LayerDecay, OfficialLayerIds) {
  // ViT-B, 0.75: patch_embed 0.75^13, block 11 0.75, head 1.
  EXPECT_NEAR(layerDecayScale("patch_embed.proj.weight", 12, 0.75), 0.02376, 1e-5);
  EXPECT_NEAR(layerDecayScale("cls_token", 12, 0.75), std::pow(0.75, 13), 1e-15);
  EXPECT_NEAR(layerDecayScale("blocks.11.mlp.fc1.weight", 12, 0.75), 0.75, 1e-15);
  EXPECT_NEAR(layerDecayScale("blocks.0.norm1.bias", 12, 0.75), std::pow(0.75, 12), 1e-15);
  EXPECT_EQ(layerDecayScale("head.weight", 12, 0.75), 1.0);
  EXPECT_EQ(layerDecayScale("fc_norm.bias", 12, 0.75), 1.0);
}
