// ADM BWF end to end: files the project builds (static, moving, extent, beds, and the features of
// other tools' masters: Dolby's profile, timing, bounds) render with the gains BS.2127 gives (the
// panner's are checked against the reference in tests/layout), and session -> adm-export ->
// import -> render equals the direct render.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "adm/import.hpp"
#include "binaural/room.hpp"
#include "dsp/convolver/params.hpp"
#include "dsp/decorrelate/decorrelator.hpp"
#include "io/decoder.hpp"
#include "layout/allocentric_panner.hpp"
#include "layout/object_panner.hpp"
#include "support/adm_files.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"
#include "wave/bw64.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

constexpr int kRate = 48000;

class Adm : public test::GpuFixture {
 protected:
  // Renders an ADM file built from `b` with `audio` (one channel per chna row) to `layout`.
  RenderedAudio render(const adm::DocumentBuilder& b, const std::vector<std::vector<float>>& audio,
                       const std::string& layout) {
    test::writeAdmFile(dir_ / "m.wav", b, audio, kRate);
    RenderOptions o = renderOptions();
    o.layout = layout;
    return renderToMemory(importAdm(dir_ / "m.wav", nullptr), o);
  }
  test::ScratchDir dir_;
};

// Least-squares gain of `out` against `in` over [from, to).
double gainOf(const std::vector<float>& out, const std::vector<float>& in, std::size_t from,
              std::size_t to) {
  double xy = 0, xx = 0;
  for (std::size_t i = from; i < to; ++i) {
    xy += static_cast<double>(out[i]) * in[i];
    xx += static_cast<double>(in[i]) * in[i];
  }
  return xy / xx;
}

// `audio` with every channel but `k` silent: a render of it shows where channel k goes alone
// (independent noises correlate by about 1e-3, too much to tell gains apart in one render).
std::vector<std::vector<float>> only(std::vector<std::vector<float>> audio, std::size_t k) {
  for (std::size_t c = 0; c < audio.size(); ++c) {
    if (c != k) std::fill(audio[c].begin(), audio[c].end(), 0.0f);
  }
  return audio;
}

TEST_F(Adm, StaticObjectsGetTheBs2127StereoGains) {
  // tests/layout StereoMatchesTheBs2127Values: 30 -> L, 0 -> sqrt(1/2) each, -110 -> R sqrt(1/2).
  adm::DocumentBuilder b({"effects"});
  b.object("left", 0, {test::polarBlock(30, 0, 0, 0.5)});
  b.object("centre", 0, {test::polarBlock(0, 0, 0, 0.5)});
  b.object("back right", 0, {test::polarBlock(-110, 0, 0, 0.5)});
  std::vector<std::vector<float>> audio;
  for (std::uint32_t s = 0; s < 3; ++s) audio.push_back(test::noise(24000, 40 + s, 0.3f));
  for (std::size_t o = 0; o < 3; ++o) {
    std::vector<std::vector<float>> one(3, std::vector<float>(24000, 0.0f));
    one[o] = audio[o];
    const RenderedAudio r = render(b, one, "2.0");
    const double expected[3][2] = {
        {1.0, 0.0}, {std::sqrt(0.5), std::sqrt(0.5)}, {0.0, std::sqrt(0.5)}};
    for (int c = 0; c < 2; ++c)
      EXPECT_NEAR(gainOf(r.channels[c], audio[o], 0, 24000), expected[o][c], 1e-5) << o << " " << c;
  }
}

TEST_F(Adm, MovingObjectsJumpAndGlideAtTheBlockTimes) {
  // 0..0.5 s at L; a jump to R at 0.5 s; from 1.0 s a glide back to L over the 1 s block.
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks = {test::polarBlock(30, 0, 0.0, 0.5),
                                          test::polarBlock(-30, 0, 0.5, 0.5),
                                          test::polarBlock(30, 0, 1.0, 1.0)};
  blocks[1].jumpPosition = true;
  blocks[1].interpolationLength = 0.0;
  b.object("mover", 0, blocks);
  const auto src = test::noise(2 * kRate, 7, 0.3f);
  const RenderedAudio r = render(b, {src}, "2.0");
  // (Gains are computed on a 256-frame grid and interpolated: a jump takes one 5.3 ms cell.)
  EXPECT_NEAR(gainOf(r.channels[0], src, 0, 23500), 1.0, 1e-5);
  EXPECT_NEAR(gainOf(r.channels[1], src, 0, 23500), 0.0, 1e-5);
  EXPECT_NEAR(gainOf(r.channels[1], src, 24400, 47500), 1.0, 1e-5);
  // Half way through the glide the gains are half way from R's to L's (BS.2127 §7.2 interpolates
  // gains, not the position, which would give the centre's sqrt(1/2) each).
  const std::size_t mid = static_cast<std::size_t>(1.5 * kRate);
  EXPECT_NEAR(gainOf(r.channels[0], src, mid - 64, mid + 64), 0.5, 2e-3);
  EXPECT_NEAR(gainOf(r.channels[1], src, mid - 64, mid + 64), 0.5, 2e-3);
  EXPECT_NEAR(gainOf(r.channels[0], src, 2 * kRate - 300, 2 * kRate), 1.0, 5e-3);
}

TEST_F(Adm, ExtentRendersThroughTheObjectPanner) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat wide = test::polarBlock(20, 10, 0, 0.5);
  wide.width = 80;
  wide.height = 30;
  b.object("wide", 0, {wide});
  const auto src = test::noise(24000, 9, 0.3f);
  const RenderedAudio r = render(b, {src}, "7.1.4");
  const Layout& l = *findLayout("7.1.4");
  layout::ObjectPanner panner(l);
  std::vector<double> g(12);
  panner.gains(layout::Polar{20, 10, 1.0}, layout::ObjectShape{80, 30, 0, 0, 45}, g);
  double power = 0;
  for (int c = 0; c < 12; ++c) {
    EXPECT_NEAR(gainOf(r.channels[c], src, 0, 24000), g[c], 1e-5) << l.speakers[c].name;
    power += g[c] * g[c];
  }
  EXPECT_NEAR(power, 1.0, 1e-6);
  EXPECT_GT(std::count_if(g.begin(), g.end(), [](double x) { return x > 0.05; }), 3)
      << "80 degrees wide spreads over more than a speaker pair";
}

// The outside oracle end to end: the EBU ADM Toolbox's BS.2127 render test (libear) renders an
// object 360 wide and 360 high at (0, 0) on 5.1 as L = R 0.326, C 0.216, Ls = Rs 0.609, LFE 0
// (to three decimals); so does an ADM master with that object here.
TEST_F(Adm, FullSphereObjectRendersAsTheReferenceRendersIt) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat sphere = test::polarBlock(0, 0, 0, 0.5);
  sphere.width = 360;
  sphere.height = 360;
  b.object("sphere", 0, {sphere});
  const auto src = test::noise(24000, 11, 0.3f);
  const RenderedAudio r = render(b, {src}, "5.1");
  const double expected[6] = {0.326, 0.326, 0.216, 0.0, 0.609, 0.609};  // L R C LFE Ls Rs
  for (int c = 0; c < 6; ++c)
    EXPECT_NEAR(gainOf(r.channels[c], src, 0, 24000), expected[c], 5e-4) << c;
}

// channelLock and zoneExclusion rendered as BS.2127 §7.3.6 and §7.3.12 give them (the values are
// derived in tests/layout/object_panner_test.cpp): an object at 20 degrees locked within 0.5 plays
// from L alone (|u(20) - u(30)| = 0.174); one at U+045 with the upper layer excluded plays from
// L (the nearest front loudspeaker of the middle layer); one at C in 5.1 with C excluded from L
// and R at sqrt(1/2) each.
TEST_F(Adm, ChannelLockAndZoneExclusionRenderAsBs2127) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat locked = test::polarBlock(20, 0, 0, 0.5);
  locked.channelLock = true;
  locked.channelLockMaxDistance = 0.5;
  b.object("locked", 0, {locked});
  ExclusionZone upper;
  upper.cartesian = false;
  upper.minElevation = 20;
  upper.maxElevation = 90;
  adm::BlockFormat high = test::polarBlock(45, 30, 0, 0.5);
  high.zoneExclusion = {upper};
  b.object("high", 0, {high});
  ExclusionZone centre;
  centre.cartesian = false;
  centre.minAzimuth = -10;
  centre.maxAzimuth = 10;
  centre.minElevation = -10;
  centre.maxElevation = 10;
  adm::BlockFormat front = test::polarBlock(0, 0, 0, 0.5);
  front.zoneExclusion = {centre};
  b.object("front", 0, {front});
  std::vector<std::vector<float>> audio;
  for (std::uint32_t s = 0; s < 3; ++s) audio.push_back(test::noise(24000, 90 + s, 0.3f));
  for (std::size_t o = 0; o < 2; ++o) {
    const RenderedAudio r = render(b, only(audio, o), "7.1.4");
    for (int c = 0; c < 12; ++c)
      EXPECT_NEAR(gainOf(r.channels[c], audio[o], 0, 24000), c == 0 ? 1.0 : 0.0, 1e-5) << o << c;
  }
  const RenderedAudio r = render(b, only(audio, 2), "5.1");
  for (int c = 0; c < 6; ++c) {
    EXPECT_NEAR(gainOf(r.channels[c], audio[2], 0, 24000), c < 2 ? std::sqrt(0.5) : 0.0, 1e-5) << c;
  }
}

adm::BlockFormat cartesianBlock(double x, double y, double z, double rtime, double duration) {
  adm::BlockFormat b;
  b.cartesian = true;
  b.x = x;
  b.y = y;
  b.z = z;
  b.rtime = rtime;
  b.duration = duration;
  return b;
}

// Cartesian objects (cartesian 1) render on BS.2127's allocentric gains (derived in
// tests/layout/allocentric_panner_test.cpp), not on their polar mapping's:
//  - 5.1, (0, 0, 0): half way between the back and front rows; C sqrt(1/2), Ls = Rs = 1/2 (the
//    polar mapping is distance 0: a source all around).
//  - 7.1.4, (-1, 0.5, 0.5): L = Lss = 1/2, Ltf = sqrt(1/2) sin(67.5) = 0.653281, Ltr = sqrt(1/2)
//    cos(67.5) = 0.270598; (0, 0, 0): the side row, Lss = Rss = sqrt(1/2).
//  - 2.0, (0, -1, 0): one row, x = 0: L = R = sqrt(1/2) (the polar path: 180 degrees, 1/2 each).
//  - a move from (-1, 1, 0) to (-1, -1, 0): L alone, then half way L = Ls = 1/2 in 5.1 (BS.2127
//    interpolates the two blocks' gains, L's and Ls's; the position half way, (-1, 0, 0), would
//    give sqrt(1/2) each).
//  - sized (width 0.3, height 0.2 along x and y): the allocentric extent.
//  - divergence with positionRange: copies along x.
//  - 9.1.6 has no allocentric positions: the polar path, and a warning says so.
TEST_F(Adm, CartesianObjectsRenderOnTheAllocentricGains) {
  adm::DocumentBuilder b({"effects"});
  b.object("middle", 0, {cartesianBlock(0, 0, 0, 0, 1)});
  b.object("left wall", 0, {cartesianBlock(-1, 0.5, 0.5, 0, 1)});
  adm::BlockFormat sized = cartesianBlock(-0.4, 0.6, 0, 0, 1);
  sized.width = 0.3;
  sized.height = 0.2;
  b.object("sized", 0, {sized});
  b.object("behind", 0, {cartesianBlock(0, -1, 0, 0, 1)});
  b.object("mover", 0, {cartesianBlock(-1, 1, 0, 0, 0.5), cartesianBlock(-1, -1, 0, 0.5, 0.5)});
  adm::BlockFormat diverged = cartesianBlock(0, 1, 0, 0, 1);
  diverged.divergence = 0.5;
  diverged.divergencePositionRange = 1.0;
  b.object("diverged", 0, {diverged});
  std::vector<std::vector<float>> audio;
  for (std::uint32_t s = 0; s < 6; ++s) audio.push_back(test::noise(kRate, 120 + s, 0.3f));
  auto expectGains = [&](const RenderedAudio& r, std::size_t object,
                         const std::map<int, double>& want, std::size_t from, std::size_t to,
                         double tolerance) {
    for (std::size_t c = 0; c < r.channels.size(); ++c) {
      const auto it = want.find(static_cast<int>(c));
      EXPECT_NEAR(gainOf(r.channels[c], audio[object], from, to),
                  it == want.end() ? 0.0 : it->second, tolerance)
          << "object " << object << " channel " << c;
    }
  };
  const double h = std::sqrt(0.5);
  // 5.1: L R C LFE Ls Rs.
  expectGains(render(b, only(audio, 0), "5.1"), 0, {{2, h}, {4, 0.5}, {5, 0.5}}, 0, kRate, 1e-5);
  const RenderedAudio moving = render(b, only(audio, 4), "5.1");
  expectGains(moving, 4, {{0, 1.0}}, 0, kRate / 2 - 300, 1e-5);
  const std::size_t mid = kRate * 3 / 4;
  expectGains(moving, 4, {{0, 0.5}, {4, 0.5}}, mid - 64, mid + 64, 2e-3);
  {
    const RenderedAudio r = render(b, only(audio, 2), "5.1");
    layout::ObjectPanner panner(*findLayout("5.1"));
    std::vector<double> g(6);
    layout::ObjectShape shape;
    shape.widthDeg = 0.3;
    shape.heightDeg = 0.2;
    panner.gains(layout::cartesianToPolar(-0.4, 0.6, 0), layout::Vec3{-0.4, 0.6, 0}, shape, g);
    std::map<int, double> want;
    for (int c = 0; c < 6; ++c) want[c] = g[static_cast<std::size_t>(c)];
    expectGains(r, 2, want, 0, kRate, 1e-5);
    EXPECT_GT(std::count_if(g.begin(), g.end(), [](double x) { return x > 0.05; }), 2)
        << "a sized object spreads beyond the point's two loudspeakers";
  }
  // 7.1.4: L R C LFE Lrs Rrs Lss Rss Ltf Rtf Ltr Rtr.
  expectGains(render(b, only(audio, 1), "7.1.4"), 1,
              {{0, 0.5}, {6, 0.5}, {8, 0.653281}, {10, 0.270598}}, 0, kRate, 1e-5);
  expectGains(render(b, only(audio, 0), "7.1.4"), 0, {{6, h}, {7, h}}, 0, kRate, 1e-5);
  // 2.0.
  expectGains(render(b, only(audio, 3), "2.0"), 3, {{0, h}, {1, h}}, 0, kRate, 1e-5);
  // Divergence 1/2 with positionRange 1: copies at x = -1 (L) and x = 1 (R) and the centre (C),
  // power (1 - v)/(1 + v) = v/(1 + v) = 1/3 each: sqrt(1/3).
  const double third = std::sqrt(1.0 / 3);
  expectGains(render(b, only(audio, 5), "5.1"), 5, {{0, third}, {1, third}, {2, third}}, 0, kRate,
              1e-5);

  // 9.1.6: BS.2127 §10's polar position (azimuth 180) through the polar panner, warned about.
  test::writeAdmFile(dir_ / "m.wav", b, only(audio, 3), kRate);
  RenderOptions o = renderOptions();
  o.layout = "9.1.6";
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  const RenderedAudio r = renderToMemory(importAdm(dir_ / "m.wav", nullptr), o);
  layout::ObjectPanner polar(*findLayout("9.1.6"));
  std::vector<double> g(16);
  polar.gains(layout::cartesianToPolar(0, -1, 0), layout::ObjectShape{}, g);
  std::map<int, double> want;
  for (int c = 0; c < 16; ++c) want[c] = g[static_cast<std::size_t>(c)];
  expectGains(r, 3, want, 0, kRate, 1e-5);
  ASSERT_EQ(warnings.size(), 6u);  // one per Cartesian object
  EXPECT_THAT(warnings[0], HasSubstr("Cartesian positions are rendered by the polar panner"));
  EXPECT_THAT(warnings[0], HasSubstr("converted to polar as BS.2127 section 10"));
  EXPECT_THAT(warnings[0], HasSubstr("BS.2127 gives layout 9.1.6 no allocentric positions"));
}

// On a layout BS.2127 gives no allocentric positions (9.1.6), a Cartesian object's position and
// sizes are converted as BS.2127 §10 converts them: X size (ADM width) 0.5 at (0, 1, 0) is
// 2 asin(0.5) = 60 degrees wide at azimuth 0, and Z size (ADM height) 1 there is 2 asin(1) = 180
// degrees high (tests/layout: CartesianToPolar.*); read as degrees they would be near a point.
TEST_F(Adm, CartesianSizesWithoutAllocentricPositionsConvertAsBs2127) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat wide = cartesianBlock(0, 1, 0, 0, 1);
  wide.width = 0.5;
  b.object("wide", 0, {wide});
  adm::BlockFormat tall = cartesianBlock(0, 1, 0, 0, 1);
  tall.height = 1.0;
  b.object("tall", 0, {tall});
  std::vector<std::vector<float>> audio;
  for (std::uint32_t s = 0; s < 2; ++s) audio.push_back(test::noise(kRate, 150 + s, 0.3f));
  layout::ObjectPanner polar(*findLayout("9.1.6"));
  for (std::size_t k = 0; k < 2; ++k) {
    const RenderedAudio r = render(b, only(audio, k), "9.1.6");
    layout::ObjectShape shape, asDegrees;
    (k == 0 ? shape.widthDeg : shape.heightDeg) = k == 0 ? 60.0 : 180.0;
    (k == 0 ? asDegrees.widthDeg : asDegrees.heightDeg) = k == 0 ? 0.5 : 1.0;
    std::vector<double> g(16), old(16);
    polar.gains(layout::Polar{0, 0, 1}, shape, g);
    polar.gains(layout::Polar{0, 0, 1}, asDegrees, old);
    double differs = 0.0;
    for (std::size_t c = 0; c < 16; ++c) {
      EXPECT_NEAR(gainOf(r.channels[c], audio[k], 0, kRate), g[c], 1e-5) << k << " " << c;
      differs = std::max(differs, std::abs(g[c] - old[c]));
    }
    EXPECT_GT(differs, 0.05) << k;
  }
}

// A DirectSpeakers channel with a Cartesian position and a label no layout has is panned by
// BS.2127's DirectSpeakers renderer with the allocentric point panner: (-0.5, -1, 0) in 5.1 is
// the back row a quarter of the way from Ls to Rs, Ls = cos(22.5) = 0.923880, Rs = sin(22.5) =
// 0.382683 (its polar mapping, 153.4 degrees, would pan Ls/Rs by VBAP); in 2.0 only x counts:
// L = cos(22.5), R = sin(22.5).
TEST_F(Adm, CartesianDirectSpeakersPanAllocentrically) {
  adm::DocumentBuilder b({"music"});
  b.bed("odd", Layout{"odd", "", {Speaker{"X+153", "back", 153, 0, false, 0}}}, 0);
  adm::Document doc = b.document();
  ASSERT_EQ(doc.channels.size(), 1u);
  adm::BlockFormat& block = doc.channels[0].blocks.at(0);
  block.cartesian = true;
  block.x = -0.5;
  block.y = -1;
  block.z = 0;
  const auto src = test::noise(kRate / 2, 140, 0.3f);
  test::writeAdmFile(dir_ / "ds.wav", doc, b.chna(), {src}, kRate);
  const Session s = importAdm(dir_ / "ds.wav", nullptr);
  for (const char* name : {"5.1", "2.0"}) {
    RenderOptions o = renderOptions();
    o.layout = name;
    const RenderedAudio r = renderToMemory(s, o);
    const int a = std::string(name) == "5.1" ? 4 : 0;  // Ls, or L
    for (int c = 0; c < static_cast<int>(r.channels.size()); ++c) {
      const double want = c == a ? 0.923880 : (c == a + 1 ? 0.382683 : 0.0);
      EXPECT_NEAR(gainOf(r.channels[static_cast<std::size_t>(c)], src, 0, src.size()), want, 1e-5)
          << name << " " << c;
    }
  }
}

// diffuse (BS.2127 §7.3.10, §7.4): speaker c plays g_c (sqrt(1 - d) x + sqrt(d) h_c * x), g the
// point-source gains, h_c speaker c's decorrelation filter (tests/dsp/decorrelator_test checks
// it against its definition; vkmix's is aligned with the undelayed direct path). Checked sample
// by sample against that sum computed here in double, and per 100 ms window against BS.2127's
// levels: the filters have unit energy, so speaker c's power is g_c^2 of the object's whatever d
// (within 1 dB; the direct and diffuse parts correlate only through h_c's aligned tap).
TEST_F(Adm, DiffuseObjectsSplitIntoDirectAndDecorrelatedPaths) {
  adm::DocumentBuilder b({"effects"});
  constexpr double kDiffuse = 0.6;
  adm::BlockFormat block = test::polarBlock(20, 0, 0, 1.0);
  block.diffuse = kDiffuse;
  b.object("diffuse", 0, {block});
  const auto src = test::noise(kRate, 31, 0.3f);
  const Layout& l = *findLayout("7.1.4");
  const RenderedAudio r = render(b, {src}, "7.1.4");
  layout::ObjectPanner panner(l);
  std::vector<double> g(12);
  panner.pointGains({20, 0, 1}, g);
  std::vector<std::string> labels;
  for (const Speaker& sp : l.speakers) labels.push_back(sp.label);
  const auto h = dsp::decorrelatorsAligned(labels);
  const std::size_t window = kRate / 10;
  for (int c = 0; c < 12; ++c) {
    const std::vector<double> wet = dsp::directConvolve(src, h[static_cast<std::size_t>(c)]);
    double worst = 0.0;
    for (std::size_t n = 0; n < src.size(); ++n) {
      const double expected =
          g[c] * (std::sqrt(1.0 - kDiffuse) * src[n] + std::sqrt(kDiffuse) * wet[n]);
      worst = std::max(worst, std::abs(r.channels[c][n] - expected));
    }
    EXPECT_LT(worst, 1e-5) << l.speakers[c].name;
    // Only L and C sound; their direct part is sqrt(1 - d) of the point source's.
    EXPECT_NEAR(gainOf(r.channels[c], src, 0, src.size()), g[c] * std::sqrt(1.0 - kDiffuse), 0.06)
        << l.speakers[c].name;
    if (g[c] < 0.1) continue;
    for (std::size_t w = 1; w + 1 < src.size() / window; ++w) {
      double out = 0.0, in = 0.0;
      for (std::size_t n = w * window; n < (w + 1) * window; ++n) {
        out += static_cast<double>(r.channels[c][n]) * r.channels[c][n];
        in += static_cast<double>(src[n]) * src[n];
      }
      EXPECT_NEAR(10.0 * std::log10(out / (in * g[c] * g[c])), 0.0, 1.0)
          << l.speakers[c].name << " window " << w;
    }
  }
  // The outputs are not copies of the source: L's signal correlates with it by about
  // sqrt(1 - d) = 0.63, not 1.
  double xy = 0, xx = 0, yy = 0;
  for (std::size_t n = 0; n < src.size(); ++n) {
    xy += static_cast<double>(src[n]) * r.channels[0][n];
    xx += static_cast<double>(src[n]) * src[n];
    yy += static_cast<double>(r.channels[0][n]) * r.channels[0][n];
  }
  EXPECT_NEAR(xy / std::sqrt(xx * yy), std::sqrt(1.0 - kDiffuse), 0.06);
}

// BS.2127 §8: the speakerLabel mapping rules (M+110 played whole by M+135) apply to BS.2094
// common-definition packs; a custom pack's M+110 goes through the point-source panner (between
// M+090 and M+135 in 7.1.4). The builder's beds are custom packs.
TEST_F(Adm, DirectSpeakersBedsRouteByLabel) {
  adm::DocumentBuilder b({"music"});
  b.bed("bed", *findLayout("5.1"), 0);
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 6; ++c) audio.push_back(test::noise(12000, 60 + c, 0.3f));
  const RenderedAudio same = render(b, audio, "5.1");
  for (int c = 0; c < 6; ++c) EXPECT_EQ(same.channels[c], audio[c]) << c;
  const RenderedAudio up = render(b, only(audio, 4), "7.1.4");
  const Layout& l = *findLayout("7.1.4");
  layout::ObjectPanner panner(l);
  std::vector<double> g(12);
  panner.pointGains(layout::Polar{110, 0, 1.0}, g);
  EXPECT_GT(g[4], 0.3);  // Lrs (M+135) and Lss (M+090) share it
  EXPECT_GT(g[6], 0.3);
  for (int c = 0; c < 12; ++c)
    EXPECT_NEAR(gainOf(up.channels[c], audio[4], 0, 12000), g[c], 1e-5) << l.speakers[c].name;

  // The same bed as BS.2094's common 5.1 (AP_00010003, AC_00010001..06, not defined in the file):
  // the mapping rule plays M+110 whole on M+135.
  adm::DocumentBuilder none({"music"});
  adm::Document doc = none.document();
  adm::Object o;
  o.id = "AO_1001";
  o.name = "common bed";
  o.packRefs = {"AP_00010003"};
  std::vector<wave::ChnaEntry> chna;
  for (int c = 1; c <= 6; ++c) {
    const std::string uid = "ATU_0000000" + std::to_string(c);
    o.trackUidRefs.push_back(uid);
    chna.push_back({c, uid, "AT_0001000" + std::to_string(c) + "_01", "AP_00010003"});
  }
  doc.objects.push_back(o);
  doc.contents[0].objectRefs.push_back(o.id);
  test::writeAdmFile(dir_ / "common.wav", doc, chna, only(audio, 4), kRate);
  RenderOptions opts = renderOptions();
  opts.layout = "7.1.4";
  const RenderedAudio common = renderToMemory(importAdm(dir_ / "common.wav", nullptr), opts);
  for (int c = 0; c < 12; ++c) {
    EXPECT_NEAR(gainOf(common.channels[c], audio[4], 0, 12000), c == 4 ? 1.0 : 0.0, 1e-6)
        << l.speakers[c].name;
  }
}

// A Dolby Atmos profile master (issue 29): an object of one-sample blocks whose rounded times
// overlap, then a block whose interpolationLength (0.5 s) is longer than it (0.25 s); a 5.1 bed
// with RC_ labels, RC_LFE carrying lowPass 120 Hz, and streams naming the pack. BS.2127: the
// block moves over its whole length (clamped) and holds -30 from 0.25 s; RC_ speakers are placed
// by position (30 -> L whole, 110 -> the panner's M+090/M+135 split in 7.1.4), LFE to LFE.
TEST_F(Adm, DolbyProfileMasterRendersAsBs2127Does) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks;
  for (int i = 0; i < 8; ++i) {
    adm::BlockFormat one = test::polarBlock(30, 0, std::round(i * 1e6 / kRate) / 1e6, 22e-6);
    one.jumpPosition = true;
    one.interpolationLength = 0.005;
    blocks.push_back(one);
  }
  adm::BlockFormat glide = test::polarBlock(-30, 0, std::round(8 * 1e6 / kRate) / 1e6, 0.25);
  glide.jumpPosition = true;
  glide.interpolationLength = 0.5;
  blocks.push_back(glide);
  blocks.push_back(test::polarBlock(-30, 0, 0.25 + 8.0 / kRate, 0.25));
  b.object("fly", 0, blocks);
  b.bed("Bed", *findLayout("5.1"), 0);
  adm::Document doc = b.document();
  for (std::size_t c = 1; c < doc.channels.size(); ++c)
    doc.channels[c].blocks.at(0).speakerLabel = "RC_" + doc.channels[c].name;
  for (std::size_t s = 1; s < doc.streams.size(); ++s) {
    doc.streams[s].packRef = doc.packs.at(1).id;
    doc.streams[s].channelRef.clear();
  }
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 7; ++c) audio.push_back(test::noise(kRate / 2, 80 + c, 0.3f));
  auto renderOnly = [&](std::size_t k, const char* layout) {
    test::writeAdmFile(dir_ / "dolby.wav", doc, b.chna(), only(audio, k), kRate);
    std::vector<std::string> warnings;
    const Session s =
        importAdm(dir_ / "dolby.wav", [&](const std::string& w) { warnings.push_back(w); });
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    RenderOptions o = renderOptions();
    o.layout = layout;
    return renderToMemory(s, o);
  };
  const Layout& l = *findLayout("7.1.4");
  const std::size_t held = static_cast<std::size_t>(0.25 * kRate) + 300, end = kRate / 2;
  auto expectOnly = [&](const RenderedAudio& r, std::size_t k, const std::vector<double>& g,
                        std::size_t from) {
    for (std::size_t c = 0; c < g.size(); ++c)
      EXPECT_NEAR(gainOf(r.channels[c], audio[k], from, end), g[c], 1e-5) << k << " " << c;
  };
  std::vector<double> right(12), left(12), lfe(12), ls(12);
  right[1] = left[0] = lfe[3] = 1.0;
  layout::ObjectPanner(l).pointGains(layout::Polar{110, 0, 1.0}, ls);
  expectOnly(renderOnly(0, "7.1.4"), 0, right, held);  // the object, at -30 from 0.25 s
  expectOnly(renderOnly(1, "7.1.4"), 1, left, 0);      // RC_L
  expectOnly(renderOnly(4, "7.1.4"), 4, lfe, 0);       // RC_LFE
  expectOnly(renderOnly(5, "7.1.4"), 5, ls, 0);        // RC_Ls: the panner at 110 degrees
  std::vector<double> ls5(6), lfe5(6);
  ls5[4] = lfe5[3] = 1.0;
  expectOnly(renderOnly(5, "5.1"), 5, ls5, 0);  // on M+110 in 5.1
  expectOnly(renderOnly(4, "5.1"), 4, lfe5, 0);
}

// Issue 29's done-criterion: a master shaped like a Dolby Atmos Renderer export, rendered to
// 7.1.4, 5.1 and 2.0, every output channel checked for every input against BS.2127.
//  - The bed: 7.1.2 in Dolby's order L R C LFE Lss Rss Lrs Rrs Lts Rts, `RC_` labels, Dolby's
//    Cartesian positions (the profile's room-centric ones: RC_Lss (-1, 0, 0), RC_Lts (-1, 0, 1),
//    RC_LFE (-1, 1, -1)), RC_LFE with lowPass 120 Hz, streams naming the pack. BS.2127 §8 (no
//    label matches a BS.2051 one): LFE by its frequency, to the LFE (none in 2.0: dropped); a
//    position equal to a loudspeaker's allocentric position plays there whole; any other goes
//    to the allocentric point panner (docs/panner.md: cos/sin of the fraction x 90 degrees per
//    axis; docs/adm.md). Allocentric positions: 7.1.4 L (-1, 1, 0), C (0, 1, 0), Lss (-1, 0, 0),
//    Lrs (-1, -1, 0), Ltf (-1, 1, 1), Ltr (-1, -1, 1) and mirrored; 5.1 L, C, Ls (-1, -1, 0);
//    2.0 L, R. So:
//      7.1.4: L R C LFE Lss Rss Lrs Rrs whole; Lts (-1, 0, 1) is on the upper plane half way
//             between its rows y = 1 and y = -1: Ltf = Ltr = cos 45 = sqrt(1/2).
//      5.1:   L R C LFE whole; Lss (-1, 0, 0) half way between rows y = 1 and y = -1: L = Ls =
//             sqrt(1/2); Lrs = Ls; Lts: z = 1 is above the only plane, which plays it: as Lss.
//      2.0:   one row (y = 1); only x counts: L, Lss, Lrs, Lts -> L; C (x = 0) L = R =
//             sqrt(1/2); LFE silent.
//  - Cartesian point objects (one block over the file), by the same per-axis rule:
//      (1, -1, 1) is a corner: 7.1.4 Rtr whole; 5.1 (z above its plane) Rs; 2.0 R.
//      (0.5, 1, 0), half way between C and R: 7.1.4 and 5.1 C = R = sqrt(1/2); 2.0 (columns
//      -1 and 1) at fraction 0.75: L = cos 67.5 = 0.382683, R = sin 67.5 = 0.923880.
//      (0, 0, 0.5): 7.1.4 planes z = 0 and 1 at sqrt(1/2) each; the lower plane's y = 0 row
//      is Lss/Rss, x = 0 half way: Lss = Rss = 1/2; the upper plane's rows y = +-1 at sqrt(1/2),
//      columns at sqrt(1/2): Ltf = Rtf = Ltr = Rtr = sqrt(1/8). 5.1: C = sqrt(1/2) (front row),
//      Ls = Rs = 1/2. 2.0: L = R = sqrt(1/2).
//  - A moving object of Dolby's blocks: R until 0.128 s, then one-sample blocks (22 us long,
//    rtimes rounded to the microsecond, so each overlaps the next) jumping to L with an
//    interpolationLength (5 ms) far longer than the block; then 16 blocks of 256 frames, each
//    with interpolationLength 10 ms (clamped to the block), flying along the left wall back and
//    up: block k ends at (-1, 1 - 2u, u), u = k/16; then it holds at (-1, -1, 1). BS.2127
//    interpolates each block's gains linearly from the previous block's over the block; the
//    blocks lie on vkmix's 256-frame gain grid, where vkmix's gains are the position's and are
//    interpolated linearly per sample, so the two agree sample by sample (the 256 frames of the
//    jump aside: vkmix spreads a jump over one grid cell). The gains along the wall: 7.1.4
//    lower plane cos(90u), upper sin(90u); lower rows L sin(90y), Lss cos(90y) for y >= 0,
//    Lss sin(90(y+1)), Lrs cos(90(y+1)) below; upper rows Ltf sin(90(1-u)), Ltr cos(90(1-u)).
//    5.1: L sin(90(1-u)), Ls cos(90(1-u)). 2.0: L.
//  - Sized Cartesian objects: Dolby's profile writes width = depth = height (0.25 here);
//    others may differ (BS.2076). Their gains are layout::AllocentricPanner's (held to the EBU
//    reference's recorded gains in tests/layout); here each rendered set has power 1, an
//    object at x = 0 is left/right symmetric, and a mirrored pair has mirrored gains. Sizes
//    are read as the EBU reference renderer passes them to its allocentric extent (width along
//    x, height along y, depth along z; docs/panner.md): at C, `height` alone spreads to the rows
//    behind and `depth` alone to the upper plane.
TEST_F(Adm, DolbyAtmosMasterRendersEveryChannelWhereBs2127PutsIt) {
  constexpr std::size_t kFrames = 14400;  // 0.3 s
  // Dolby's times: rtime rounded to the microsecond, durations rounded up past the next start.
  auto us = [](double frames) { return std::round(frames * 1e6 / kRate) / 1e6; };
  auto block = [&](double x, double y, double z, double from, double to) {
    adm::BlockFormat b = cartesianBlock(x, y, z, us(from), 0);
    b.duration = std::ceil((to - from) * 1e6 / kRate + 1.0) / 1e6;
    return b;
  };
  adm::DocumentBuilder b({"effects"});
  struct BedChannel {
    const char* label;
    const char* name;
    double x, y, z;
  };
  const BedChannel bedChannels[] = {{"RC_L", "RoomCentricLeft", -1, 1, 0},
                                    {"RC_R", "RoomCentricRight", 1, 1, 0},
                                    {"RC_C", "RoomCentricCenter", 0, 1, 0},
                                    {"RC_LFE", "RoomCentricLFE", -1, 1, -1},
                                    {"RC_Lss", "RoomCentricLeftSideSurround", -1, 0, 0},
                                    {"RC_Rss", "RoomCentricRightSideSurround", 1, 0, 0},
                                    {"RC_Lrs", "RoomCentricLeftRearSurround", -1, -1, 0},
                                    {"RC_Rrs", "RoomCentricRightRearSurround", 1, -1, 0},
                                    {"RC_Lts", "RoomCentricLeftTopSurround", -1, 0, 1},
                                    {"RC_Rts", "RoomCentricRightTopSurround", 1, 0, 1}};
  Layout dolby{"7.1.2 (Dolby)", "", {}};
  for (const BedChannel& c : bedChannels)
    dolby.speakers.push_back(Speaker{c.label, c.name, 0, 0, std::string(c.label) == "RC_LFE", 0});
  b.bed("Bed", dolby, 0);
  constexpr std::size_t kBed = 10;

  std::vector<adm::BlockFormat> fly = {block(1, 1, 0, 0, 6144)};
  for (int i = 0; i < 8; ++i) {
    adm::BlockFormat one = block(-1, 1, 0, 6144 + i, 6145 + i);
    one.duration = 22e-6;
    one.jumpPosition = true;
    one.interpolationLength = 0.005;
    fly.push_back(one);
  }
  fly.push_back(block(-1, 1, 0, 6152, 6400));
  fly.back().jumpPosition = true;
  fly.back().interpolationLength = 0.005;
  constexpr int kSteps = 16;
  for (int k = 1; k <= kSteps; ++k) {
    const double u = static_cast<double>(k) / kSteps;
    fly.push_back(block(-1, 1 - 2 * u, u, 6400 + 256 * (k - 1), 6400 + 256 * k));
    fly.back().jumpPosition = true;
    fly.back().interpolationLength = 0.01;
  }
  fly.push_back(block(-1, -1, 1, 6400 + 256 * kSteps, kFrames));
  b.object("fly", 0, fly);
  const std::size_t kFly = kBed;

  b.object("corner", 0, {block(1, -1, 1, 0, kFrames)});
  b.object("front midpoint", 0, {block(0.5, 1, 0, 0, kFrames)});
  b.object("room centre", 0, {block(0, 0, 0.5, 0, kFrames)});
  struct Sized {
    const char* name;
    double x, y, z, width, height, depth;
  };
  const Sized sized[] = {{"sized (Dolby)", 0, 0.5, 0.3, 0.25, 0.25, 0.25},
                         {"sized left", -0.4, 0.3, 0.2, 0.1, 0.4, 0.2},
                         {"sized right", 0.4, 0.3, 0.2, 0.1, 0.4, 0.2},
                         {"tall", 0, 1, 0, 0, 0.5, 0},
                         {"deep", 0, 1, 0, 0, 0, 0.5}};
  for (const Sized& s : sized) {
    adm::BlockFormat bf = block(s.x, s.y, s.z, 0, kFrames);
    bf.width = s.width;
    bf.height = s.height;
    bf.depth = s.depth;
    b.object(s.name, 0, {bf});
  }
  const std::size_t kSized = kFly + 4, kInputs = kSized + std::size(sized);

  adm::Document doc = b.document();
  for (std::size_t c = 0; c < kBed; ++c) {
    adm::BlockFormat& bf = doc.channels[c].blocks.at(0);
    bf.cartesian = true;
    bf.x = bedChannels[c].x;
    bf.y = bedChannels[c].y;
    bf.z = bedChannels[c].z;
    doc.streams[c].packRef = doc.packs.at(0).id;
    doc.streams[c].channelRef.clear();
  }
  ASSERT_EQ(doc.channels[3].lowPassHz, 120.0);
  ASSERT_EQ(b.chna().size(), kInputs);

  // Sines of whole, distinct cycle counts over the file are orthogonal, so one render shows
  // every static input's gains; the mover is rendered alone (noise), sample by sample.
  std::vector<std::vector<float>> audio;
  for (std::size_t i = 0; i < kInputs; ++i) {
    std::vector<float> s(kFrames);
    const double cycles = 40.0 + 13.0 * static_cast<double>(i);
    for (std::size_t n = 0; n < kFrames; ++n)
      s[n] =
          static_cast<float>(0.1 * std::sin(2 * M_PI * cycles * static_cast<double>(n) / kFrames));
    audio.push_back(std::move(s));
  }
  audio[kFly] = test::noise(kFrames, 290, 0.3f);
  std::vector<std::vector<float>> statics = audio;
  std::fill(statics[kFly].begin(), statics[kFly].end(), 0.0f);

  auto renderTo = [&](const std::vector<std::vector<float>>& in, const std::string& layout) {
    test::writeAdmFile(dir_ / "atmos.wav", doc, b.chna(), in, kRate);
    std::vector<std::string> warnings;
    const Session s =
        importAdm(dir_ / "atmos.wav", [&](const std::string& w) { warnings.push_back(w); });
    RenderOptions o = renderOptions();
    o.layout = layout;
    o.warn = [&](const std::string& w) { warnings.push_back(w); };
    RenderedAudio r = renderToMemory(s, o);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    EXPECT_EQ(r.channels.at(0).size(), kFrames);
    return r;
  };
  using Gains = std::map<std::string, double>;  // by speaker name; the rest silent
  const double h = std::sqrt(0.5);
  struct Expected {
    std::vector<Gains> bed;
    Gains corner, midpoint, centre;
  };
  const std::map<std::string, Expected> expected = {{"7.1.4",
                                                     {{{{"L", 1}},
                                                       {{"R", 1}},
                                                       {{"C", 1}},
                                                       {{"LFE", 1}},
                                                       {{"Lss", 1}},
                                                       {{"Rss", 1}},
                                                       {{"Lrs", 1}},
                                                       {{"Rrs", 1}},
                                                       {{"Ltf", h}, {"Ltr", h}},
                                                       {{"Rtf", h}, {"Rtr", h}}},
                                                      {{"Rtr", 1}},
                                                      {{"C", h}, {"R", h}},
                                                      {{"Lss", 0.5},
                                                       {"Rss", 0.5},
                                                       {"Ltf", std::sqrt(0.125)},
                                                       {"Rtf", std::sqrt(0.125)},
                                                       {"Ltr", std::sqrt(0.125)},
                                                       {"Rtr", std::sqrt(0.125)}}}},
                                                    {"5.1",
                                                     {{{{"L", 1}},
                                                       {{"R", 1}},
                                                       {{"C", 1}},
                                                       {{"LFE", 1}},
                                                       {{"L", h}, {"Ls", h}},
                                                       {{"R", h}, {"Rs", h}},
                                                       {{"Ls", 1}},
                                                       {{"Rs", 1}},
                                                       {{"L", h}, {"Ls", h}},
                                                       {{"R", h}, {"Rs", h}}},
                                                      {{"Rs", 1}},
                                                      {{"C", h}, {"R", h}},
                                                      {{"C", h}, {"Ls", 0.5}, {"Rs", 0.5}}}},
                                                    {"2.0",
                                                     {{{{"L", 1}},
                                                       {{"R", 1}},
                                                       {{"L", h}, {"R", h}},
                                                       {},
                                                       {{"L", 1}},
                                                       {{"R", 1}},
                                                       {{"L", 1}},
                                                       {{"R", 1}},
                                                       {{"L", 1}},
                                                       {{"R", 1}}},
                                                      {{"R", 1}},
                                                      {{"L", 0.382683}, {"R", 0.923880}},
                                                      {{"L", h}, {"R", h}}}}};

  // Along the wall (u from 0 to 1): the gains derived above.
  auto wall = [](const std::string& layout, double u) -> Gains {
    const double q = M_PI / 2, y = 1 - 2 * u;
    if (layout == "2.0") return {{"L", 1}};
    if (layout == "5.1") return {{"L", std::sin(q * (1 - u))}, {"Ls", std::cos(q * (1 - u))}};
    const double lower = std::cos(q * u), upper = std::sin(q * u);
    Gains g = {{"Ltf", upper * std::sin(q * (1 - u))}, {"Ltr", upper * std::cos(q * (1 - u))}};
    if (y >= 0) {
      g["L"] = lower * std::sin(q * y);
      g["Lss"] = lower * std::cos(q * y);
    } else {
      g["Lss"] = lower * std::sin(q * (y + 1));
      g["Lrs"] = lower * std::cos(q * (y + 1));
    }
    return g;
  };

  for (const auto& entry : expected) {
    // Named, not a structured binding: the lambdas below capture them (clang 14 cannot).
    const std::string name = entry.first;
    const auto& want = entry.second;
    const Layout& l = *findLayout(name);
    const std::size_t n = l.speakers.size();
    auto indexOf = [&](const std::string& speaker) {
      const auto it = std::find_if(l.speakers.begin(), l.speakers.end(),
                                   [&](const Speaker& s) { return s.name == speaker; });
      EXPECT_NE(it, l.speakers.end()) << speaker;
      return static_cast<std::size_t>(it - l.speakers.begin());
    };
    auto gainsOf = [&](const Gains& g) {
      std::vector<double> v(n, 0.0);
      for (const auto& [speaker, value] : g) v.at(indexOf(speaker)) = value;
      return v;
    };
    auto mirror = [&](std::size_t c) {
      std::string label = l.speakers[c].label;
      const std::size_t sign = label.find_first_of("+-");
      if (sign != std::string::npos) label[sign] = label[sign] == '+' ? '-' : '+';
      for (std::size_t m = 0; m < n; ++m) {
        if (l.speakers[m].label == label) return m;
      }
      return c;  // M+000, U+000, LFE1
    };

    const RenderedAudio r = renderTo(statics, name);
    ASSERT_EQ(r.channels.size(), n);
    std::vector<std::vector<double>> measured(kInputs, std::vector<double>(n));
    for (std::size_t i = 0; i < kInputs; ++i) {
      if (i == kFly) continue;
      for (std::size_t c = 0; c < n; ++c)
        measured[i][c] = gainOf(r.channels[c], audio[i], 0, kFrames);
    }
    auto expectGains = [&](std::size_t input, const std::vector<double>& g, const char* what) {
      for (std::size_t c = 0; c < n; ++c) {
        EXPECT_NEAR(measured[input][c], g[c], 1e-5)
            << name << ": " << what << " -> " << l.speakers[c].name;
      }
    };
    for (std::size_t c = 0; c < kBed; ++c)
      expectGains(c, gainsOf(want.bed[c]), bedChannels[c].label);
    expectGains(kFly + 1, gainsOf(want.corner), "corner");
    expectGains(kFly + 2, gainsOf(want.midpoint), "front midpoint");
    expectGains(kFly + 3, gainsOf(want.centre), "room centre");

    layout::AllocentricPanner panner(l);
    for (std::size_t s = 0; s < std::size(sized); ++s) {
      const std::size_t input = kSized + s;
      std::vector<double> g(n);
      layout::AllocentricShape shape;
      shape.width = sized[s].width;
      shape.height = sized[s].height;
      shape.depth = sized[s].depth;
      panner.gains({sized[s].x, sized[s].y, sized[s].z}, shape, {}, g);
      expectGains(input, g, sized[s].name);
      double power = 0.0;
      for (double v : measured[input]) power += v * v;
      EXPECT_NEAR(power, 1.0, 1e-5) << name << ": " << sized[s].name;
      if (s == 0 && n > 2) {
        EXPECT_GT(std::count_if(g.begin(), g.end(), [](double v) { return v > 0.05; }), 2)
            << name << ": " << sized[s].name << " spreads beyond a point's loudspeakers";
      }
      for (std::size_t c = 0; c < n; ++c) {
        if (sized[s].x == 0) {
          EXPECT_NEAR(measured[input][c], measured[input][mirror(c)], 1e-5)
              << name << ": " << sized[s].name << " is symmetric, " << l.speakers[c].name;
        }
      }
    }
    for (std::size_t c = 0; c < n; ++c) {
      EXPECT_NEAR(measured[kSized + 1][c], measured[kSized + 2][mirror(c)], 1e-5)
          << name << ": the sized pair mirror each other, " << l.speakers[c].name;
    }
    if (name == "7.1.4") {
      // height is the y size: the rows behind C sound, the upper plane does not; depth is the
      // z size: the upper plane sounds, the rows behind do not.
      const std::vector<double>& tall = measured[kSized + 3];
      const std::vector<double>& deep = measured[kSized + 4];
      const std::size_t iLss = indexOf("Lss"), iLtf = indexOf("Ltf");
      EXPECT_GT(tall[iLss], 0.1);
      EXPECT_LT(tall[iLtf], 0.01);
      EXPECT_GT(deep[iLtf], 0.1);
      EXPECT_LT(deep[iLss], 0.01);
    }

    // The mover, sample by sample.
    const RenderedAudio moving = renderTo(only(audio, kFly), name);
    const std::vector<double> start = gainsOf({{"R", 1}});
    std::vector<std::vector<double>> ends;  // at each step's end, u = k / kSteps
    for (int k = 0; k <= kSteps; ++k)
      ends.push_back(gainsOf(wall(name, static_cast<double>(k) / kSteps)));
    const std::vector<float>& in = audio[kFly];
    for (std::size_t c = 0; c < n; ++c) {
      double worst = 0.0;
      std::size_t at = 0;
      for (std::size_t f = 0; f < kFrames; ++f) {
        if (f >= 6144 && f < 6400) continue;  // the jump: BS.2127 in one sample, vkmix in 256
        double g = 0.0;
        if (f < 6144) {
          g = start[c];
        } else if (f >= 6400 + 256 * kSteps) {
          g = ends[kSteps][c];
        } else {
          const std::size_t k = (f - 6400) / 256;
          const double a = static_cast<double>(f - 6400 - 256 * k) / 256.0;
          g = (1 - a) * ends[k][c] + a * ends[k + 1][c];
        }
        const double err = std::abs(moving.channels[c][f] - g * in[f]);
        if (err > worst) {
          worst = err;
          at = f;
        }
      }
      EXPECT_LT(worst, 2e-5) << name << ": fly -> " << l.speakers[c].name << " at frame " << at;
    }
  }
}

// BS.2127 §7.2: an object sounds only within its blocks, and a render lasts as long as its input.
// Blocks without duration (libadm) last to the next rtime; after a gap an object starts at its
// own position. Object start 0.5 s; blocks (relative) 0 -> L, 1 -> R (0.25 s glide), 2..2.5
// -> centre, gap, 3..3.5 -> R; the file is 5 s.
TEST_F(Adm, ObjectsAreSilentOutsideTheirBlocksAndTheRenderIsTheMastersLength) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks = {
      test::polarBlock(30, 0, 0.0, 0), test::polarBlock(-30, 0, 1.0, 0),
      test::polarBlock(0, 0, 2.0, 0.5), test::polarBlock(-30, 0, 3.0, 0.5)};
  blocks[0].duration.reset();
  blocks[1].duration.reset();
  blocks[1].jumpPosition = true;
  blocks[1].interpolationLength = 0.25;
  b.object("mover", 0, blocks);
  adm::Document doc = b.document();
  doc.objects[0].start = 0.5;
  const auto src = test::noise(5 * kRate, 11, 0.3f);
  test::writeAdmFile(dir_ / "gaps.wav", doc, b.chna(), {src}, kRate);
  RenderOptions o = renderOptions();
  o.layout = "2.0";
  const RenderedAudio r = renderToMemory(importAdm(dir_ / "gaps.wav", nullptr), o);
  EXPECT_EQ(r.report.numFrames, 5 * kRate);
  auto at = [](double seconds) { return static_cast<std::size_t>(seconds * kRate); };
  auto silent = [&](double from, double to) {
    double peak = 0;
    for (const auto& ch : r.channels) {
      for (std::size_t i = at(from); i < at(to); ++i)
        peak = std::max(peak, std::abs(double(ch[i])));
    }
    return peak;
  };
  EXPECT_EQ(silent(0.0, 0.5), 0.0);  // before the object
  EXPECT_EQ(silent(3.0, 3.5), 0.0);  // the gap between blocks
  EXPECT_EQ(silent(4.0, 5.0), 0.0);  // after the last block, to the master's end
  EXPECT_NEAR(gainOf(r.channels[0], src, at(0.5), at(1.5)), 1.0, 1e-5);   // L to the next rtime
  EXPECT_NEAR(gainOf(r.channels[1], src, at(1.76), at(2.5)), 1.0, 1e-5);  // R after the glide
  // After the gap the object starts at R, not gliding from the centre where it stopped (a jump
  // takes one 256-frame gain cell: skip two).
  EXPECT_NEAR(gainOf(r.channels[1], src, at(3.5) + 512, at(3.6)), 1.0, 1e-5);
  EXPECT_NEAR(gainOf(r.channels[0], src, at(3.5) + 512, at(3.6)), 0.0, 1e-5);
}

// BS.2127 §7.2: between blocks the loudspeaker gains interpolate, not the position. An object
// at M+030 whose next block (interpolationLength 0.5 s) is at M-030 crossfades L into R in 5.1:
// a quarter of the way L 0.75 and R 0.25, half way 0.5 each, the centre silent throughout (a
// position interpolated would pass through C at full level). A block gain going from 1 to 0.25
// over 0.5 s is 0.625 half way (amplitude, as the gains; dB would give 0.5).
TEST_F(Adm, GainsNotPositionsInterpolateBetweenBlocks) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks = {test::polarBlock(30, 0, 0.0, 1.0),
                                          test::polarBlock(-30, 0, 1.0, 1.0)};
  blocks[1].jumpPosition = true;
  blocks[1].interpolationLength = 0.5;
  b.object("cross", 0, blocks);
  std::vector<adm::BlockFormat> fading = {test::polarBlock(0, 0, 0.0, 1.0),
                                          test::polarBlock(0, 0, 1.0, 1.0)};
  fading[1].gain = 0.25;
  fading[1].jumpPosition = true;
  fading[1].interpolationLength = 0.5;
  b.object("fade", 0, fading);
  const auto a = test::noise(2 * kRate, 21, 0.3f), f = test::noise(2 * kRate, 22, 0.3f);
  test::writeAdmFile(dir_ / "interp.wav", b.document(), b.chna(), {a, std::vector<float>(a.size())},
                     kRate);
  test::writeAdmFile(dir_ / "fade.wav", b.document(), b.chna(), {std::vector<float>(f.size()), f},
                     kRate);
  RenderOptions o = renderOptions();
  o.layout = "5.1";
  auto at = [](double seconds) { return static_cast<std::size_t>(seconds * kRate); };
  // A window of 10 ms around t: the gains move 2% across it, evenly, so its fit is the middle.
  auto window = [&](const std::vector<float>& out, const std::vector<float>& in, double t) {
    return gainOf(out, in, at(t - 0.005), at(t + 0.005));
  };
  const RenderedAudio r = renderToMemory(importAdm(dir_ / "interp.wav", nullptr), o);
  EXPECT_NEAR(window(r.channels[0], a, 1.125), 0.75, 2e-3);
  EXPECT_NEAR(window(r.channels[1], a, 1.125), 0.25, 2e-3);
  EXPECT_NEAR(window(r.channels[0], a, 1.25), 0.5, 2e-3);
  EXPECT_NEAR(window(r.channels[1], a, 1.25), 0.5, 2e-3);
  double centre = 0.0;
  for (std::size_t i = at(0.9); i < at(1.6); ++i)
    centre = std::max(centre, std::abs(static_cast<double>(r.channels[2][i])));
  EXPECT_EQ(centre, 0.0);
  EXPECT_NEAR(gainOf(r.channels[1], a, at(1.5) + 512, at(2.0)), 1.0, 1e-5);
  const RenderedAudio g = renderToMemory(importAdm(dir_ / "fade.wav", nullptr), o);
  EXPECT_NEAR(window(g.channels[2], f, 0.5), 1.0, 1e-5);
  EXPECT_NEAR(window(g.channels[2], f, 1.25), 0.625, 2e-3);
  EXPECT_NEAR(gainOf(g.channels[2], f, at(1.5) + 512, at(2.0)), 0.25, 1e-5);
}

// BS.2127's DirectSpeakers panner matches the speakerLabel first, in any pack: a custom pack
// whose labels no built-in layout holds together (a 22.2-like U+045 at elevation 45 beside a
// T+000) plays U+045 whole on 7.1.4's U+045 (at elevation 30) and L on L, while T+000, which
// 7.1.4 lacks, is panned at the zenith; on 5.1 (no U+045) U+045 is panned at (45, 45). Found by
// comparing with the EBU renderer on its example5 master (docs/adm.md).
TEST_F(Adm, CustomPackLabelsPlayTheOutputsSpeakerOfThatLabel) {
  adm::DocumentBuilder b({"music"});
  b.bed("bed", *findLayout("7.1.4"), 0);
  adm::Document doc = b.document();
  ASSERT_EQ(doc.channels.size(), 12u);
  adm::BlockFormat& up = doc.channels[8].blocks.at(0);  // U+045
  up.elevation = 45;
  adm::BlockFormat& top = doc.channels[10].blocks.at(0);  // U+135 -> T+000
  top.speakerLabel = "T+000";
  top.azimuth = 0;
  top.elevation = 90;
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 12; ++c) audio.push_back(test::noise(12000, 140 + c, 0.3f));
  for (const std::size_t input : {std::size_t{0}, std::size_t{8}, std::size_t{10}}) {
    const auto file = dir_ / ("custom" + std::to_string(input) + ".wav");
    test::writeAdmFile(file, doc, b.chna(), only(audio, input), kRate);
    std::vector<std::string> warnings;
    const Session s = importAdm(file, [&](const std::string& w) { warnings.push_back(w); });
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    for (const char* name : {"7.1.4", "5.1"}) {
      const Layout& l = *findLayout(name);
      layout::ObjectPanner panner(l);
      std::vector<double> want(static_cast<std::size_t>(l.numChannels()), 0.0);
      const bool wide = std::string(name) == "7.1.4";
      if (input == 0) {
        want[0] = 1.0;  // L on L
      } else if (input == 8 && wide) {
        want[8] = 1.0;  // U+045 whole on U+045
      } else {
        panner.pointGains(input == 8 ? layout::Polar{45, 45, 1.0} : layout::Polar{0, 90, 1.0},
                          want);
      }
      RenderOptions o = renderOptions();
      o.layout = name;
      const RenderedAudio r = renderToMemory(s, o);
      for (int c = 0; c < l.numChannels(); ++c) {
        EXPECT_NEAR(gainOf(r.channels[c], audio[input], 0, 12000), want[c], 1e-5)
            << name << ": input " << input << " -> " << l.speakers[c].name;
      }
    }
  }
}

// BS.2127 §8.4: M+045 with azimuth bounds 30..50 is played whole by M+030, in 7.1.4 and 5.1.
TEST_F(Adm, DirectSpeakersBoundsPlayTheSpeakerWithinThem) {
  adm::DocumentBuilder b({"music"});
  b.bed("bed", *findLayout("2.0"), 0);
  adm::Document doc = b.document();
  adm::BlockFormat& m045 = doc.channels[1].blocks.at(0);
  m045.speakerLabel = "M+045";
  m045.azimuth = 45;
  m045.azimuthMin = 30;
  m045.azimuthMax = 50;
  const std::vector<std::vector<float>> audio = {std::vector<float>(12000),
                                                 test::noise(12000, 91, 0.3f)};
  test::writeAdmFile(dir_ / "bounds.wav", doc, b.chna(), audio, kRate);
  for (const char* layout : {"7.1.4", "5.1"}) {
    RenderOptions o = renderOptions();
    o.layout = layout;
    const RenderedAudio r = renderToMemory(importAdm(dir_ / "bounds.wav", nullptr), o);
    for (std::size_t c = 0; c < r.channels.size(); ++c)
      EXPECT_NEAR(gainOf(r.channels[c], audio[1], 0, 12000), c == 0 ? 1.0 : 0.0, 1e-5)
          << layout << " " << c;
  }
}

// A 5.1 -> Lo/Ro direct matrix (BS.775's downmix, tests/adm's loRoMatrixMaster) renders as the
// coefficients applied by hand: on M+030 L + C/sqrt(2) + Ls/sqrt(2), on M-030 R + C/sqrt(2) +
// Rs/sqrt(2), every other speaker silent (the LFE is not in the matrix), in each layout.
TEST_F(Adm, MatrixDownmixRendersAsItsCoefficientsAppliedByHand) {
  const double g = std::sqrt(0.5);
  const test::MatrixMaster m = test::loRoMatrixMaster(g, g);
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 6; ++c) audio.push_back(test::noise(12000, 120 + c, 0.3f));
  test::writeAdmFile(dir_ / "lo_ro.wav", m.doc, m.chna, audio, kRate);
  for (const char* name : {"2.0", "5.1", "7.1.4"}) {
    RenderOptions o = renderOptions();
    o.layout = name;
    const RenderedAudio r = renderToMemory(importAdm(dir_ / "lo_ro.wav", nullptr), o);
    const Layout& l = *findLayout(name);
    ASSERT_EQ(r.channels.size(), static_cast<std::size_t>(l.numChannels())) << name;
    for (std::size_t c = 0; c < r.channels.size(); ++c) {
      const std::string& label = l.speakers[c].label;
      ASSERT_EQ(r.channels[c].size(), 12000u) << name;
      double worst = 0.0;
      for (std::size_t i = 0; i < 12000; ++i) {
        double want = 0.0;
        if (label == "M+030") want = audio[0][i] + g * audio[2][i] + g * audio[4][i];
        if (label == "M-030") want = audio[1][i] + g * audio[2][i] + g * audio[5][i];
        worst = std::max(worst, std::abs(r.channels[c][i] - want));
      }
      EXPECT_LE(worst, 1e-6) << name << " " << label;
    }
  }
}

// The same Lo/Ro matrix with the surrounds in opposite polarity and delayed (Ls by 10 ms = 480
// frames, Rs by 0.3 ms = 14 frames, the EBU reference renderer's rounding): rendered, M+030 is
// L + C/sqrt(2) - Ls(t - 480)/sqrt(2) and M-030 R + C/sqrt(2) - Rs(t - 14)/sqrt(2), sample by
// sample (zero before a delayed term's first frame), every other speaker silent.
TEST_F(Adm, MatrixWithNegativeGainsAndDelaysRendersAsAppliedByHand) {
  const double g = std::sqrt(0.5);
  test::MatrixMaster m = test::loRoMatrixMaster(g, -g);
  m.doc.channels[0].blocks[0].matrix[2].delay = 10.0;
  m.doc.channels[1].blocks[0].matrix[2].delay = 0.3;
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 6; ++c) audio.push_back(test::noise(12000, 140 + c, 0.3f));
  test::writeAdmFile(dir_ / "lo_ro_inv.wav", m.doc, m.chna, audio, kRate);
  auto at = [&](int channel, std::size_t i, std::size_t delay) {
    return i < delay ? 0.0 : static_cast<double>(audio[channel][i - delay]);
  };
  for (const char* name : {"2.0", "5.1"}) {
    RenderOptions o = renderOptions();
    o.layout = name;
    const RenderedAudio r = renderToMemory(importAdm(dir_ / "lo_ro_inv.wav", nullptr), o);
    const Layout& l = *findLayout(name);
    ASSERT_EQ(r.channels.size(), static_cast<std::size_t>(l.numChannels())) << name;
    for (std::size_t c = 0; c < r.channels.size(); ++c) {
      const std::string& label = l.speakers[c].label;
      ASSERT_EQ(r.channels[c].size(), 12000u) << name;
      double worst = 0.0;
      for (std::size_t i = 0; i < 12000; ++i) {
        double want = 0.0;
        if (label == "M+030") want = audio[0][i] + g * audio[2][i] - g * at(4, i, 480);
        if (label == "M-030") want = audio[1][i] + g * audio[2][i] - g * at(5, i, 14);
        worst = std::max(worst, std::abs(r.channels[c][i] - want));
      }
      EXPECT_LE(worst, 1e-6) << name << " " << label;
    }
  }
}

// What a negative matrix gain becomes, an inverted clip, is negated in every file a render
// delivers: the mix, each stem, the 2.0 and binaural downmixes (all linear in the clips' signals,
// so inverting every clip negates each file sample for sample).
TEST_F(Adm, InvertedClipsAreNegatedInEveryDeliverable) {
  test::writeFloatWav(dir_ / "a.wav", {test::noise(20000, 71, 0.3f)}, kRate);
  std::vector<std::vector<float>> bed;
  for (std::uint32_t c = 0; c < 6; ++c) bed.push_back(test::noise(20000, 80 + c, 0.2f));
  test::writeFloatWav(dir_ / "bed.wav", bed, kRate);
  auto deliver = [&](const std::string& name, const std::string& invert) {
    const Session s = parseSession(R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "dx", "stem": "dialogue", "positionKeys": [{"time": 0, "azimuth": 40},
        {"time": 0.3, "azimuth": -70}], "clips": [{"file": "a.wav")" +
                                       invert + R"(}]},
      {"name": "bed", "stem": "music", "type": "bed", "bed": "5.1",
       "clips": [{"file": "bed.wav", "start": 0.05)" +
                                       invert + R"(}]}]})",
                                   dir_ / "s.json");
    std::filesystem::create_directories(dir_ / name / "stems");
    DeliveryOptions d;
    d.output = dir_ / name / "mix.wav";
    d.format = "wav32f";
    d.stemsDir = dir_ / name / "stems";
    d.downmixes = {{"2.0", dir_ / name / "stereo.wav"}, {"binaural", dir_ / name / "ears.wav"}};
    RenderOptions o = renderOptions();
    renderToFile(s, o, d);
  };
  deliver("plain", "");
  deliver("inverted", R"(, "invert": true)");
  for (const char* file :
       {"mix.wav", "stems/dialogue.wav", "stems/music.wav", "stereo.wav", "ears.wav"}) {
    const io::DecodedAudio a = io::decodeAudio(dir_ / "plain" / file, kRate);
    const io::DecodedAudio b = io::decodeAudio(dir_ / "inverted" / file, kRate);
    ASSERT_EQ(a.channels.size(), b.channels.size()) << file;
    double energy = 0.0, worst = 0.0;
    for (std::size_t c = 0; c < a.channels.size(); ++c) {
      ASSERT_EQ(a.channels[c].size(), b.channels[c].size()) << file;
      for (std::size_t i = 0; i < a.channels[c].size(); ++i) {
        energy += static_cast<double>(a.channels[c][i]) * a.channels[c][i];
        worst = std::max(worst, static_cast<double>(std::abs(a.channels[c][i] + b.channels[c][i])));
      }
    }
    EXPECT_GT(energy, 1.0) << file;
    EXPECT_EQ(worst, 0.0) << file;
  }
}

// A negative gain is a polarity inversion (BS.2127 multiplies by it): an object whose blocks'
// gain is -0.5, or whose audioObject gain is -0.5, renders as the one at +0.5 negated, sample for
// sample (not muted).
TEST_F(Adm, NegativeObjectAndBlockGainsRenderInverted) {
  const std::vector<std::vector<float>> audio = {test::noise(12000, 91, 0.3f)};
  auto renderAt = [&](double blockGain, double objectGain) {
    adm::DocumentBuilder b({"effects"});
    adm::BlockFormat first = test::polarBlock(20, 0, 0.0, 0.1), second = first;
    second.azimuth = -60;
    second.rtime = 0.1;
    first.gain = second.gain = blockGain;
    b.object("o", 0, {first, second});
    adm::Document doc = b.document();
    doc.objects[0].gain = objectGain;
    test::writeAdmFile(dir_ / "m.wav", doc, b.chna(), audio, kRate);
    RenderOptions o = renderOptions();
    o.layout = "5.1";
    return renderToMemory(importAdm(dir_ / "m.wav", nullptr), o).channels;
  };
  const auto plain = renderAt(0.5, 1.0);
  for (const auto& inverted : {renderAt(-0.5, 1.0), renderAt(1.0, -0.5)}) {
    ASSERT_EQ(inverted.size(), plain.size());
    double energy = 0.0, worst = 0.0;
    for (std::size_t c = 0; c < plain.size(); ++c) {
      ASSERT_EQ(inverted[c].size(), plain[c].size());
      for (std::size_t i = 0; i < plain[c].size(); ++i) {
        energy += static_cast<double>(plain[c][i]) * plain[c][i];
        worst = std::max(worst, static_cast<double>(std::abs(plain[c][i] + inverted[c][i])));
      }
    }
    EXPECT_GT(energy, 1.0);
    EXPECT_LT(worst, 1e-6);
  }
}

// Screen-related positions render where BS.2127 puts them (tests/adm/screen_test derives them):
// an object at azimuth 10 locked to the screen's left edge plays as a session object at 29 (the
// default screen's edge), and one at 22.5 with screenRef, mixed for a 90-degree reference
// screen, as one at 14.5; at 10 and 22.5 they would play elsewhere. positionOffset (+5) applies
// first: the locked object's blocks are at 5.
TEST_F(Adm, ScreenEdgeLockAndScreenScalingRenderAtTheirPositions) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat locked = test::polarBlock(5, 0, 0, 0.5);
  locked.screenEdgeLockHorizontal = "left";
  b.object("locked", 0, {locked});
  adm::BlockFormat scaled = test::polarBlock(22.5, 0, 0, 0.5);
  scaled.screenRef = true;
  b.object("scaled", 0, {scaled});
  adm::Document doc = b.document();
  adm::PositionOffset offset;
  offset.azimuth = 5;
  doc.objects[0].positionOffset = offset;
  adm::Screen wide;
  wide.widthAzimuth = 90;
  doc.programmes[0].referenceScreen = wide;
  const std::vector<std::vector<float>> audio = {test::noise(24000, 61, 0.3f),
                                                 test::noise(24000, 62, 0.3f)};
  test::writeAdmFile(dir_ / "screen.wav", doc, b.chna(), audio, kRate);
  test::writeFloatWav(dir_ / "a.wav", {audio[0]}, kRate);
  test::writeFloatWav(dir_ / "b.wav", {audio[1]}, kRate);
  RenderOptions o = renderOptions();
  o.layout = "5.1";
  const RenderedAudio got = renderToMemory(importAdm(dir_ / "screen.wav", nullptr), o);
  auto session = [&](double a, double c) {
    return parseSession(R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "a", "position": {"azimuth": )" +
                            std::to_string(a) +
                            R"(}, "clips": [{"file": "a.wav"}]},
      {"name": "b", "position": {"azimuth": )" +
                            std::to_string(c) + R"(}, "clips": [{"file": "b.wav"}]}]})",
                        dir_ / "s.json");
  };
  const RenderedAudio want = renderToMemory(session(29, 14.5), o);
  const RenderedAudio raw = renderToMemory(session(10, 22.5), o);
  ASSERT_EQ(got.channels.size(), want.channels.size());
  double worst = 0.0, apart = 0.0;
  for (std::size_t c = 0; c < got.channels.size(); ++c) {
    ASSERT_EQ(got.channels[c].size(), want.channels[c].size());
    for (std::size_t i = 0; i < got.channels[c].size(); ++i) {
      worst =
          std::max(worst, static_cast<double>(std::abs(got.channels[c][i] - want.channels[c][i])));
      apart =
          std::max(apart, static_cast<double>(std::abs(raw.channels[c][i] - want.channels[c][i])));
    }
  }
  EXPECT_LE(worst, 1e-6);
  EXPECT_GT(apart, 0.01);
}

TEST_F(Adm, ExportThenImportRendersLikeTheSession) {
  test::writeFloatWav(dir_ / "dx.wav", {test::noise(3 * kRate, 1, 0.3f)}, kRate);
  test::writeFloatWav(dir_ / "fx.wav", {test::noise(2 * kRate, 2, 0.3f)}, kRate);
  test::writeFloatWav(dir_ / "st.wav", {test::noise(kRate, 3, 0.2f), test::noise(kRate, 4, 0.2f)},
                      kRate);
  std::vector<float> ir(4800);
  for (std::size_t i = 0; i < ir.size(); ++i)
    ir[i] = 0.2f * std::exp(-static_cast<float>(i) / 800.0f) * (i % 7 == 0 ? 1.0f : -0.3f);
  test::writeFloatWav(dir_ / "ir.wav", {ir}, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "7.1.4",
    "reverbs": [{"name": "room", "ir": "ir.wav", "wetDb": -3}],
    "tracks": [
      {"name": "DX", "stem": "dialogue", "gainDb": -2, "position": {"azimuth": 10, "width": 20},
       "gainKeys": [{"time": 0.5, "gainDb": 0}, {"time": 1.5, "gainDb": -9}],
       "sends": [{"reverb": "room", "levelDb": -6}],
       "clips": [{"file": "dx.wav", "start": 0.1, "gainDb": -1, "fadeIn": 0.2, "fadeOut": 0.3,
                  "fadeOutShape": "sCurve"}]},
      {"name": "FX", "stem": "effects",
       "positionKeys": [{"time": 0.2, "azimuth": 100}, {"time": 1.0, "azimuth": -60, "elevation": 20},
                        {"time": 1.4, "azimuth": 170, "interpolation": "jump"},
                        {"time": 1.8, "azimuth": 30, "interpolation": "jump"},
                        {"time": 2.1, "azimuth": -30, "elevation": 30, "depth": 0.3,
                         "diffuse": 0.4, "channelLock": {"maxDistance": 0.4},
                         "zoneExclusion": [{"minAzimuth": -10, "maxAzimuth": 10,
                                            "minElevation": -10, "maxElevation": 10}]}],
       "clips": [{"file": "fx.wav", "start": 0.3}]},
      {"name": "FX room", "stem": "effects", "sends": [{"reverb": "room", "levelDb": -10}],
       "positionKeys": [{"time": 0.0, "x": -0.5, "y": 0.5, "z": 0.5},
                        {"time": 1.0, "x": 0.5, "y": -0.5, "z": 0.0, "divergence": 0.4}],
       "clips": [{"file": "fx.wav", "start": 0.0, "length": 1.5}]},
      {"name": "Score", "stem": "music", "type": "bed", "bed": "2.0", "gainDb": -4,
       "clips": [{"file": "st.wav", "start": 0.05, "fadeIn": 0.1}]},
      {"name": "muted", "mute": true, "clips": [{"file": "fx.wav"}]}
    ]})",
                                 dir_ / "s.json");
  const RenderOptions o = renderOptions();
  const RenderedAudio direct = renderToMemory(s, o);
  const RenderReport exported = exportAdm(s, o, dir_ / "master.wav");
  EXPECT_EQ(exported.validationErrors, 0);
  // FFmpeg reads the master: one track per object, bed channel and reverb-return channel.
  const io::MediaInfo info = io::probeAudio(dir_ / "master.wav");
  EXPECT_EQ(info.numChannels, 1 + 1 + 1 + 2 + 12 + 12);  // returns per stem
  EXPECT_EQ(info.exactFrames, direct.report.numFrames);
  ASSERT_EQ(exported.channelNames.size(), static_cast<std::size_t>(info.numChannels));
  EXPECT_EQ(exported.channelNames.front(), "DX");
  EXPECT_EQ(exported.channelNames[4], "Score R");  // DX, FX, FX room, then the bed's L and R

  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir_ / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  // Nothing: the Cartesian object renders through the allocentric panner, as BS.2127's would.
  EXPECT_TRUE(warnings.empty());
  const RenderedAudio round = renderToMemory(back, o);
  ASSERT_EQ(round.channels.size(), direct.channels.size());
  double worst = 0, peak = 0;
  for (std::size_t c = 0; c < direct.channels.size(); ++c) {
    ASSERT_EQ(round.channels[c].size(), direct.channels[c].size());
    for (std::size_t i = 0; i < direct.channels[c].size(); ++i) {
      worst = std::max(worst,
                       std::abs(static_cast<double>(round.channels[c][i]) - direct.channels[c][i]));
      peak = std::max(peak, std::abs(static_cast<double>(direct.channels[c][i])));
    }
  }
  std::printf("round trip: max abs difference %.3g (mix peak %.3f)\n", worst, peak);
  EXPECT_LT(worst, 1e-5) << "peak " << peak;
  EXPECT_GT(peak, 0.1);
  // Stems survive too: contents carry the dialogue / music / effects kinds.
  EXPECT_EQ(round.stemNames, direct.stemNames);
  for (std::size_t st = 0; st < direct.stems.size(); ++st) {
    double diff = 0;
    for (std::size_t c = 0; c < direct.stems[st].size(); ++c) {
      for (std::size_t i = 0; i < direct.stems[st][c].size(); ++i)
        diff = std::max(
            diff, std::abs(static_cast<double>(round.stems[st][c][i]) - direct.stems[st][c][i]));
    }
    EXPECT_LT(diff, 1e-5) << direct.stemNames[st];
  }
}

// Beds export as BS.2094 common packs where their layout has one (7.1.4: AP_00010017, 5.1:
// AP_00010003), so the re-imported bed keeps BS.2127's mapping rules and renders to every layout
// exactly as the session does: a 7.1.4 bed's M+135 into 5.1's M+110 whole, a 5.1 bed's M+110 into
// 7.1.4's M+135. As a custom pack (what export wrote before) the re-import pans those speakers
// at their angles instead, which the last check shows differs.
TEST_F(Adm, BedsExportAsCommonPacksAndRoundTripToEveryLayout) {
  std::vector<std::vector<float>> bed714, bed51;
  for (std::uint32_t c = 0; c < 12; ++c) bed714.push_back(test::noise(kRate / 2, 200 + c, 0.2f));
  for (std::uint32_t c = 0; c < 6; ++c) bed51.push_back(test::noise(kRate / 2, 300 + c, 0.2f));
  test::writeFloatWav(dir_ / "bed714.wav", bed714, kRate);
  test::writeFloatWav(dir_ / "bed51.wav", bed51, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
      {"name": "Atmos bed", "stem": "music", "type": "bed", "bed": "7.1.4",
       "clips": [{"file": "bed714.wav"}]},
      {"name": "Surround bed", "stem": "effects", "type": "bed", "bed": "5.1",
       "clips": [{"file": "bed51.wav"}]}]})",
                                 dir_ / "s.json");
  RenderOptions o = renderOptions();
  exportAdm(s, o, dir_ / "master.wav");
  const wave::Bw64Info info = wave::readBw64(dir_ / "master.wav");
  EXPECT_THAT(info.axml, HasSubstr("<audioPackFormatIDRef>AP_00010017</audioPackFormatIDRef>"));
  EXPECT_THAT(info.axml, HasSubstr("<audioPackFormatIDRef>AP_00010003</audioPackFormatIDRef>"));
  ASSERT_EQ(info.chna.size(), 18u);
  EXPECT_EQ(info.chna[4].trackFormatRef, "AT_0001001c_01");   // 7.1.4's Lrs: M+135
  EXPECT_EQ(info.chna[16].trackFormatRef, "AT_00010005_01");  // 5.1's Ls: M+110
  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir_ / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  auto worstDifference = [&](const Session& a, const Session& b, const std::string& layout) {
    o.layout = layout;
    const RenderedAudio x = renderToMemory(a, o), y = renderToMemory(b, o);
    EXPECT_EQ(x.channels.size(), y.channels.size());
    double worst = 0.0;
    for (std::size_t c = 0; c < x.channels.size(); ++c) {
      EXPECT_EQ(x.channels[c].size(), y.channels[c].size());
      for (std::size_t i = 0; i < std::min(x.channels[c].size(), y.channels[c].size()); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(x.channels[c][i]) - y.channels[c][i]));
    }
    return worst;
  };
  for (const char* layout : {"7.1.4", "5.1", "2.0", "5.1.2", "7.1", "9.1.6"})
    EXPECT_LT(worstDifference(s, back, layout), 1e-6) << layout;
  // The same beds as custom packs: their M+135 / M+110 are panned at their angles.
  adm::DocumentBuilder custom({"music", "effects"});
  custom.bed("Atmos bed", *findLayout("7.1.4"), 0);
  custom.bed("Surround bed", *findLayout("5.1"), 1);
  std::vector<std::vector<float>> audio = bed714;
  audio.insert(audio.end(), bed51.begin(), bed51.end());
  test::writeAdmFile(dir_ / "custom.wav", custom, audio, kRate);
  EXPECT_GT(worstDifference(s, importAdm(dir_ / "custom.wav", nullptr), "5.1"), 0.01);
}

// A track's binauralMode goes out as every one of its blocks' headphoneVirtualise and comes back:
// each mode, on objects (static and moving); the DRRs written are the modes' rooms'. A bed that
// goes out as a common pack cannot carry it (warned).
TEST(AdmBinaural, ExportThenImportKeepsEachTracksBinauralMode) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(kRate / 2, 1, 0.3f)}, kRate);
  test::writeFloatWav(dir / "st.wav",
                      {test::noise(kRate / 2, 3, 0.2f), test::noise(kRate / 2, 4, 0.2f)}, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "off", "binauralMode": "off", "position": {"azimuth": 30},
       "clips": [{"file": "a.wav"}]},
      {"name": "near", "stem": "dialogue", "binauralMode": "near",
       "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 0.3, "azimuth": 60}],
       "clips": [{"file": "a.wav"}]},
      {"name": "mid", "position": {"azimuth": -30}, "clips": [{"file": "a.wav"}]},
      {"name": "far", "binauralMode": "far", "position": {"azimuth": 110},
       "clips": [{"file": "a.wav"}]},
      {"name": "bed", "stem": "music", "type": "bed", "bed": "2.0", "binauralMode": "far",
       "clips": [{"file": "st.wav"}]}]})",
                                 dir / "s.json");
  RenderOptions o;
  o.device = "cpu";
  std::vector<std::string> exportWarnings;
  o.warn = [&](const std::string& w) { exportWarnings.push_back(w); };
  exportAdm(s, o, dir / "master.wav");
  // The 2.0 bed goes out as a common pack (AP_00010002), whose channels carry no blocks: its mode
  // cannot travel, and the export says so.
  ASSERT_EQ(exportWarnings.size(), 1u);
  EXPECT_THAT(exportWarnings[0], HasSubstr("tracks[4].binauralMode: not carried"));

  const wave::Bw64Info info = wave::readBw64(dir / "master.wav");
  const adm::Document doc = adm::parseAdm(info.axml, "master.wav");
  int blocks = 0;
  for (const adm::ChannelFormat& c : doc.channels) {
    for (const adm::BlockFormat& b : c.blocks) {
      if (c.name.rfind("Reverb", 0) == 0) continue;
      ASSERT_TRUE(b.headphoneVirtualise.has_value()) << c.name << " " << b.id;
      ++blocks;
    }
  }
  EXPECT_GE(blocks, 5);  // 4 objects (one moving: several blocks)
  // The modes' rooms' DRRs are what ADM carries.
  for (BinauralMode mode : {BinauralMode::Mid, BinauralMode::Far})
    EXPECT_DOUBLE_EQ(adm::headphoneVirtualiseOf(mode).drrDb, binaural::roomFor(mode).drrDb);
  EXPECT_TRUE(adm::headphoneVirtualiseOf(BinauralMode::Off).bypass);
  EXPECT_DOUBLE_EQ(adm::headphoneVirtualiseOf(BinauralMode::Near).drrDb, 130.0);  // no room

  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  std::map<std::string, BinauralMode> modes;
  for (const Track& t : back.tracks) modes[t.name] = t.binauralMode;
  for (const Track& t : s.tracks) {
    ASSERT_TRUE(modes.count(t.name)) << t.name;
    EXPECT_EQ(modes[t.name], t.type == TrackType::Bed ? BinauralMode::Mid : t.binauralMode)
        << t.name;
  }
}

}  // namespace
}  // namespace vkmix
