// The skeleton panner's promises: energy preserved (sum of g^2 = 1) everywhere, an object at a
// speaker plays from that speaker alone, no negative gains, LFE silent, no jumps along a sweep.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "layout/pairwise_panner.hpp"

namespace vkmix::layout {
namespace {

double sumSquares(const std::vector<double>& g) {
  double s = 0.0;
  for (double x : g) s += x * x;
  return s;
}

TEST(PairwisePanner, ObjectAtEachSpeakerPlaysOnlyFromIt) {
  for (const Layout& l : builtinLayouts()) {
    PairwisePanner panner(l);
    std::vector<double> g(l.numChannels());
    for (int c = 0; c < l.numChannels(); ++c) {
      const Speaker& s = l.speakers[c];
      if (s.lfe) continue;
      panner.gains({s.azimuthDeg, s.elevationDeg, 1.0}, g);
      for (int k = 0; k < l.numChannels(); ++k) {
        EXPECT_NEAR(g[k], k == c ? 1.0 : 0.0, 1e-12)
            << l.name << " source at " << s.label << " speaker " << k;
      }
    }
  }
}

TEST(PairwisePanner, EnergyIsPreservedAndGainsArePositiveOverTheSphere) {
  for (const Layout& l : builtinLayouts()) {
    PairwisePanner panner(l);
    std::vector<double> g(l.numChannels());
    for (double el = -90; el <= 90; el += 7.5) {
      for (double az = -180; az <= 540; az += 3.7) {
        panner.gains({az, el, 1.0}, g);
        EXPECT_NEAR(sumSquares(g), 1.0, 1e-12) << l.name << " az " << az << " el " << el;
        for (int c = 0; c < l.numChannels(); ++c) {
          EXPECT_GE(g[c], 0.0);
          if (l.speakers[c].lfe) {
            EXPECT_EQ(g[c], 0.0) << l.name << ": LFE must not receive objects";
          }
        }
      }
    }
  }
}

TEST(PairwisePanner, HorizontalSweepIsContinuous) {
  // A 0.1 degree step may move any gain by at most the law's slope (pi/2 per pair span of >= 30
  // degrees): 0.1 / 30 * pi / 2 = 0.0053. A jump between pairs would break this.
  for (const char* name : {"2.0", "5.1", "7.1.4", "9.1.6"}) {
    const Layout& l = *findLayout(name);
    PairwisePanner panner(l);
    std::vector<double> prev(l.numChannels()), g(l.numChannels());
    panner.gains({-180.0, 0.0, 1.0}, prev);
    for (double az = -179.9; az <= 180.0; az += 0.1) {
      panner.gains({az, 0.0, 1.0}, g);
      for (int c = 0; c < l.numChannels(); ++c) {
        EXPECT_LT(std::abs(g[c] - prev[c]), 0.0055) << name << " az " << az << " ch " << c;
      }
      prev = g;
    }
  }
}

TEST(PairwisePanner, CartesianFollowsTheDocumentedMapping) {
  // x right, y front, z up; azimuth positive to the left.
  Polar left = cartesianToPolar(-1, 0, 0);
  EXPECT_NEAR(left.azimuthDeg, 90.0, 1e-12);
  Polar frontRight = cartesianToPolar(1, 1, 0);
  EXPECT_NEAR(frontRight.azimuthDeg, -45.0, 1e-12);
  Polar up = cartesianToPolar(0, 1, 1);
  EXPECT_NEAR(up.elevationDeg, 45.0, 1e-12);
  Polar back = cartesianToPolar(0, -1, 0);
  EXPECT_NEAR(std::abs(back.azimuthDeg), 180.0, 1e-12);
}

TEST(PairwisePanner, StereoCentreIsEqualPower) {
  PairwisePanner panner(*findLayout("2.0"));
  std::vector<double> g(2);
  panner.gains({0.0, 0.0, 1.0}, g);
  EXPECT_NEAR(g[0], std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(g[1], std::sqrt(0.5), 1e-12);
}

}  // namespace
}  // namespace vkmix::layout
