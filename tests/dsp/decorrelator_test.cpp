// BS.2127 §7.4's decorrelation filters, checked against their definition: a 512-point spectrum
// of magnitude 1 whose phases at bins 1..255 are 2 pi times MT19937's outputs (seeded with the
// loudspeaker's place among the sorted labels) over 2^32, 0 at DC and Nyquist.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dsp/convolver/params.hpp"
#include "dsp/decorrelate/decorrelator.hpp"

namespace vkmix::dsp {
namespace {

constexpr double kTwoPi = 6.283185307179586476925;

TEST(Decorrelator, SpectrumHasUnitMagnitudeAndTheSeededPhases) {
  for (unsigned seed : {0u, 3u, 11u}) {
    const std::vector<double> h = decorrelator(seed);
    ASSERT_EQ(h.size(), 512u);
    std::vector<double> re(h), im(h.size(), 0.0);
    fftInPlace(re, im, false);
    std::mt19937 random(seed);  // BS.2127: MT19937, init_genrand(seed), raw 32-bit outputs
    double energy = 0.0;
    for (double x : h) energy += x * x;
    EXPECT_NEAR(energy, 1.0, 1e-12) << "all-pass: unit energy";
    for (std::size_t k = 0; k <= 256; ++k) {
      EXPECT_NEAR(std::hypot(re[k], im[k]), 1.0, 1e-12) << k;
      double expected = 0.0;
      if (k > 0 && k < 256) expected = kTwoPi * (static_cast<double>(random()) / 4294967296.0);
      const double phase = std::atan2(im[k], re[k]);
      EXPECT_NEAR(std::remainder(phase - expected, kTwoPi), 0.0, 1e-9) << seed << " bin " << k;
    }
  }
}

TEST(Decorrelator, AlignedFiltersAreRotatedAndSeededBySortedLabel) {
  // 5.1's labels sorted: LFE1 M+000 M+030 M+110 M-030 M-110 ('+' sorts before '-').
  const std::vector<std::string> labels = {"M+030", "M-030", "M+000", "LFE1", "M+110", "M-110"};
  const unsigned seeds[] = {2, 4, 1, 0, 3, 5};
  const auto aligned = decorrelatorsAligned(labels);
  ASSERT_EQ(aligned.size(), 6u);
  for (std::size_t c = 0; c < 6; ++c) {
    const std::vector<double> h = decorrelator(seeds[c]);
    for (std::size_t t = 0; t < 512; ++t) {
      ASSERT_EQ(aligned[c][t], static_cast<float>(h[(t + 255) % 512])) << c << " " << t;
    }
  }
  // Different loudspeakers' filters are nearly uncorrelated at every lag (what decorrelates).
  double worst = 0.0;
  for (int lag = -511; lag <= 511; ++lag) {
    double xy = 0.0;
    for (int t = 0; t < 512; ++t) {
      const int u = t + lag;
      if (u >= 0 && u < 512) xy += static_cast<double>(aligned[0][t]) * aligned[1][u];
    }
    worst = std::max(worst, std::abs(xy));
  }
  EXPECT_LT(worst, 0.25);
}

}  // namespace
}  // namespace vkmix::dsp
