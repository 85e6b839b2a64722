// The binaural modes (docs/binaural.md, "Modes") held to what the docs say they are: Near is the
// HRIR pair alone; Mid and Far the pair plus a tail at the documented direct-to-reverberant
// ratio and decay, at the pair's own energy; Off the BS.775 fold-down +3 dB, no HRTF. Measured on
// the spec's IRs against Hrtf::pair (the direct sound) with plain sums here.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "binaural/room.hpp"
#include "binaural/virtual_speakers.hpp"

namespace vkmix::binaural {
namespace {

constexpr int kRate = 48000;

double energyOf(const std::vector<float>& x) {
  double e = 0.0;
  for (float v : x) e += static_cast<double>(v) * v;
  return e;
}

// The IR pair of the layout's channel `c` in `spec` (its left and right IRs by the terms).
std::pair<const std::vector<float>*, const std::vector<float>*> irsOf(
    const dsp::ConvolverSpec& spec, int c) {
  const std::vector<float>* ears[2] = {nullptr, nullptr};
  for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
    for (const dsp::ConvolutionTerm& t : spec.outputs[o]) {
      if (t.input == c) ears[o % 2] = &spec.irs[static_cast<std::size_t>(t.ir)];
    }
  }
  return {ears[0], ears[1]};
}

// Reverberation time from the Schroeder backward integral of the energy, fitted between -5 and
// -25 dB (T20) and extrapolated to 60 dB.
double rt60Seconds(const std::vector<double>& tailEnergy) {
  std::vector<double> edc(tailEnergy.size());
  double sum = 0.0;
  for (std::size_t i = tailEnergy.size(); i-- > 0;) edc[i] = sum += tailEnergy[i];
  std::vector<double> t, db;
  for (std::size_t i = 0; i < edc.size(); ++i) {
    const double level = 10.0 * std::log10(edc[i] / edc[0]);
    if (level <= -5.0 && level >= -25.0) {
      t.push_back(static_cast<double>(i) / kRate);
      db.push_back(level);
    }
  }
  const double n = static_cast<double>(t.size());
  const double mt = std::accumulate(t.begin(), t.end(), 0.0) / n;
  const double md = std::accumulate(db.begin(), db.end(), 0.0) / n;
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    sxy += (t[i] - mt) * (db[i] - md);
    sxx += (t[i] - mt) * (t[i] - mt);
  }
  return -60.0 / (sxy / sxx);
}

class RoomModes : public ::testing::TestWithParam<BinauralMode> {};

TEST_P(RoomModes, AddTheDocumentedRoomAtTheDirectPairsEnergy) {
  const Hrtf hrtf(Hrtf::defaultPath(), kRate);
  const Layout& layout = binauralVirtualLayout();
  const RoomParams room = roomFor(GetParam());
  const dsp::ConvolverSpec spec = binauralSpec(layout, hrtf, {.mode = GetParam()});
  for (int c : {0, 2, 6}) {  // L, C and Lrs of 9.1.6
    const Speaker& s = layout.speakers[static_cast<std::size_t>(c)];
    ASSERT_FALSE(s.lfe);
    const HrirPair direct = hrtf.pair(s.azimuthDeg, s.elevationDeg);
    const auto [left, right] = irsOf(spec, c);
    ASSERT_TRUE(left && right);
    const double directEnergy = energyOf(direct.left) + energyOf(direct.right);
    EXPECT_NEAR(energyOf(*left) + energyOf(*right), directEnergy, 1e-4 * directEnergy) << s.name;
    // The direct part's scale: the IR projected on the direct pair (the tail is nearly
    // orthogonal to it); what is left is the room.
    double dot = 0.0;
    for (std::size_t i = 0; i < direct.left.size(); ++i)
      dot += static_cast<double>((*left)[i]) * direct.left[i] +
             static_cast<double>((*right)[i]) * direct.right[i];
    const double scale = dot / directEnergy;
    std::vector<double> tailEnergy(left->size());
    double reverberant = 0.0;
    for (std::size_t i = 0; i < left->size(); ++i) {
      const double l = (*left)[i] - (i < direct.left.size() ? scale * direct.left[i] : 0.0);
      const double r = (*right)[i] - (i < direct.right.size() ? scale * direct.right[i] : 0.0);
      tailEnergy[i] = l * l + r * r;
      reverberant += tailEnergy[i];
    }
    const double drrDb = 10.0 * std::log10(scale * scale * directEnergy / reverberant);
    EXPECT_NEAR(drrDb, room.drrDb, 0.3) << s.name;
    EXPECT_NEAR(rt60Seconds(tailEnergy), room.rt60Seconds, 0.1 * room.rt60Seconds) << s.name;
    // Nothing of the room before its pre-delay past the onset (which is within the HRIR's
    // first 1.5 ms): what is left there is the projection's small error on the direct sound.
    double early = 0.0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(room.predelayMs * 1e-3 * kRate); ++i)
      early += tailEnergy[i];
    EXPECT_LT(early, 0.01 * reverberant) << s.name;
  }
}

INSTANTIATE_TEST_SUITE_P(MidFar, RoomModes, ::testing::Values(BinauralMode::Mid, BinauralMode::Far),
                         [](const auto& p) { return std::string(binauralModeName(p.param)); });

TEST(BinauralModes, FarIsWetterAndLongerThanMid) {
  EXPECT_LT(roomFor(BinauralMode::Far).drrDb, roomFor(BinauralMode::Mid).drrDb);
  EXPECT_GT(roomFor(BinauralMode::Far).rt60Seconds, roomFor(BinauralMode::Mid).rt60Seconds);
  EXPECT_EQ(roomFor(BinauralMode::Near).rt60Seconds, 0.0);
}

TEST(BinauralModes, NearIsTheHrirPairAlone) {
  const Hrtf hrtf(Hrtf::defaultPath(), kRate);
  const Layout& layout = binauralVirtualLayout();
  const dsp::ConvolverSpec spec = binauralSpec(layout, hrtf, {.mode = BinauralMode::Near});
  for (int c = 0; c < layout.numChannels(); ++c) {
    const Speaker& s = layout.speakers[static_cast<std::size_t>(c)];
    if (s.lfe) continue;
    const HrirPair direct = hrtf.pair(s.azimuthDeg, s.elevationDeg);
    const auto [left, right] = irsOf(spec, c);
    EXPECT_EQ(*left, direct.left) << s.name;
    EXPECT_EQ(*right, direct.right) << s.name;
  }
}

// Off: single taps, BS.775's 2.0 fold-down (L to the left ear only, C at -3 dB to both) raised
// 3 dB; the LFE to both ears at the LFE gain, as in every mode.
TEST(BinauralModes, OffIsTheStereoFoldDownWithoutHrtf) {
  const Hrtf hrtf(Hrtf::defaultPath(), kRate);
  const Layout& layout = binauralVirtualLayout();
  const dsp::ConvolverSpec spec = binauralSpec(layout, hrtf, {.mode = BinauralMode::Off});
  const auto expectTaps = [&](const std::string& name, float left, float right) {
    for (int c = 0; c < layout.numChannels(); ++c) {
      if (layout.speakers[static_cast<std::size_t>(c)].name != name) continue;
      const auto [l, r] = irsOf(spec, c);
      ASSERT_EQ(l->size(), 1u);
      ASSERT_EQ(r->size(), 1u);
      EXPECT_NEAR((*l)[0], left, 1e-6) << name;
      EXPECT_NEAR((*r)[0], right, 1e-6) << name;
      return;
    }
    ADD_FAILURE() << "no speaker " << name;
  };
  expectTaps("L", std::sqrt(2.0f), 0.0f);
  expectTaps("R", 0.0f, std::sqrt(2.0f));
  expectTaps("C", 1.0f, 1.0f);
  expectTaps("LFE", 1.0f, 1.0f);
  EXPECT_EQ(spec.maxIrFrames(), 1);
}

}  // namespace
}  // namespace vkmix::binaural
