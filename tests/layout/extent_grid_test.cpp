// ExtentGrid::gains (the rejections before trigonometry, the rows' precomputed sines, the
// hypot-free weights) against plainGains, every grid point's weight from its angles: equal to
// the last bit over sweeps of directions and sizes, on layouts of different shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "layout/extent_grid.hpp"

namespace vkmix::layout {
namespace {

// Bit equality, so that a -0 against a +0 or a NaN would fail too.
bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expectSame(const ExtentGrid& grid, int numChannels, const Vec3& d, double widthDeg,
                double heightDeg) {
  const auto n = static_cast<std::size_t>(numChannels);
  std::vector<double> fast(n), plain(n);
  grid.gains(d, widthDeg, heightDeg, fast);
  grid.plainGains(d, widthDeg, heightDeg, plain);
  for (std::size_t c = 0; c < n; ++c) {
    ASSERT_TRUE(sameBits(fast[c], plain[c]))
        << "direction (" << d.x << ", " << d.y << ", " << d.z << ") width " << widthDeg
        << " height " << heightDeg << " channel " << c << ": " << fast[c] << " vs " << plain[c];
  }
}

class ExtentGridTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExtentGridTest, GainsEqualThePlainSumBitForBit) {
  const Layout& layout = *findLayout(GetParam());
  const PointSourcePanner psp(layout);
  const ExtentGrid grid(psp);
  // Sizes around the switches (the cone reaching 180 degrees at a size of 340; the azimuth and
  // elevation bounds and the bands, which need an outer half-axis under 89.99 degrees: a size
  // under 159.98), zero and full size, on grid directions and off them.
  const std::vector<double> sizes = {0.0,   0.5,    5.0,    10.0,   23.0,  57.0,  88.0,
                                     139.9, 159.97, 159.98, 159.99, 160.0, 170.0, 180.0,
                                     250.0, 339.9,  340.0,  359.0,  360.0};
  for (double el = -90.0; el <= 90.0; el += 15.0) {
    for (double az = -180.0; az < 180.0; az += 30.0) {
      const Vec3 d = directionOf(az, el);
      for (double w : sizes)
        for (double h : {0.0, 11.0, 40.0, 159.97, 159.98, 180.0})
          expectSame(grid, layout.numChannels(), d, w, h);
    }
  }
  // Random directions (poles and grid azimuths excluded by chance only) and sizes.
  std::mt19937_64 rng(25);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 1500; ++i) {
    const double az = -180.0 + 360.0 * unit(rng);
    const double el = std::asin(2.0 * unit(rng) - 1.0) * 180.0 / 3.14159265358979323846;
    expectSame(grid, layout.numChannels(), directionOf(az, el), 200.0 * unit(rng),
               100.0 * unit(rng));
  }
  // The poles, where the frame's up turns to the horizontal.
  for (double w : sizes) {
    expectSame(grid, layout.numChannels(), Vec3{0, 0, 1}, w, 30.0);
    expectSame(grid, layout.numChannels(), Vec3{0, 0, -1}, w, 30.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, ExtentGridTest, ::testing::Values("7.1.4", "5.1", "9.1.6"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           for (char& ch : name)
                             if (ch == '.' || ch == '+') ch = '_';
                           return "L" + name;
                         });

}  // namespace
}  // namespace vkmix::layout
