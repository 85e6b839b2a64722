// Object size, distance, depth and divergence as BS.2127 §7.3.8-7.3.9 specify them (the EBU
// reference renderer's PolarExtentPanner, extent_mod and diverge): zero size is the point source,
// sizes from 10 degrees are the spread alone, the spread is an amplitude sum over an even grid
// scaled to unit length, the divergent copies lie in the source's own basis.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "layout/object_panner.hpp"
#include "layout/polar_extent.hpp"

namespace vkmix::layout {
namespace {

std::vector<double> gains(const ObjectPanner& p, Polar pos, ObjectShape shape) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.gains(pos, shape, g);
  return g;
}

std::vector<double> pointGains(const ObjectPanner& p, Polar pos) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.pointGains(pos, g);
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
  // Beyond distance 1 a point stays a point (its size shrinks from 0).
  EXPECT_EQ(gains(panner_, {30, 0, 2}, {}), point);
}

// The outside oracle: the EBU ADM Toolbox's BS.2127 render test (libear) of an object 360 wide
// and 360 high at azimuth 0, elevation 0, distance 1 on 5.1 renders L = R 0.326, C 0.216,
// Ls = Rs 0.609, LFE 0 (its reference output files, to three decimals). At that size every grid
// point weighs 1, so this checks the grid, the amplitude sum and the scaling.
TEST_F(ObjectPannerTest, FullSphereMatchesTheReferenceRender) {
  const ObjectPanner p51(*findLayout("5.1"));  // L R C LFE Ls Rs
  const auto g = gains(p51, {0, 0, 1}, {360.0, 360.0});
  const double expected[] = {0.326, 0.326, 0.216, 0.0, 0.609, 0.609};
  for (int c = 0; c < 6; ++c) EXPECT_NEAR(g[c], expected[c], 5e-4) << c;  // the oracle's rounding
  EXPECT_EQ(g[3], 0.0);
}

// The EBU reference renderer's own polar gain calculation (ear at commit 3de5957, run here:
// PolarExtentHandler.handle for each position diverge() returns, combined as
// sqrt(sum share * gains^2), BS.2076-2 divergence) for objects on 7.1.4, 2.0 and 5.1.4:
// the hand-picked cases above (full sphere, a small source, a blend, divergence at elevation,
// size with depth and divergence, distance 0.5, a tall source beyond distance 1, a source at
// the zenith, a wide one behind) and random ones, some at distance 0 with depth (where ear
// takes the front as the direction). Its outputs, printed to 17 digits, by loudspeaker label.
struct EarCase {
  const char* layout;
  double azimuth, elevation, distance, width, height, depth, divergence, azimuthRange;
  std::vector<std::pair<const char*, double>> gains;
};

TEST_F(ObjectPannerTest, MatchesTheReferenceRenderersGains) {
  const EarCase cases[] = {
      {"7.1.4",
       0,
       0,
       1,
       360,
       360,
       0,
       0,
       0,
       {{"M+030", 0.25071255105903817},
        {"M-030", 0.25071255105903817},
        {"M+000", 0.23007771280014475},
        {"M+090", 0.31899214359377576},
        {"M-090", 0.31899214359377587},
        {"M+135", 0.37424573481931039},
        {"M-135", 0.37424573481931039},
        {"U+045", 0.29030479027021111},
        {"U-045", 0.29030479027021133},
        {"U+135", 0.2908308972907922},
        {"U-135", 0.29083089729079209}}},
      {"7.1.4",
       30,
       0,
       1,
       20,
       20,
       0,
       0,
       0,
       {{"M+030", 0.95581041010050338},
        {"M-030", 0},
        {"M+000", 0.22327164165280605},
        {"M+090", 0.070636506338714974},
        {"M-090", 0},
        {"M+135", 0},
        {"M-135", 0},
        {"U+045", 0.17772652573386188},
        {"U-045", 0},
        {"U+135", 0},
        {"U-135", 0}}},
      {"7.1.4",
       20,
       10,
       1,
       4,
       2,
       0,
       0,
       0,
       {{"M+030", 0.40571067604823424},
        {"M-030", 0},
        {"M+000", 0.74749437089936044},
        {"M+090", 0},
        {"M-090", 0},
        {"M+135", 0},
        {"M-135", 0},
        {"U+045", 0.52586425844107387},
        {"U-045", 0.010853317855562343},
        {"U+135", 0},
        {"U-135", 0}}},
      {"7.1.4",
       0,
       30,
       1,
       0,
       0,
       0,
       1,
       30,
       {{"M+030", 0},
        {"M-030", 0},
        {"M+000", 0.25254617612904384},
        {"M+090", 0},
        {"M-090", 0},
        {"M+135", 0},
        {"M-135", 0},
        {"U+045", 0.68418580404835838},
        {"U-045", 0.68418580404835838},
        {"U+135", 0},
        {"U-135", 0}}},
      {"7.1.4",
       10,
       0,
       1,
       60,
       20,
       0.4,
       0.3,
       45,
       {{"M+030", 0.52674102850707361},
        {"M-030", 0.42452738147615871},
        {"M+000", 0.60549763693357372},
        {"M+090", 0.31234931991845882},
        {"M-090", 0.15713060960866226},
        {"M+135", 0.002208559532788409},
        {"M-135", 0},
        {"U+045", 0.1801350021776178},
        {"U-045", 0.14456872616089445},
        {"U+135", 0.0093339785540434185},
        {"U-135", 0.00037459108321876073}}},
      {"7.1.4",
       0,
       0,
       0.5,
       0,
       0,
       0,
       0,
       0,
       {{"M+030", 0.23921660248025195},
        {"M-030", 0.23921660248025203},
        {"M+000", 0.90581493916587463},
        {"M+090", 2.240418101309354e-05},
        {"M-090", 2.240418101309913e-05},
        {"M+135", 1.0194643184278728e-19},
        {"M-135", 1.0194643184278728e-19},
        {"U+045", 0.1803470670341473},
        {"U-045", 0.18034706703414732},
        {"U+135", 0},
        {"U-135", 0}}},
      {"7.1.4",
       100,
       -20,
       2,
       40,
       80,
       0,
       0,
       0,
       {{"M+030", 0.029033427967778976},
        {"M-030", 0.014567363027075208},
        {"M+000", 0.014567363027075208},
        {"M+090", 0.93920734329924194},
        {"M-090", 0.014567363027075208},
        {"M+135", 0.34077338406292207},
        {"M-135", 0.014567363027075208},
        {"U+045", 0.00073394658441230205},
        {"U-045", 0},
        {"U+135", 0.0084116661657824138},
        {"U-135", 0}}},
      {"7.1.4",
       0,
       90,
       1,
       30,
       10,
       0,
       0,
       0,
       {{"M+030", 0},
        {"M-030", 0},
        {"M+000", 0},
        {"M+090", 0},
        {"M-090", 0},
        {"M+135", 0},
        {"M-135", 0},
        {"U+045", 0.49986484227577338},
        {"U-045", 0.49986484227577338},
        {"U+135", 0.50013512119887782},
        {"U-135", 0.50013512119887782}}},
      {"7.1.4",
       180,
       0,
       1,
       360,
       20,
       0,
       0,
       0,
       {{"M+030", 0.28550168519091451},
        {"M-030", 0.28550168519091451},
        {"M+000", 0.24202980564868978},
        {"M+090", 0.3865948926987493},
        {"M-090", 0.38659489269874914},
        {"M+135", 0.47207934993740003},
        {"M-135", 0.47207934993740014},
        {"U+045", 0.093345633467281822},
        {"U-045", 0.093345633467281822},
        {"U+135", 0.090397142413313536},
        {"U-135", 0.090397142413313564}}},
      {"5.1",
       -93.361319954270996,
       9.1885056824494313,
       0,
       3,
       6,
       0.5,
       0,
       120,
       {{"M+030", 0.48081338083711178},
        {"M-030", 0.48081338083711184},
        {"M+000", 0.35073371096459172},
        {"M+110", 0.45531464374044656},
        {"M-110", 0.45531464374044645}}},
      {"7.1.4",
       -123.87152673663486,
       8.6914007632217647,
       0,
       0,
       360,
       0.5,
       0,
       30,
       {{"M+030", 0.25587602897353756},
        {"M-030", 0.25587602897353756},
        {"M+000", 0.23796339804335723},
        {"M+090", 0.29183001142252885},
        {"M-090", 0.29183001142252896},
        {"M+135", 0.38225436748496172},
        {"M-135", 0.38225436748496161},
        {"U+045", 0.29549830063030941},
        {"U-045", 0.29549830063030957},
        {"U+135", 0.29599284736114911},
        {"U-135", 0.295992847361149}}},
      {"7.1.4",
       42.876446106058154,
       -68.339409975963747,
       0,
       170,
       360,
       0.5,
       1,
       0,
       {{"M+030", 0.25071255105903817},
        {"M-030", 0.25071255105903817},
        {"M+000", 0.23007771280014475},
        {"M+090", 0.31899214359377576},
        {"M-090", 0.31899214359377587},
        {"M+135", 0.37424573481931039},
        {"M-135", 0.37424573481931039},
        {"U+045", 0.29030479027021111},
        {"U-045", 0.29030479027021133},
        {"U+135", 0.2908308972907922},
        {"U-135", 0.29083089729079209}}},
      {"2.0",
       147.76799802579552,
       -38.282549991796778,
       0,
       30,
       0,
       0.5,
       0,
       60,
       {{"M+030", 0.70710678118654724}, {"M-030", 0.70710678118654768}}},
      {"5.1.4",
       -129.74541696010004,
       -55.366722763065901,
       0,
       8,
       30,
       0.5,
       0,
       60,
       {{"M+030", 0.38339436282702416},
        {"M-030", 0.38339436282702399},
        {"M+000", 0.27041158882357641},
        {"M+110", 0.42567287287854411},
        {"M-110", 0.42567287287854405},
        {"U+030", 0.29338364800064543},
        {"U-030", 0.29338364800064559},
        {"U+110", 0.22175705005382559},
        {"U-110", 0.22175705005382565}}},
      {"2.0",
       10,
       0,
       1,
       60,
       20,
       0.4,
       0.3,
       45,
       {{"M+030", 0.78923800653216292}, {"M-030", 0.61408742785139137}}},
      {"2.0",
       -147.79360517514922,
       -79.645227760629666,
       1.7,
       8,
       90,
       0,
       0.4,
       0,
       {{"M+030", 0.6811854090297631}, {"M-030", 0.73211094686867928}}},
      {"2.0",
       48.398222266761422,
       54.293146482850148,
       0,
       30,
       0,
       0,
       0,
       120,
       {{"M+030", 0.70710678118654746}, {"M-030", 0.70710678118654735}}},
      {"2.0",
       -175.8433207713467,
       88.975060280796441,
       1,
       90,
       180,
       0,
       0,
       30,
       {{"M+030", 0.7139860530458505}, {"M-030", 0.70015992177216768}}},
      {"5.1.4",
       -75.748003384251192,
       -76.236436459559329,
       1,
       360,
       30,
       0,
       0,
       30,
       {{"M+030", 0.25715647321091467},
        {"M-030", 0.17870827604929235},
        {"M+000", 0.3452015027008678},
        {"M+110", 0.43292391254541351},
        {"M-110", 0.56251545523277047},
        {"U+030", 0.32289583212410722},
        {"U-030", 0.13430722964375014},
        {"U+110", 0.30919391613696556},
        {"U-110", 0.24702640212557297}}},
      {"5.1.4",
       -153.13936763010881,
       -73.745443034817882,
       1.7,
       90,
       30,
       0,
       0.4,
       0,
       {{"M+030", 0.2140824314640857},
        {"M-030", 0.2567003046199115},
        {"M+000", 0.2140824314640857},
        {"M+110", 0.57353703602778172},
        {"M-110", 0.71658750127905646},
        {"U+030", 0},
        {"U-030", 0},
        {"U+110", 0},
        {"U-110", 0}}},
      {"5.1.4",
       73.20133396586678,
       -48.350951450915417,
       1,
       250,
       0,
       0,
       0,
       120,
       {{"M+030", 0.34393964152601048},
        {"M-030", 0.24615928782390059},
        {"M+000", 0.34499814008583218},
        {"M+110", 0.72849226255466926},
        {"M-110", 0.38065243350142119},
        {"U+030", 8.1282788301756525e-05},
        {"U-030", 0.14788488522225066},
        {"U+110", 0.039077416456903928},
        {"U-110", 0.055616267842194318}}},
  };
  for (const EarCase& e : cases) {
    const Layout& layout = *findLayout(e.layout);
    const ObjectPanner p(layout);
    ObjectShape shape{e.width, e.height, e.depth, e.divergence, e.azimuthRange};
    const auto g = gains(p, {e.azimuth, e.elevation, e.distance}, shape);
    const auto lfe = std::count_if(layout.speakers.begin(), layout.speakers.end(),
                                   [](const Speaker& sp) { return sp.lfe; });
    ASSERT_EQ(e.gains.size() + static_cast<std::size_t>(lfe), g.size()) << "all but the LFE";
    for (const auto& [label, value] : e.gains) {
      const auto c = layout.indexOfLabel(label);
      ASSERT_TRUE(c.has_value()) << label;
      EXPECT_NEAR(g[static_cast<std::size_t>(*c)], value, 1e-12)
          << e.layout << " (" << e.azimuth << ", " << e.elevation << ", " << e.distance << ") "
          << e.width << "x" << e.height << " depth " << e.depth << " divergence " << e.divergence
          << "/" << e.azimuthRange << ": " << label;
    }
  }
}

TEST_F(ObjectPannerTest, FromTenDegreesTheSpreadAloneBelowABlendInPower) {
  const PointSourcePanner psp(layout_);
  const PolarExtentPanner extent(psp);
  const Vec3 d = directionOf(20.0, 10.0);
  std::vector<double> spread(12);
  // 10 wide: the spread alone, its height raised to the 5-degree minimum.
  extent.spreadGains(d, 10.0, 5.0, spread);
  auto g = gains(panner_, {20, 10, 1}, {10.0, 0.0});
  for (int c = 0; c < 12; ++c) EXPECT_NEAR(g[c], spread[c], 1e-12) << c;
  // 4 x 2: 0.4 of the power from the 5 x 5 spread, 0.6 from the point source.
  extent.spreadGains(d, 5.0, 5.0, spread);
  const auto point = pointGains(panner_, {20, 10, 1});
  g = gains(panner_, {20, 10, 1}, {4.0, 2.0});
  for (int c = 0; c < 12; ++c) {
    EXPECT_NEAR(g[c], std::sqrt(0.6 * point[c] * point[c] + 0.4 * spread[c] * spread[c]), 1e-12)
        << c;
  }
}

TEST_F(ObjectPannerTest, WidthSpreadsOverTheNeighboursWithUnitPowerAndSymmetry) {
  double prevCentre = 1.0;
  for (double width : {10.0, 30.0, 60.0, 120.0, 200.0, 360.0}) {
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
  // Mirrored sources give mirrored gains (pairs L/R, Lrs/Rrs, Lss/Rss, Ltf/Rtf, Ltr/Rtr).
  const int mirror[12] = {1, 0, 2, 3, 5, 4, 7, 6, 9, 8, 11, 10};
  for (double width : {15.0, 45.0, 100.0}) {
    ObjectShape shape{width, width / 3};
    shape.depth = 0.2;
    shape.divergence = 0.3;
    const auto left = gains(panner_, {40, 20, 0.8}, shape);
    const auto right = gains(panner_, {-40, 20, 0.8}, shape);
    for (int c = 0; c < 12; ++c) EXPECT_NEAR(left[c], right[mirror[c]], 1e-9) << width << " " << c;
  }
}

TEST_F(ObjectPannerTest, ASmallSourceStaysCloseToThePointSource) {
  const auto point = pointGains(panner_, {30, 0, 1});  // L alone
  const auto g = gains(panner_, {30, 0, 1}, {20.0, 20.0});
  EXPECT_NEAR(power(g), 1.0, 1e-9);
  EXPECT_GT(g[0], 0.9) << "most of a 20 x 20 source at L stays in L";
  for (int c = 1; c < 12; ++c) EXPECT_LT(g[c], 0.35) << c;
  EXPECT_GT(g[0] * point[0], 0.9);
}

// The weight function by hand, for a source at (0, 0) 40 wide and 20 high: half-angles 20 and 10,
// so a straight part to +-10 degrees of azimuth, end circles of radius 10 around azimuth +-10,
// a linear fade over 10 degrees outside. A source 20 wide and 40 high is the same turned a
// quarter turn about the source.
TEST_F(ObjectPannerTest, WeightIsAStadiumTurnedForTallSources) {
  const PointSourcePanner psp(layout_);
  const PolarExtentPanner extent(psp);
  const Vec3 d = directionOf(0.0, 0.0);
  EXPECT_DOUBLE_EQ(extent.weight(d, 40, 20, directionOf(5, 8)), 1.0);     // straight part
  EXPECT_NEAR(extent.weight(d, 40, 20, directionOf(0, 15)), 0.5, 1e-12);  // 5 above it
  EXPECT_NEAR(extent.weight(d, 40, 20, directionOf(25, 0)), 0.5, 1e-12);  // 15 from a centre
  EXPECT_NEAR(extent.weight(d, 40, 20, directionOf(-25, 0)), 0.5, 1e-12);
  EXPECT_EQ(extent.weight(d, 40, 20, directionOf(0, 21)), 0.0);
  EXPECT_EQ(extent.weight(d, 40, 20, directionOf(31, 0)), 0.0);
  // Tall: the same values along the other axis.
  EXPECT_NEAR(extent.weight(d, 20, 40, directionOf(15, 0)), 0.5, 1e-12);
  EXPECT_NEAR(extent.weight(d, 20, 40, directionOf(0, 25)), 0.5, 1e-12);
  EXPECT_EQ(extent.weight(d, 20, 40, directionOf(21, 0)), 0.0);
  // At elevation 30 the straight edges follow the source's own azimuth line: a point 15 degrees
  // along it (a great circle through the source, level with its left-right axis) weighs 1.
  const Vec3 up = directionOf(0.0, 30.0), right = directionOf(-90.0, 0.0);
  const double a = 15.0 * 3.14159265358979323846 / 180.0;
  EXPECT_DOUBLE_EQ(extent.weight(up, 60, 20, up * std::cos(a) + right * std::sin(a)), 1.0);
  // 360 x 360 weighs every direction 1.
  EXPECT_DOUBLE_EQ(extent.weight(d, 360, 360, directionOf(180, -60)), 1.0);
  // A wide, short source closes behind: 360 x 20 weighs the point straight behind 1.
  EXPECT_DOUBLE_EQ(extent.weight(d, 360, 20, directionOf(180, 0)), 1.0);
}

TEST_F(ObjectPannerTest, TallAndWideSourcesSpreadAlongTheirLongAxis) {
  const auto wide = gains(panner_, {0, 0, 1}, {120.0, 20.0});
  const auto tall = gains(panner_, {0, 0, 1}, {20.0, 120.0});
  EXPECT_GT(wide[0], tall[0]) << "wide reaches L";
  EXPECT_GT(tall[8], wide[8]) << "tall reaches Ltf";
  EXPECT_NEAR(power(tall), 1.0, 1e-9);
}

// BS.2127's extent_mod by hand: a size of 0.2 + 0.8 extent / 360 subtends 4 atan(size / d); that
// angle maps linearly from [0, 4 atan(size)] to [0, extent] and from there to [.., 360] at d = 0.
//  - extent 0 at d = 0.5: 4 atan(0.4) = 87.206, 4 atan(0.2) = 45.240 -> (87.206 - 45.240) /
//    (360 - 45.240) * 360 = 47.998;
//  - extent 30 at d = 2: size 0.26667, 4 atan(0.13333) = 30.379, 4 atan(0.26667) = 59.726
//    -> 30 * 30.379 / 59.726 = 15.259.
TEST_F(ObjectPannerTest, ExtentFollowsTheDistance) {
  EXPECT_NEAR(extentAtDistance(0.0, 0.5), 47.998, 1e-3);
  EXPECT_NEAR(extentAtDistance(30.0, 2.0), 15.259, 1e-3);
  EXPECT_DOUBLE_EQ(extentAtDistance(30.0, 1.0), 30.0);
  EXPECT_DOUBLE_EQ(extentAtDistance(0.0, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(extentAtDistance(0.0, 0.0), 360.0);
  EXPECT_DOUBLE_EQ(extentAtDistance(100.0, 0.0), 360.0);
  // A point at distance 0.5 renders as a 48 x 48 source.
  const auto g = gains(panner_, {30, 0, 0.5}, {});
  const auto same =
      gains(panner_, {30, 0, 1}, {extentAtDistance(0.0, 0.5), extentAtDistance(0.0, 0.5)});
  for (int c = 0; c < 12; ++c) EXPECT_NEAR(g[c], same[c], 1e-12) << c;
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

// At elevation 30 the copies lie +-30 degrees along the source's own azimuth line: the direction
// cos 30 (forward at elevation 30) -+ sin 30 (right) = (-+0.5, 0.75, 0.433), so azimuth
// +-atan2(0.5, 0.75) = +-33.690 and elevation asin(0.433) = 25.659 (not (+-30, 30)).
TEST_F(ObjectPannerTest, DivergentCopiesTurnWithTheSourcesElevation) {
  ObjectShape full;
  full.divergence = 1.0;
  full.divergenceAzimuthRangeDeg = 30.0;
  const auto g = gains(panner_, {0, 30, 1}, full);
  const auto left = pointGains(panner_, {33.690067525979785, 25.65890627325528, 1});
  const auto right = pointGains(panner_, {-33.690067525979785, 25.65890627325528, 1});
  for (int c = 0; c < 12; ++c)
    EXPECT_NEAR(g[c], std::sqrt(0.5 * left[c] * left[c] + 0.5 * right[c] * right[c]), 1e-9) << c;
}

// The shares' powers are summed as they are: on 2.0, where a point source between the
// loudspeakers does not have unit power, the result is not rescaled.
TEST_F(ObjectPannerTest, DivergenceDoesNotRenormalise) {
  const ObjectPanner stereo(*findLayout("2.0"));
  ObjectShape shape;
  shape.divergence = 0.5;
  shape.divergenceAzimuthRangeDeg = 90.0;
  const auto g = gains(stereo, {0, 0, 1}, shape);
  const auto centre = pointGains(stereo, {0, 0, 1});
  const auto left = pointGains(stereo, {90, 0, 1});
  const auto right = pointGains(stereo, {-90, 0, 1});
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(g[c],
                std::sqrt((centre[c] * centre[c] + left[c] * left[c] + right[c] * right[c]) / 3),
                1e-12)
        << c;
  }
}

TEST_F(ObjectPannerTest, DepthAveragesThePowersOfTheNearAndFarEnds) {
  ObjectShape deep;
  deep.depth = 1.0;
  const auto g = gains(panner_, {30, 0, 1}, deep);  // spans distances 0.5 .. 1.5
  const auto nearEnd = gains(panner_, {30, 0, 0.5}, {});
  const auto farEnd = gains(panner_, {30, 0, 1.5}, {});
  for (int c = 0; c < 12; ++c)
    EXPECT_NEAR(g[c], std::sqrt(0.5 * nearEnd[c] * nearEnd[c] + 0.5 * farEnd[c] * farEnd[c]),
                1e-12);
  EXPECT_LT(g[0], farEnd[0]);
  EXPECT_NEAR(power(g), 1.0, 1e-9);
  // The near end stops at the listener: depth 3 at distance 1 spans 0 (clipped) .. 2.5.
  deep.depth = 3.0;
  const auto clipped = gains(panner_, {30, 0, 1}, deep);
  const auto atZero = gains(panner_, {30, 0, 0}, {});
  const auto far = gains(panner_, {30, 0, 2.5}, {});
  for (int c = 0; c < 12; ++c)
    EXPECT_NEAR(clipped[c], std::sqrt(0.5 * atZero[c] * atZero[c] + 0.5 * far[c] * far[c]), 1e-12);
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
  EXPECT_EQ(spread, gains(panner_, {20, 0, 0.5}, {}));
  EXPECT_GT(spread[2], 0.05) << "48 degrees wide at distance 0.5 reaches C";
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
