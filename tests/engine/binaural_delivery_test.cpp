// The binaural downmix (--downmix binaural=FILE): the delivered mix's speaker feeds through the
// binaural renderer (binaural/, held to sofalizer and the SOFA file's own ITD and ILD in
// tests/binaural), written as 2.0 beside the mix, as long as the mix, in the same render; a
// missing HRTF is an error naming it before anything is written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "binaural/binaural_renderer.hpp"
#include "io/decoder.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

TEST(BinauralDelivery, IsTheDeliveredMixThroughTheHrtfAsLongAsTheMix) {
  test::ScratchDir dir;
  const int rate = 48000;
  test::writeFloatWav(dir / "a.wav", {test::noise(30000, 7, 0.3f)}, rate);
  test::writeFloatWav(dir / "b.wav", {test::sine(20000, 700.0, rate, 0.4f)}, rate);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "left", "position": {"azimuth": 70}, "clips": [{"file": "a.wav"}]},
      {"name": "fly", "positionKeys": [{"time": 0, "azimuth": -30}, {"time": 0.5, "azimuth": -150}],
       "clips": [{"file": "b.wav", "start": 0.1}]}]})",
                                 dir / "s.json");
  RenderOptions options;
  options.device = "cpu";
  DeliveryOptions d;
  d.output = dir / "mix.wav";
  d.format = "wav32f";
  d.downmixes = {{"binaural", dir / "ears.wav"}};
  const RenderReport report = renderToFile(s, options, d);
  ASSERT_EQ(report.downmixes.size(), 1u);
  EXPECT_EQ(report.downmixes[0].name, "binaural");
  EXPECT_EQ(report.downmixes[0].layout, "2.0");

  const io::DecodedAudio mix = io::decodeAudio(dir / "mix.wav", rate);
  const io::DecodedAudio ears = io::decodeAudio(dir / "ears.wav", rate);
  ASSERT_EQ(mix.channels.size(), 6u);
  ASSERT_EQ(ears.channels.size(), 2u);
  ASSERT_EQ(ears.numFrames(), mix.numFrames());
  // The oracle: the same renderer over the mix file's feeds in one go, in the sessions' default
  // mode (the delivered mix is every track together).
  const binaural::Hrtf hrtf(binaural::Hrtf::defaultPath(), rate);
  binaural::BinauralRenderer oracle(*findLayout("5.1"), hrtf, {.mode = BinauralMode::Mid});
  const std::int64_t n = mix.numFrames();
  std::vector<float> feeds;
  for (const auto& ch : mix.channels) feeds.insert(feeds.end(), ch.begin(), ch.end());
  oracle.process(feeds, n);
  oracle.finish();
  std::vector<float> left(static_cast<std::size_t>(n)), right(left.size());
  oracle.take(n, left, right);
  EXPECT_LE(test::maxAbsDiff(ears.channels[0], left), 1e-6);
  EXPECT_LE(test::maxAbsDiff(ears.channels[1], right), 1e-6);
  // A source on the left is louder in the left ear.
  EXPECT_GT(test::energy(ears.channels[0]), 1.5 * test::energy(ears.channels[1]));
}

TEST(BinauralDelivery, AMissingHrtfIsAnErrorBeforeAnythingIsWritten) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(4800, 7, 0.3f)}, 48000);
  const Session s = parseSession(
      R"({"vkmix": 1, "layout": "2.0", "tracks": [{"name": "a", "clips": [{"file": "a.wav"}]}]})",
      dir / "s.json");
  RenderOptions options;
  options.device = "cpu";
  DeliveryOptions d;
  d.output = dir / "mix.wav";
  d.downmixes = {{"binaural", dir / "ears.wav"}};
  d.hrtf = dir / "missing.sofa";
  EXPECT_THAT([&] { renderToFile(s, options, d); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("missing.sofa")));
  EXPECT_FALSE(std::filesystem::exists(dir / "mix.wav"));
  EXPECT_FALSE(std::filesystem::exists(dir / "ears.wav"));
}

}  // namespace
}  // namespace vkmix
