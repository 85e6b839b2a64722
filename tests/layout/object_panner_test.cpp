// Object size and divergence: zero size is the point source, extent spreads energy to the
// neighbouring speakers smoothly with power preserved, full size surrounds, divergence splits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "layout/object_panner.hpp"

namespace vkmix::layout {
namespace {

std::vector<double> gains(const ObjectPanner& p, Polar pos, ObjectShape shape) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.gains(pos, shape, g);
  return g;
}

double power(const std::vector<double>& g) {
  double s = 0;
  for (double x : g) s += x * x;
  return s;
}

class ObjectPannerTest : public ::testing::Test {
 protected:
  const Layout& layout_ = *findLayout("7.1.4");  // L R C LFE Lrs Rrs Lss Rss Ltf Rtf Ltr Rtr
  ObjectPanner panner_{layout_};
};

TEST_F(ObjectPannerTest, ZeroSizeIsThePointSource) {
  std::vector<double> point(12);
  panner_.pointGains({30, 0, 1}, point);
  EXPECT_EQ(gains(panner_, {30, 0, 1}, {}), point);
  EXPECT_NEAR(point[0], 1.0, 1e-12);
}

TEST_F(ObjectPannerTest, WidthSpreadsOverTheNeighboursAndKeepsPower) {
  double prevCentre = 1.0;
  for (double width : {10.0, 30.0, 60.0, 120.0, 200.0}) {
    auto g = gains(panner_, {0, 0, 1}, {width, 0.0});
    EXPECT_NEAR(power(g), 1.0, 1e-9) << width;
    EXPECT_LT(g[2], prevCentre) << "wider means less in the centre speaker, width " << width;
    EXPECT_NEAR(g[0], g[1], 1e-9) << "symmetric about the centre";
    EXPECT_EQ(g[3], 0.0) << "LFE";
    prevCentre = g[2];
  }
  auto g60 = gains(panner_, {0, 0, 1}, {60.0, 0.0});
  EXPECT_GT(g60[0], 0.3) << "60 degrees wide reaches L and R";
  EXPECT_LT(g60[6], 0.1) << "but hardly the side surrounds";
}

TEST_F(ObjectPannerTest, FullSizeSurroundsTheListener) {
  auto g = gains(panner_, {0, 0, 1}, {360.0, 180.0});
  for (int c = 0; c < 12; ++c) {
    if (c == 3) continue;
    EXPECT_GT(g[c], 0.1) << layout_.speakers[c].label;
  }
  auto close = gains(panner_, {0, 0, 0.0}, {});
  for (int c = 0; c < 12; ++c) {
    if (c != 3) {
      EXPECT_GT(close[c], 0.1) << "a source at the listener surrounds: "
                               << layout_.speakers[c].label;
    }
  }
}

TEST_F(ObjectPannerTest, SizeChangesSmoothly) {
  auto prev = gains(panner_, {20, 10, 1}, {0.0, 0.0});
  for (double w = 0.5; w <= 180; w += 0.5) {
    auto g = gains(panner_, {20, 10, 1}, {w, w / 2});
    for (int c = 0; c < 12; ++c)
      ASSERT_LT(std::abs(g[c] - prev[c]), 0.03) << "width " << w << " channel " << c;
    prev = g;
  }
}

TEST_F(ObjectPannerTest, DivergenceSplitsToTheSides) {
  ObjectShape full;
  full.divergence = 1.0;
  full.divergenceAzimuthRangeDeg = 30.0;
  auto g = gains(panner_, {0, 0, 1}, full);
  EXPECT_NEAR(g[0], std::sqrt(0.5), 1e-9);
  EXPECT_NEAR(g[1], std::sqrt(0.5), 1e-9);
  EXPECT_NEAR(g[2], 0.0, 1e-9);
  ObjectShape half = full;
  half.divergence = 0.5;  // three equal copies
  g = gains(panner_, {0, 0, 1}, half);
  EXPECT_NEAR(g[2] * g[2], 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(g[0] * g[0], 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(power(g), 1.0, 1e-9);
}

TEST_F(ObjectPannerTest, DepthSpreadsWhenTheNearEndComesClose) {
  auto point = gains(panner_, {30, 0, 1}, {});
  ObjectShape deep;
  deep.depth = 1.0;
  auto g = gains(panner_, {30, 0, 1}, deep);  // spans distances 0.5 .. 1.5
  EXPECT_LT(g[0], point[0]);
  EXPECT_NEAR(power(g), 1.0, 1e-9);
}

}  // namespace
}  // namespace vkmix::layout
