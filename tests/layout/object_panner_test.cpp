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

// channelLock, BS.2127 §7.3.6 (egocentric): the position moves to the nearest loudspeaker by the
// Euclidean distance between the position (its distance included) and the loudspeaker's unit
// vector, if within maxDistance (+1e-5); equal distances go to the lowest |elevation|, then
// elevation, |azimuth|, azimuth. Values derived by hand:
//  - azimuth 20: |u(20) - u(30)| = 2 sin 5 deg = 0.174, |u(20) - u(0)| = 2 sin 10 deg = 0.347 -> L;
//  - maxDistance 0.1 < 0.174: no loudspeaker near enough, the point source at 20 degrees;
//  - azimuth 15: C and L equally near (2 sin 7.5 deg); C has the lower |azimuth| -> C;
//  - distance 0.5 at azimuth 20: |0.5 u(20) - u(30)| = sqrt(1.25 - cos 10 deg) = 0.515, within
//    0.6 -> L, at the loudspeaker (distance 1, no longer spread by nearness).
TEST_F(ObjectPannerTest, ChannelLockSnapsToTheNearestLoudspeaker) {
  ObjectShape lock;
  lock.channelLock = true;
  auto only = [](int channel) {
    std::vector<double> g(12, 0.0);
    g[static_cast<std::size_t>(channel)] = 1.0;
    return g;
  };
  EXPECT_EQ(gains(panner_, {20, 0, 1}, lock), only(0));
  EXPECT_EQ(gains(panner_, {15, 0, 1}, lock), only(2));
  ObjectShape near = lock;
  near.channelLockMaxDistance = 0.1;
  EXPECT_EQ(gains(panner_, {20, 0, 1}, near), gains(panner_, {20, 0, 1}, {}));
  near.channelLockMaxDistance = 0.6;
  EXPECT_EQ(gains(panner_, {20, 0, 0.5}, near), only(0));
  near.channelLockMaxDistance = 0.5;  // 0.515 is beyond it: the nearness spreads the source
  const auto spread = gains(panner_, {20, 0, 0.5}, near);
  EXPECT_GT(spread[4], 0.05);
  EXPECT_NEAR(power(spread), 1.0, 1e-9);
  // Never the LFE, whatever is nearest.
  EXPECT_EQ(gains(panner_, {0, -90, 1}, lock)[3], 0.0);
}

// zoneExclusion, BS.2127 §7.3.12: the panned power of an excluded loudspeaker goes in equal shares
// to the first group of its neighbours with one outside every zone, ordered by (layer change:
// same layer, then up before down; front/back side change; distance; front/back distance).
//  - 5.1, C excluded: L and R share C's key (same layer, both in front, 2 sin 15 deg away) ->
//    sqrt(1/2) each;
//  - 7.1.4, every upper loudspeaker excluded, source at U+045: the middle layer; in front of the
//    listener (M+090 at y = 0 changes side): L, C, R at 0.572, 0.880, 1.25 -> L alone;
//  - 7.1.4, a Cartesian zone holding the left loudspeakers (x < -0.1), source at L: the same
//    layer, in front: C (0.518) before R (1.0) -> C alone;
//  - every loudspeaker excluded: nothing changes.
TEST_F(ObjectPannerTest, ZoneExclusionMovesExcludedLoudspeakersToTheirNeighbours) {
  const Layout& l51 = *findLayout("5.1");
  ObjectPanner p51(l51);
  ObjectShape noCentre;
  ExclusionZone centre;
  centre.cartesian = false;
  centre.minAzimuth = -10;
  centre.maxAzimuth = 10;
  centre.minElevation = -10;
  centre.maxElevation = 10;
  noCentre.zoneExclusion = {centre};
  auto g = gains(p51, {0, 0, 1}, noCentre);
  EXPECT_NEAR(g[0], std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(g[1], std::sqrt(0.5), 1e-12);
  EXPECT_EQ(g[2], 0.0);
  EXPECT_EQ(g[3], 0.0);
  EXPECT_EQ(g[4], 0.0);
  EXPECT_EQ(g[5], 0.0);

  ObjectShape noUpper;
  ExclusionZone upper;
  upper.cartesian = false;
  upper.minElevation = 20;
  upper.maxElevation = 90;
  noUpper.zoneExclusion = {upper};
  g = gains(panner_, {45, 30, 1}, noUpper);
  for (int c = 0; c < 12; ++c) EXPECT_NEAR(g[c], c == 0 ? 1.0 : 0.0, 1e-12) << c;
  // A source between the upper loudspeakers keeps its power, all of it on the middle layer.
  g = gains(panner_, {90, 30, 1}, noUpper);
  EXPECT_NEAR(power(g), 1.0, 1e-12);
  for (int c = 8; c < 12; ++c) EXPECT_EQ(g[c], 0.0);

  ObjectShape noLeft;
  ExclusionZone left;
  left.maxX = -0.1;
  noLeft.zoneExclusion = {left};
  g = gains(panner_, {30, 0, 1}, noLeft);
  for (int c = 0; c < 12; ++c) EXPECT_NEAR(g[c], c == 2 ? 1.0 : 0.0, 1e-12) << c;
  EXPECT_EQ(panner_.excludedChannels({left}),
            (std::vector<bool>{true, false, false, false, true, false, true, false, true, false,
                               true, false}));

  ObjectShape all;
  all.zoneExclusion = {ExclusionZone{}};
  EXPECT_EQ(gains(panner_, {20, 10, 1}, all), gains(panner_, {20, 10, 1}, {}));
}

// BS.2076's polar zones run from minAzimuth anticlockwise to maxAzimuth: 100..-100 is the rear.
TEST_F(ObjectPannerTest, PolarZonesWrapAroundTheBack) {
  ExclusionZone rear;
  rear.cartesian = false;
  rear.minAzimuth = 100;
  rear.maxAzimuth = -100;
  rear.minElevation = -10;
  rear.maxElevation = 10;
  EXPECT_EQ(panner_.excludedChannels({rear}),
            (std::vector<bool>{false, false, false, false, true, true, false, false, false, false,
                               false, false}));
}

}  // namespace
}  // namespace vkmix::layout
