// The true-peak limiter: output true peak (measured by the meter) never above the ceiling,
// no delay (output frame k is input frame k scaled), transparent below the ceiling.
#include <gtest/gtest.h>

#include <algorithm>
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

// The limiter's rule over a whole signal at once (limiter.hpp): r per frame from the true-peak
// intervals either side and the frame's own samples, m = the forward minimum of r over W frames,
// g = the running mean of the last W minima (summed in arrival order), released at 50 ms.
// Returns the output, channel-major; `maxReductionDb` gets the largest reduction.
std::vector<float> limitOffline(const std::vector<float>& planar, int channels, double ceilingDb,
                                double& maxReductionDb) {
  const auto frames = static_cast<std::int64_t>(planar.size()) / channels;
  const double ceiling = std::pow(10.0, (ceilingDb - 0.1) / 20.0);  // 0.1 dB of safety
  const int window = static_cast<int>(std::lround(kRate * 0.002));
  const double releaseCoef = 1.0 - std::exp(-1.0 / (0.050 * kRate));
  std::vector<TruePeak> peaks(static_cast<std::size_t>(channels), TruePeak(kRate));
  const int delay = peaks[0].delay();
  auto at = [&](int c, std::int64_t i) {
    return i < frames ? planar[static_cast<std::size_t>(c * frames + i)] : 0.0f;
  };
  // Every frame the limiter reads: the signal, then the zeros flush() feeds.
  const std::int64_t fed = frames + delay + window - 1;
  std::vector<double> r(static_cast<std::size_t>(fed - delay));
  double lastIntervalR = 1.0;
  for (std::int64_t n = 0; n < fed; ++n) {
    double intervalPeak = 0.0;
    for (int c = 0; c < channels; ++c)
      intervalPeak = std::max(intervalPeak, peaks[c].process(at(c, n)));
    const std::int64_t q = n - delay;
    if (q < 0) continue;
    const double intervalR = intervalPeak > ceiling ? ceiling / intervalPeak : 1.0;
    double samplePeak = 0.0;
    for (int c = 0; c < channels; ++c)
      samplePeak = std::max(samplePeak, static_cast<double>(std::abs(at(c, q))));
    double rq = std::min(lastIntervalR, intervalR);
    if (samplePeak > ceiling) rq = std::min(rq, ceiling / samplePeak);
    lastIntervalR = intervalR;
    r[static_cast<std::size_t>(q)] = rq;
  }
  std::vector<float> out(planar.size());
  std::vector<double> minima;
  double sum = 0.0, gain = 1.0;
  maxReductionDb = 0.0;
  for (std::int64_t q = 0; q < static_cast<std::int64_t>(r.size()); ++q) {
    const std::int64_t i = q - window + 1;  // m(i) = min r over [i, q], frames before 0 left out
    double m = 1.0;
    for (std::int64_t k = std::max<std::int64_t>(0, i); k <= q; ++k)
      m = std::min(m, r[static_cast<std::size_t>(k)]);
    minima.push_back(m);
    sum += m;
    if (static_cast<int>(minima.size()) > window) sum -= minima[minima.size() - 1 - window];
    if (i < 0) continue;
    const double g = std::min(1.0, sum / window);
    gain = g < gain ? g : std::min(g, gain + (1.0 - gain) * releaseCoef);
    maxReductionDb = std::max(maxReductionDb, -20.0 * std::log10(gain));
    for (int c = 0; c < channels && i < frames; ++c)
      out[static_cast<std::size_t>(c * frames + i)] = static_cast<float>(at(c, i) * gain);
  }
  return out;
}

TEST(Limiter, FollowsItsRuleBitForBit) {
  // Three channels of bursts well past the ceiling, long enough that the pending frames move to
  // the front of their buffer many times; any block size gives the rule's bits.
  const int channels = 3;
  const std::int64_t frames = 2 * kRate + 123;
  std::vector<float> planar;
  for (int c = 0; c < channels; ++c) {
    auto n =
        test::noise(static_cast<std::size_t>(frames), 20 + static_cast<std::uint32_t>(c), 1.0f);
    for (std::int64_t i = 0; i < frames; ++i)
      planar.push_back(static_cast<float>(((i / 3000) % 2 == 0 ? 2.0 : 0.3) * n[i]));
  }
  double expectedReduction = 0.0;
  const std::vector<float> expected = limitOffline(planar, channels, -1.0, expectedReduction);
  EXPECT_GT(expectedReduction, 3.0) << "the signal limits";
  for (std::int64_t block : {1, 333, 4096, 20000}) {
    const std::vector<float> out = limit(planar, channels, -1.0, block);
    ASSERT_EQ(out.size(), expected.size());
    std::size_t differ = 0;
    for (std::size_t k = 0; k < out.size(); ++k) differ += out[k] != expected[k] ? 1 : 0;
    EXPECT_EQ(differ, 0u) << "block " << block;
  }
  TruePeakLimiter lim(kRate, channels, -1.0);
  lim.process(planar, frames, frames);
  lim.flush();
  EXPECT_EQ(lim.maxReductionDb(), expectedReduction);
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
