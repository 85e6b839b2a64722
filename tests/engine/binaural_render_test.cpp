// `--layout binaural` (engine/binaural_render.hpp): the mix on headphones as the render's own
// output. Held to an oracle built from pieces tested elsewhere (the 9.1.6 loudspeaker render of
// each mode's tracks alone, through the binaural renderer with that mode's filters, summed), to
// the binaural downmix of a 9.1.6 render, to libebur128 for the normalised file's loudness and
// true peak, and to the loudspeaker render, which the modes must leave as it was.
#include <ebur128.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "binaural/binaural_renderer.hpp"
#include "io/decoder.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

constexpr int kRate = 48000;

// Four object tracks (dialogue in mode near and off, effects in mid and far, one moving) and a
// 5.1 bed in the default mode.
Session modesSession(const test::ScratchDir& dir) {
  test::writeFloatWav(dir / "a.wav", {test::noise(30000, 7, 0.3f)}, kRate);
  test::writeFloatWav(dir / "b.wav", {test::sine(20000, 700.0, kRate, 0.4f)}, kRate);
  std::vector<std::vector<float>> bed;
  for (int c = 0; c < 6; ++c) bed.push_back(test::noise(12000, 20 + c, 0.1f));
  test::writeFloatWav(dir / "bed.wav", bed, kRate);
  return parseSession(R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
      {"name": "near", "stem": "dialogue", "binauralMode": "near", "position": {"azimuth": 20},
       "clips": [{"file": "a.wav"}]},
      {"name": "off", "stem": "dialogue", "binauralMode": "off", "position": {"azimuth": -60},
       "clips": [{"file": "b.wav", "start": 0.05}]},
      {"name": "fly", "binauralMode": "far",
       "positionKeys": [{"time": 0, "azimuth": -30}, {"time": 0.5, "azimuth": -150, "elevation": 20}],
       "clips": [{"file": "b.wav", "start": 0.1}]},
      {"name": "mid", "position": {"azimuth": 110}, "clips": [{"file": "a.wav", "start": 0.2}]},
      {"name": "bed", "type": "bed", "bed": "5.1", "clips": [{"file": "bed.wav", "start": 0.3}]}]})",
                      dir / "s.json");
}

RenderOptions cpu(const std::string& layout) {
  RenderOptions o;
  o.device = "cpu";
  o.layout = layout;
  return o;
}

TEST(BinauralRender, IsEachModesTracksThroughItsFiltersSummed) {
  test::ScratchDir dir;
  const Session s = modesSession(dir);
  const RenderedAudio ears = renderToMemory(s, cpu("binaural"));
  EXPECT_EQ(ears.report.layout, "binaural");
  ASSERT_EQ(ears.channels.size(), 2u);
  EXPECT_EQ(ears.stemNames, (std::vector<std::string>{"dialogue", "effects"}));

  // The oracle: per mode, the 9.1.6 render of that mode's tracks alone (the others muted),
  // through a binaural renderer with that mode's filters in one go.
  const binaural::Hrtf hrtf(binaural::Hrtf::defaultPath(), kRate);
  const auto n = static_cast<std::int64_t>(ears.channels[0].size());
  std::vector<double> left(static_cast<std::size_t>(n)), right(left.size());
  std::int64_t speakerFrames = 0;
  for (BinauralMode mode :
       {BinauralMode::Off, BinauralMode::Near, BinauralMode::Mid, BinauralMode::Far}) {
    Session only = s;
    for (Track& t : only.tracks) t.mute = t.binauralMode != mode;
    const RenderedAudio speakers = renderToMemory(only, cpu("9.1.6"));
    const std::int64_t frames = speakers.report.numFrames;
    speakerFrames = std::max(speakerFrames, frames);
    std::vector<float> feeds;
    for (const auto& ch : speakers.channels) feeds.insert(feeds.end(), ch.begin(), ch.end());
    binaural::BinauralRenderer r(*findLayout("9.1.6"), hrtf, {.mode = mode});
    r.process(feeds, frames);
    r.finish();
    const std::int64_t got = std::min(r.ready(), n);
    std::vector<float> l(static_cast<std::size_t>(got)), rr(l.size());
    r.take(got, l, rr);
    for (std::size_t i = 0; i < l.size(); ++i) {
      left[i] += l[i];
      right[i] += rr[i];
    }
  }
  // Past the loudspeaker render's end by the longest filter (the far room's 0.5 s).
  EXPECT_GT(n, speakerFrames + kRate / 2);
  EXPECT_LT(n, speakerFrames + kRate / 2 + 2000);
  double worst = 0.0;
  for (std::size_t i = 0; i < left.size(); ++i) {
    worst = std::max(worst, std::abs(ears.channels[0][i] - left[i]));
    worst = std::max(worst, std::abs(ears.channels[1][i] - right[i]));
  }
  EXPECT_LT(worst, 1e-5);  // float convolutions of a signal within +-1
  // The stems (2 channels each) sum to the mix.
  for (int c = 0; c < 2; ++c) {
    std::vector<float> sum(static_cast<std::size_t>(n));
    for (const auto& stem : ears.stems)
      for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += stem[c][i];
    EXPECT_LE(test::maxAbsDiff(sum, ears.channels[c]), 1e-6);
  }
}

// The filters are convolutions of the render's backend (BackendSetup::filters): a session with
// no reverb spends time in the backend's convolve stage only through them.
TEST(BinauralRender, TheFiltersConvolveOnTheRendersBackend) {
  test::ScratchDir dir;
  const Session s = modesSession(dir);
  for (const char* device : {"cpu", "reference"}) {
    RenderOptions o = cpu("binaural");
    o.device = device;
    const RenderedAudio ears = renderToMemory(s, o);
    const auto& stages = ears.report.backend.stageSeconds;
    ASSERT_TRUE(stages.count("convolve")) << device;
    EXPECT_GT(stages.at("convolve"), 0.0) << device;
    const RenderedAudio speakers = renderToMemory(s, cpu("9.1.6"));
    EXPECT_FALSE(speakers.report.backend.stageSeconds.count("convolve"));
  }
}

TEST(BinauralRender, ModesLeaveTheLoudspeakerRenderAsItWas) {
  test::ScratchDir dir;
  const Session s = modesSession(dir);
  Session plain = s;
  for (Track& t : plain.tracks) t.binauralMode = BinauralMode::Mid;
  const RenderedAudio a = renderToMemory(s, cpu(""));
  const RenderedAudio b = renderToMemory(plain, cpu(""));
  ASSERT_EQ(a.channels.size(), 12u);
  EXPECT_EQ(a.channels, b.channels);  // bit for bit
  EXPECT_EQ(a.stems, b.stems);
}

// With every track in the default mode, --layout binaural is --layout 9.1.6 with a binaural
// downmix (which renders the delivered mix in that mode), up to the downmix's end.
TEST(BinauralRender, InTheDefaultModeIsTheBinauralDownmixOfA916Render) {
  test::ScratchDir dir;
  Session s = modesSession(dir);
  for (Track& t : s.tracks) t.binauralMode = BinauralMode::Mid;
  DeliveryOptions d;
  d.format = "wav32f";
  d.output = dir / "ears.wav";
  renderToFile(s, cpu("binaural"), d);
  d.output = dir / "916.wav";
  d.downmixes = {{"binaural", dir / "downmix.wav"}};
  renderToFile(s, cpu("9.1.6"), d);
  const io::DecodedAudio ears = io::decodeAudio(dir / "ears.wav", kRate);
  const io::DecodedAudio down = io::decodeAudio(dir / "downmix.wav", kRate);
  ASSERT_EQ(ears.channels.size(), 2u);
  ASSERT_GT(ears.numFrames(), down.numFrames());
  for (int c = 0; c < 2; ++c) {
    const std::span<const float> head(ears.channels[c].data(), down.channels[c].size());
    EXPECT_LE(test::maxAbsDiff(head, down.channels[c]), 1e-6);
  }
}

// Normalised like any deliverable: the file's integrated loudness (libebur128, 2.0) at the
// target, its true peak under the ceiling; the stems written as 2 channels.
TEST(BinauralRender, NormalisesTheEarsToTheTargetUnderTheCeiling) {
  test::ScratchDir dir;
  const Session s = modesSession(dir);
  DeliveryOptions d;
  d.output = dir / "ears.wav";
  d.format = "wav32f";
  d.stemsDir = dir / "stems";
  d.loudnessTargetLufs = -16.0;
  d.truePeakCeilingDbtp = -2.0;
  const RenderReport r = renderToFile(s, cpu("binaural"), d);
  EXPECT_EQ(r.layout, "binaural");
  ASSERT_FALSE(r.outputs.empty());
  EXPECT_EQ(r.outputs[0].layout, "binaural");
  EXPECT_EQ(r.outputs[0].channels, 2);
  const io::DecodedAudio ears = io::decodeAudio(dir / "ears.wav", kRate);
  ASSERT_EQ(ears.channels.size(), 2u);
  ebur128_state* st = ebur128_init(2, kRate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
  std::vector<float> interleaved;
  for (std::int64_t i = 0; i < ears.numFrames(); ++i)
    for (int c = 0; c < 2; ++c) interleaved.push_back(ears.channels[c][i]);
  ebur128_add_frames_float(st, interleaved.data(), static_cast<std::size_t>(ears.numFrames()));
  double lufs = 0.0, peakLeft = 0.0, peakRight = 0.0;
  ebur128_loudness_global(st, &lufs);
  ebur128_true_peak(st, 0, &peakLeft);
  ebur128_true_peak(st, 1, &peakRight);
  ebur128_destroy(&st);
  EXPECT_NEAR(lufs, -16.0, 0.1);
  EXPECT_NEAR(r.mix.integratedLufs, lufs, 0.1);
  // libebur128's 4x oversampling reads a little differently from vkmix's meter: 0.1 dB slack.
  EXPECT_LE(20.0 * std::log10(std::max(peakLeft, peakRight)), -2.0 + 0.1);
  const io::DecodedAudio dialogue = io::decodeAudio(dir / "stems" / "dialogue.wav", kRate);
  EXPECT_EQ(dialogue.channels.size(), 2u);
}

TEST(BinauralRender, AMissingHrtfOrABinauralDownmixOfItIsAnErrorBeforeAnythingIsWritten) {
  test::ScratchDir dir;
  const Session s = modesSession(dir);
  RenderOptions o = cpu("binaural");
  o.hrtf = dir / "missing.sofa";
  DeliveryOptions d;
  d.output = dir / "ears.wav";
  EXPECT_THAT([&] { renderToFile(s, o, d); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("missing.sofa")));
  d.downmixes = {{"binaural", dir / "twice.wav"}};
  EXPECT_THAT([&] { renderToFile(s, cpu("binaural"), d); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("binaural already")));
  EXPECT_FALSE(std::filesystem::exists(dir / "ears.wav"));
  EXPECT_FALSE(std::filesystem::exists(dir / "twice.wav"));
}

}  // namespace
}  // namespace vkmix
