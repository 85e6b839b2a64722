// The true-peak limiter: output true peak (measured by the meter) never above the ceiling,
// no delay (output frame k is input frame k scaled), transparent below the ceiling.
#include <gtest/gtest.h>

#include <cmath>

#include "loudness/limiter.hpp"
#include "loudness/meter.hpp"
#include "support/signals.hpp"

namespace vkmix::loudness {
namespace {

constexpr int kRate = 48000;

std::vector<float> limit(const std::vector<float>& planar, int channels, double ceilingDb,
                         std::int64_t block) {
  const auto frames = static_cast<std::int64_t>(planar.size()) / channels;
  TruePeakLimiter lim(kRate, channels, ceilingDb);
  std::vector<std::vector<float>> outCh(static_cast<std::size_t>(channels));
  std::vector<float> piece, chunk;
  auto collect = [&] {
    std::int64_t n = lim.take(chunk);
    for (int c = 0; c < channels; ++c)
      outCh[c].insert(outCh[c].end(), chunk.begin() + c * n, chunk.begin() + (c + 1) * n);
  };
  for (std::int64_t at = 0; at < frames; at += block) {
    std::int64_t n = std::min(block, frames - at);
    piece.assign(static_cast<std::size_t>(channels * n), 0.0f);
    for (int c = 0; c < channels; ++c) std::copy_n(&planar[c * frames + at], n, &piece[c * n]);
    lim.process(piece, n, n);
    collect();
  }
  lim.flush();
  collect();
  std::vector<float> out;
  for (auto& ch : outCh) out.insert(out.end(), ch.begin(), ch.end());
  return out;
}

double truePeakDb(const std::vector<float>& planar, int channels) {
  const auto frames = static_cast<std::int64_t>(planar.size()) / channels;
  LoudnessMeter m(kRate, std::vector<double>(static_cast<std::size_t>(channels), 1.0));
  m.addFrames(planar, frames, frames);
  return m.summary().truePeakDbtp;
}

TEST(Limiter, NeverOvershootsTheCeilingOnHotSignals) {
  // Loud noise with bursts and inter-sample peaks (an fs/4 sine at 45 degrees), two channels.
  const std::int64_t frames = 3 * kRate;
  std::vector<float> planar(2 * frames);
  auto n = test::noise(static_cast<std::size_t>(frames), 9, 1.0f);
  for (std::int64_t i = 0; i < frames; ++i) {
    double burst = (i / 4800) % 3 == 0 ? 2.5 : 0.4;
    planar[i] = static_cast<float>(burst * n[i]);
    planar[frames + i] = static_cast<float>(
        1.6 * std::sin(3.14159265358979 * 0.5 * static_cast<double>(i) + 0.785398));
  }
  for (std::int64_t block : {1, 1000, 4096}) {
    for (double ceiling : {-1.0, -2.0}) {
      std::vector<float> out = limit(planar, 2, ceiling, block);
      ASSERT_EQ(out.size(), planar.size()) << "every frame comes out";
      EXPECT_LE(truePeakDb(out, 2), ceiling) << "block " << block << " ceiling " << ceiling;
    }
  }
}

TEST(Limiter, IsTransparentBelowTheCeilingAndAddsNoDelay) {
  auto planar = test::noise(kRate, 4, 0.1f);  // peaks at -20 dBFS
  std::vector<float> out = limit(planar, 1, -2.0, 777);
  ASSERT_EQ(out.size(), planar.size());
  EXPECT_EQ(test::maxAbsDiff(out, planar), 0.0);
}

TEST(Limiter, ScalesWithoutShiftingInTime) {
  // A loud sine: the output is the input times a gain <= 1, frame for frame (no latency).
  auto planar = test::sine(kRate, 997.0, kRate, 1.0f);
  std::vector<float> out = limit(planar, 1, -6.0, 4096);
  ASSERT_EQ(out.size(), planar.size());
  for (std::size_t i = 24000; i < 24100; ++i) {
    if (std::abs(planar[i]) < 0.1f) continue;
    double g = out[i] / planar[i];
    EXPECT_GT(g, 0.0);
    EXPECT_LE(g, 1.0);
    EXPECT_NEAR(g, std::pow(10.0, -6.1 / 20.0), 0.02) << i;  // steady state: the ceiling - margin
  }
}

}  // namespace
}  // namespace vkmix::loudness
