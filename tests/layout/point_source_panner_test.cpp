// The BS.2127 point-source panner. Reference behaviour (docs/panner.md): the values and
// properties that ITU-R BS.2127 specifies and its reference implementation (the EBU ADM Renderer)
// tests: stereo gains at four positions, unit power, non-negative and left/right-symmetric gains,
// velocity vector on the horizontal plane equal to the source direction, equal-power overhead
// sharing in the virtual n-gon, and a source at a loudspeaker playing from it alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "layout/layout_file.hpp"
#include "layout/point_source_panner.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::layout {
namespace {

std::vector<double> gainsAt(const PointSourcePanner& p, double az, double el) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.gains(directionOf(az, el), g);
  return g;
}

double power(const std::vector<double>& g) {
  double s = 0;
  for (double x : g) s += x * x;
  return s;
}

TEST(PointSourcePanner, EverySpeakerPositionPlaysFromThatSpeaker) {
  for (const Layout& l : builtinLayouts()) {
    PointSourcePanner p(l);
    for (int c = 0; c < l.numChannels(); ++c) {
      const Speaker& s = l.speakers[c];
      if (s.lfe) continue;
      auto g = gainsAt(p, s.azimuthDeg, s.elevationDeg);
      EXPECT_GE(g[c] * g[c] / power(g), 0.999) << l.name << " " << s.label;
    }
  }
}

TEST(PointSourcePanner, GainsArePositiveSymmetricAndPowerNormalised) {
  for (const Layout& l : builtinLayouts()) {
    PointSourcePanner p(l);
    // Mirror of each channel (x -> -x).
    std::vector<int> mirror(static_cast<std::size_t>(l.numChannels()));
    for (int c = 0; c < l.numChannels(); ++c) {
      const Speaker& s = l.speakers[c];
      int best = c;
      for (int k = 0; k < l.numChannels(); ++k) {
        const Speaker& o = l.speakers[k];
        if (o.lfe == s.lfe && std::abs(o.azimuthDeg + s.azimuthDeg) < 1e-9 &&
            o.elevationDeg == s.elevationDeg)
          best = k;
      }
      mirror[c] = best;
    }
    for (double el = -90; el <= 90; el += 6) {
      for (double az = -180; az <= 180; az += 6) {
        auto g = gainsAt(p, az, el), m = gainsAt(p, -az, el);
        for (int c = 0; c < l.numChannels(); ++c) {
          ASSERT_GE(g[c], 0.0) << l.name;
          if (l.speakers[c].lfe) {
            ASSERT_EQ(g[c], 0.0) << l.name << ": LFE never receives objects";
          }
          ASSERT_NEAR(g[c], m[mirror[c]], 1e-9) << l.name << " az " << az << " el " << el;
        }
        if (l.name == "2.0") {
          ASSERT_GE(std::sqrt(power(g)), std::sqrt(0.5) - 1e-6);
        } else {
          ASSERT_NEAR(power(g), 1.0, 1e-9) << l.name << " az " << az << " el " << el;
        }
      }
    }
  }
}

TEST(PointSourcePanner, VelocityVectorPointsAtTheSourceOnTheHorizontalPlane) {
  for (const Layout& l : builtinLayouts()) {
    if (l.name == "2.0") continue;
    PointSourcePanner p(l);
    for (double az = -180; az < 180; az += 2.5) {
      auto g = gainsAt(p, az, 0);
      Vec3 v;
      for (int c = 0; c < l.numChannels(); ++c)
        v = v + directionOf(l.speakers[c].azimuthDeg, l.speakers[c].elevationDeg) * g[c];
      Vec3 expected = directionOf(az, 0);
      EXPECT_NEAR((v.normalized() - expected).norm(), 0.0, 1e-9) << l.name << " az " << az;
    }
  }
}

TEST(PointSourcePanner, StereoMatchesTheBs2127Values) {
  PointSourcePanner p(*findLayout("2.0"));
  struct Case {
    double az;
    double l, r;
  };
  for (const Case& c :
       {Case{0, std::sqrt(0.5), std::sqrt(0.5)}, Case{-30, 0.0, 1.0},
        Case{-110, 0.0, std::sqrt(0.5)}, Case{-180, 0.5, 0.5}, Case{30, 1.0, 0.0}}) {
    auto g = gainsAt(p, c.az, 0);
    EXPECT_NEAR(g[0], c.l, 1e-5) << "azimuth " << c.az;
    EXPECT_NEAR(g[1], c.r, 1e-5) << "azimuth " << c.az;
  }
  // Between the speakers the velocity vector keeps the source's azimuth.
  auto g = gainsAt(p, 15, 0);
  Vec3 v = directionOf(30, 0) * g[0] + directionOf(-30, 0) * g[1];
  EXPECT_NEAR(azimuthOf(v), 15.0, 1e-6);
}

TEST(PointSourcePanner, OverheadSharesEquallyAmongTheTopLayer) {
  const Layout& l = *findLayout("7.1.4");
  PointSourcePanner p(l);
  auto g = gainsAt(p, 0, 90);
  for (int c = 0; c < 12; ++c) EXPECT_NEAR(g[c], c >= 8 ? 0.5 : 0.0, 1e-9) << l.speakers[c].label;
  // Below the horizon a 7.1.4 has no speakers: the source stays in the mid layer.
  auto below = gainsAt(p, 30, -45);
  for (int c = 8; c < 12; ++c) EXPECT_NEAR(below[c], 0.0, 1e-9);
  EXPECT_GT(below[0], 0.9);
}

TEST(PointSourcePanner, SweepsAreContinuous) {
  for (const char* name : {"5.1", "7.1.4", "9.1.6", "2.0", "5.1.2"}) {
    PointSourcePanner p(*findLayout(name));
    for (double el : {0.0, 20.0, 45.0}) {
      auto prev = gainsAt(p, -180, el);
      for (double az = -179.8; az <= 180; az += 0.2) {
        auto g = gainsAt(p, az, el);
        for (std::size_t c = 0; c < g.size(); ++c)
          ASSERT_LT(std::abs(g[c] - prev[c]), 0.03) << name << " az " << az << " el " << el;
        prev = g;
      }
    }
    for (double az : {0.0, 45.0, 110.0, 180.0}) {
      auto prev = gainsAt(p, az, -90);
      for (double el = -89.8; el <= 90; el += 0.2) {
        auto g = gainsAt(p, az, el);
        for (std::size_t c = 0; c < g.size(); ++c)
          ASSERT_LT(std::abs(g[c] - prev[c]), 0.03) << name << " az " << az << " el " << el;
        prev = g;
      }
    }
  }
}

TEST(LayoutFile, MeasuredAnglesDriveTheGains) {
  test::ScratchDir dir;
  test::writeText(dir / "room.json", R"({"name": "Stage B", "speakers": [
    {"label": "M+030", "name": "L", "azimuth": 27}, {"label": "M-030", "name": "R", "azimuth": -33, "elevation": 3},
    {"label": "M+000", "name": "C"}, {"label": "LFE1", "name": "LFE", "lfe": true},
    {"label": "M+110", "name": "Ls", "azimuth": 118}, {"label": "M-110", "name": "Rs", "azimuth": -104},
    {"label": "U+030", "name": "Ltf", "azimuth": 40, "elevation": 38}, {"label": "U-030", "name": "Rtf", "azimuth": -40, "elevation": 38}]})");
  Layout l = loadLayoutFile(dir / "room.json");
  EXPECT_EQ(l.name, "Stage B");
  EXPECT_EQ(l.wavChannelMask(), 0x503Fu) << "labels in mask order give a WAV mask";
  PointSourcePanner p(l);
  for (int c : {0, 1, 4, 5, 6, 7}) {
    auto g = gainsAt(p, l.speakers[c].azimuthDeg, l.speakers[c].elevationDeg);
    EXPECT_GE(g[c] * g[c], 0.999) << l.speakers[c].label << " at its measured position";
  }
}

TEST(LayoutFile, BadFilesNameTheField) {
  test::ScratchDir dir;
  struct Case {
    const char* json;
    const char* expected;
  };
  for (const Case& c :
       {Case{R"({"speakers": []})", "speakers: expected a non-empty array"},
        Case{R"({"speakers": [{"name": "L"}]})", "speakers[0].label: is required"},
        Case{R"({"speakers": [{"label": "M+030", "azimuth": 300}]})",
             "speakers[0].azimuth: must be within"},
        Case{R"({"speakers": [{"label": "M+030"}, {"label": "M+030"}]})",
             "speakers[1].label: \"M+030\" appears twice"},
        Case{R"({"speakers": [{"label": "M+030"}, {"label": "M-030"}, {"label": "M+000"}]})",
             "speakers: "},
        Case{R"({"speakers": [{"label": "X1"}]})", "speakers[0].azimuth: a speaker whose label"},
        Case{R"({"speakers": [{"label": "M+030", "gain": 2}]})",
             "speakers[0].gain: unknown key"}}) {
    test::writeText(dir / "bad.json", c.json);
    EXPECT_THAT([&] { loadLayoutFile(dir / "bad.json"); },
                ::testing::ThrowsMessage<InputError>(
                    ::testing::HasSubstr(std::string("bad.json: ") + c.expected)))
        << c.json;
  }
}

}  // namespace
}  // namespace vkmix::layout
