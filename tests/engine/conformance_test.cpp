// The backend conformance suite (STYLE §4b): the same render-graph cases on every backend
// present, each held to the double-precision reference, and each backend to its own bytes at
// any chunk size and thread count. Backends: vulkan (on lavapipe in CI; again as vulkan-staged,
// its uploads staged through device memory as on a discrete GPU: the same bits as without) and
// cpu (float, FFTW).
// Cases: every voice kind (static and moving objects, extent and divergence, Cartesian, beds,
// a clip's channel, fades of each shape, clip gain, gain keys, a muted track), sends pre and post
// fader into every IR shape (mono, stereo, true stereo, per speaker), denoise (learned, hum),
// the binaural render (every mode, with sends), in both shapes the engine renders (stems, and the
// track prints an ADM export writes).
// Tolerance: 1e-5 of full scale on every sample of every mix, stem and print (the convolution's
// −100 dB bound is 1e-5 at full scale too).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/captured_render.hpp"
#include "engine/renderer.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

constexpr double kTolerance = 1e-5;

// Every output of a render: the mix (stems shape) and each stem or print, channel-major.
using Outputs = test::CapturedRender;

Outputs render(const Session& s, const RenderOptions& options, engine::DryShape shape) {
  return test::captureRender(s, options, shape);
}

// Every channel of every output of `got` within `tolerance` of `want` (0: the same bits).
void expectClose(const Outputs& got, const Outputs& want, double tolerance,
                 const std::string& what) {
  ASSERT_EQ(got.names, want.names) << what;
  auto compare = [&](const std::vector<std::vector<float>>& a,
                     const std::vector<std::vector<float>>& b, const std::string& name) {
    ASSERT_EQ(a.size(), b.size()) << what << ", " << name;
    for (std::size_t c = 0; c < a.size(); ++c) {
      ASSERT_EQ(a[c].size(), b[c].size()) << what << ", " << name << " channel " << c;
      if (tolerance == 0.0) {
        EXPECT_TRUE(a[c] == b[c]) << what << ", " << name << " channel " << c
                                  << ": not the same bits";
      } else {
        std::size_t where = 0;
        EXPECT_LE(test::maxAbsDiff(a[c], b[c], &where), tolerance)
            << what << ", " << name << " channel " << c << " frame " << where;
      }
    }
  };
  compare(got.mix, want.mix, "mix");
  for (std::size_t g = 0; g < got.groups.size(); ++g)
    compare(got.groups[g], want.groups[g], got.names[g]);
}

class Conformance : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const int rate = 48000;
    test::writeFloatWav(dir_ / "speech.wav", {test::noise(36000, 11, 0.4f)}, rate);
    test::writeFloatWav(dir_ / "tone.wav", {test::sine(30000, 440.0, rate, 0.5f)}, rate);
    test::writeFloatWav(dir_ / "stereo.wav",
                        {test::noise(30000, 12, 0.3f), test::noise(30000, 13, 0.3f)}, rate);
    std::vector<std::vector<float>> bed;
    for (int c = 0; c < 6; ++c) bed.push_back(test::noise(24000, 20 + c, 0.2f));
    test::writeFloatWav(dir_ / "bed51.wav", bed, rate);
    // Decaying-noise IRs of each shape: 1, 2 and 4 channels, and one per speaker of 5.1.
    auto ir = [](std::size_t frames, int seed) {
      std::vector<float> h = test::noise(frames, seed, 0.5f);
      for (std::size_t i = 0; i < h.size(); ++i)
        h[i] *= static_cast<float>(
            std::exp(-6.0 * static_cast<double>(i) / static_cast<double>(frames)));
      return h;
    };
    test::writeFloatWav(dir_ / "mono.wav", {ir(7000, 31)}, rate);
    test::writeFloatWav(dir_ / "st.wav", {ir(5000, 32), ir(5000, 33)}, rate);
    test::writeFloatWav(dir_ / "ts.wav", {ir(3000, 34), ir(3000, 35), ir(3000, 36), ir(3000, 37)},
                        rate);
    std::vector<std::vector<float>> per;
    for (int c = 0; c < 6; ++c) per.push_back(ir(2000, 40 + c));
    test::writeFloatWav(dir_ / "per.wav", per, rate);
  }
  Session session(const std::string& reverbs, const std::string& tracks) const {
    return parseSession(R"({"vkmix": 1, "layout": "5.1", "reverbs": [)" + reverbs +
                            R"(], "tracks": [)" + tracks + "]}",
                        dir_ / "s.json");
  }
  // The case on this backend against the reference, then its own bits at other chunk sizes and
  // (CPU) thread counts, in both dry shapes.
  // prints: the track prints' shape too (a binaural render has none).
  void check(const Session& s, bool prints = true) const {
    for (const engine::DryShape shape : {engine::DryShape::Stems, engine::DryShape::TrackPrints}) {
      if (shape == engine::DryShape::TrackPrints && !prints) continue;
      const std::string name = shape == engine::DryShape::Stems ? "stems" : "prints";
      RenderOptions reference;
      reference.device = "reference";
      reference.blockFrames = 4096;
      const Outputs want = render(s, reference, shape);
      const Outputs base = render(s, backend(4096), shape);
      ASSERT_FALSE(want.groups.empty());
      double energy = 0.0;
      for (const auto& group : want.groups)
        for (const auto& channel : group) energy += test::energy(channel);
      EXPECT_GT(energy, 1.0) << name << ": the case renders sound";
      expectClose(base, want, kTolerance, GetParam() + " vs reference, " + name);
      if (GetParam() == "vulkan-staged") {
        // Staging moves the bytes, not the arithmetic: the direct path's very bits.
        ::setenv("VKMIX_GPU_STAGING", "0", 1);
        const Outputs direct = render(s, backend(4096), shape);
        ::setenv("VKMIX_GPU_STAGING", "1", 1);
        expectClose(base, direct, 0.0, "staged vs direct uploads, " + name);
      }
      for (const std::int64_t block : {333, 1024}) {
        RenderOptions o = backend(block);
        if (GetParam() == "cpu") o.backendThreads = o.decodeThreads = block == 333 ? 2 : 4;
        expectClose(render(s, o, shape), base, 0.0,
                    GetParam() + ", block " + std::to_string(block) + ", " + name);
      }
    }
  }
  test::ScratchDir dir_;
};

TEST_P(Conformance, EveryVoiceKind) {
  check(session("", R"(
    {"name": "dx", "stem": "dialogue", "gainDb": -3, "position": {"azimuth": 0},
     "clips": [{"file": "speech.wav", "fadeIn": 0.1, "fadeOut": 0.2, "fadeInShape": "equalPower"}]},
    {"name": "fly", "stem": "effects", "positionKeys": [{"time": 0, "azimuth": 120, "elevation": 0},
       {"time": 0.6, "azimuth": -200, "elevation": 40, "width": 60}],
     "gainKeys": [{"time": 0, "gainDb": -6}, {"time": 0.5, "gainDb": 0}],
     "clips": [{"file": "tone.wav", "start": 0.1, "fadeOut": 0.1, "fadeOutShape": "sCurve"},
               {"file": "speech.wav", "start": 0.4, "gainDb": -10, "length": 0.2}]},
    {"name": "wide", "stem": "effects", "position": {"azimuth": 60, "elevation": 15, "width": 90,
       "height": 30, "divergence": 0.3}, "clips": [{"file": "tone.wav", "start": 0.05}]},
    {"name": "box", "stem": "music", "position": {"x": 0.5, "y": -0.7, "z": 0.3},
     "clips": [{"file": "stereo.wav", "channel": 1}]},
    {"name": "bed", "stem": "music", "type": "bed", "bed": "5.1", "clips": [{"file": "bed51.wav", "start": 0.3}]},
    {"name": "muted", "stem": "music", "mute": true, "position": {"azimuth": 90},
     "clips": [{"file": "tone.wav"}]})"));
}

TEST_P(Conformance, SendsPreAndPostFaderIntoEveryIrShape) {
  check(session(R"({"name": "mono", "ir": "mono.wav", "predelayMs": 7},
                   {"name": "stereo", "ir": "st.wav"},
                   {"name": "true", "ir": "ts.wav", "wetDb": -3},
                   {"name": "per", "ir": "per.wav"})",
                R"(
    {"name": "dx", "stem": "dialogue", "gainDb": -6, "position": {"azimuth": 20},
     "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 0.5, "gainDb": -12}],
     "sends": [{"reverb": "mono", "levelDb": -3}, {"reverb": "true", "preFader": true}],
     "clips": [{"file": "speech.wav"}]},
    {"name": "fly", "stem": "effects", "positionKeys": [{"time": 0, "azimuth": 30}, {"time": 0.6, "azimuth": -30}],
     "sends": [{"reverb": "true"}, {"reverb": "stereo", "levelDb": -6}],
     "clips": [{"file": "tone.wav", "start": 0.1}]},
    {"name": "bed", "stem": "music", "type": "bed", "bed": "5.1",
     "sends": [{"reverb": "per", "preFader": true}, {"reverb": "mono"}],
     "clips": [{"file": "bed51.wav", "start": 0.2}]})"));
}

TEST_P(Conformance, DenoisedTracksBesideDryOnes) {
  check(session("", R"(
    {"name": "dx", "stem": "dialogue", "position": {"azimuth": 0},
     "denoise": {"reductionDb": 15, "learn": {"start": 0.0, "end": 0.3}, "hum": {"frequency": 50, "harmonics": 4}},
     "clips": [{"file": "speech.wav", "fadeIn": 0.05}]},
    {"name": "amb", "stem": "effects", "type": "bed", "bed": "5.1", "denoise": {"reductionDb": 9},
     "clips": [{"file": "bed51.wav", "start": 0.1}]},
    {"name": "fx", "stem": "effects", "position": {"azimuth": -90}, "clips": [{"file": "tone.wav"}]})"));
}

// A clip's "invert" (polarity inversion; an ADM matrix's negative gain) reaches every path: a
// moving and a static object, a bed, pre- and post-fader sends into a convolution reverb, a
// denoised track, in both shapes (stems, and the track prints adm-export writes). Each path is
// linear in the clip's signal or, the denoiser, depends on its magnitude only, so inverting every
// clip negates every output: the case against the reference, then every sample of the inverted
// render is minus the plain one's (the same float operations on negated values: the same bits).
TEST_P(Conformance, InvertedClipsPlayNegatedOnEveryPath) {
  auto make = [&](const std::string& invert) {
    return session(R"({"name": "true", "ir": "ts.wav"}, {"name": "per", "ir": "per.wav"})", R"(
    {"name": "dx", "stem": "dialogue", "gainDb": -4, "position": {"azimuth": 20},
     "sends": [{"reverb": "true", "levelDb": -3}, {"reverb": "per", "preFader": true}],
     "clips": [{"file": "speech.wav", "gainDb": -2, "fadeIn": 0.05)" + invert + R"(}]},
    {"name": "fly", "stem": "effects", "positionKeys": [{"time": 0, "azimuth": 30}, {"time": 0.6, "azimuth": -120}],
     "sends": [{"reverb": "true", "preFader": true}],
     "clips": [{"file": "tone.wav", "start": 0.1)" + invert + R"(}]},
    {"name": "bed", "stem": "music", "type": "bed", "bed": "5.1", "sends": [{"reverb": "per"}],
     "clips": [{"file": "bed51.wav", "start": 0.2)" + invert + R"(}]},
    {"name": "clean", "stem": "dialogue", "position": {"azimuth": -30},
     "denoise": {"reductionDb": 12}, "clips": [{"file": "speech.wav")" + invert + R"(}]})");
  };
  const Session plain = make(""), inverted = make(R"(, "invert": true)");
  ASSERT_TRUE(inverted.tracks[0].clips[0].invert);
  check(inverted);
  for (const engine::DryShape shape : {engine::DryShape::Stems, engine::DryShape::TrackPrints}) {
    const Outputs a = render(plain, backend(1024), shape);
    Outputs negated = render(inverted, backend(1024), shape);
    for (auto& channel : negated.mix)
      for (float& v : channel) v = -v;
    for (auto& group : negated.groups)
      for (auto& channel : group)
        for (float& v : channel) v = -v;
    expectClose(negated, a, 0.0, GetParam() + ", inverted = -plain");
  }
}

// --layout binaural: the render's 9.1.6 feeds, split by mode, through each mode's filters,
// which the backend convolves (BackendSetup::filters) beside the reverbs; the reference runs
// them in double precision.
TEST_P(Conformance, BinauralInEveryModeWithSends) {
  Session s = session(R"({"name": "mono", "ir": "mono.wav"}, {"name": "true", "ir": "ts.wav"})", R"(
    {"name": "dx", "stem": "dialogue", "binauralMode": "near", "position": {"azimuth": 20},
     "sends": [{"reverb": "mono", "levelDb": -6}], "clips": [{"file": "speech.wav"}]},
    {"name": "dx2", "stem": "dialogue", "binauralMode": "off", "position": {"azimuth": -40},
     "clips": [{"file": "tone.wav", "start": 0.05}]},
    {"name": "fly", "stem": "effects", "binauralMode": "far",
     "positionKeys": [{"time": 0, "azimuth": 120}, {"time": 0.6, "azimuth": -100, "elevation": 30}],
     "sends": [{"reverb": "true"}], "clips": [{"file": "tone.wav", "start": 0.1}]},
    {"name": "bed", "stem": "music", "type": "bed", "bed": "5.1",
     "clips": [{"file": "bed51.wav", "start": 0.2}]})");
  s.layout = "binaural";
  check(s, false);
  if (GetParam() == "vulkan") {
    // The parts (dialogue near and off, effects far, music mid) convolve on the device, each
    // 16384-frame span of their feeds uploaded and convolved in the work of a chunk after the
    // one that fed it: no submission of their own but one at the end for the spans no chunk
    // followed (the feeds' last and the filters' tails). Their inputs go up beside the chunks'
    // uploads, which the same session rendered to the virtual loudspeakers makes too.
    const RenderReport ears = render(s, backend(4096), engine::DryShape::Stems).report;
    Session speakers = s;
    speakers.layout = "9.1.6";
    const RenderReport feeds = render(speakers, backend(4096), engine::DryShape::Stems).report;
    const std::int64_t spans = (feeds.numFrames + 16383) / 16384;
    EXPECT_LE(ears.backend.submissions, ears.backend.chunks + 1);
    EXPECT_LE(ears.backend.submissions, feeds.backend.submissions + 1);
    EXPECT_GE(ears.backend.hostToDeviceBytes,
              feeds.backend.hostToDeviceBytes +
                  4 * spans * 16 * 16384 * static_cast<std::int64_t>(sizeof(float)));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::Values("cpu", "vulkan", "vulkan-staged"),
                         [](const auto& p) {
                           std::string name = p.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace vkmix
