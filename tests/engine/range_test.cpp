// Range renders (RenderOptions::range, `vkmix render --range`): a range is exactly those frames of
// the full render, mix and every stem (and track prints), on every backend present, starting
// anywhere (inside a clip, inside a fade, on a reverb tail, one frame long, past the end) and at
// another block size than the full render's. The session has what carries state across the
// range's start: reverb buses with IRs of several partitions (two partition sizes), a moving
// object with gain automation, fades crossing range starts, denoised tracks (adaptive with hum
// notches, and learned), compressed and resampled media opened mid-clip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/captured_render.hpp"
#include "engine/render_plan.hpp"
#include "engine/renderer.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

constexpr int kRate = 48000;

// Every output of a render, channel-major.
using Outputs = test::CapturedRender;

Outputs render(const Session& s, const RenderOptions& options,
               engine::DryShape shape = engine::DryShape::Stems) {
  return test::captureRender(s, options, shape);
}

// Frames [start, end) of every channel of `full`.
std::vector<std::vector<float>> cut(const std::vector<std::vector<float>>& full, std::int64_t start,
                                    std::int64_t end) {
  std::vector<std::vector<float>> part;
  for (const std::vector<float>& channel : full)
    part.emplace_back(channel.begin() + start, channel.begin() + end);
  return part;
}

// The largest difference between `got` and frames [start, end) of `full`, in dBFS (-inf: none).
double differenceDb(const std::vector<std::vector<float>>& got,
                    const std::vector<std::vector<float>>& full, std::int64_t start,
                    std::int64_t end) {
  double most = 0.0;
  const auto want = cut(full, start, end);
  for (std::size_t c = 0; c < got.size(); ++c)
    most = std::max(most, test::maxAbsDiff(got[c], want[c]));
  return 20.0 * std::log10(most);
}

class Range : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    test::writeFloatWav(dir_ / "speech.wav", {test::noise(150000, 11, 0.4f)}, kRate);
    test::writeFloatWav(dir_ / "tone.wav", {test::sine(120000, 440.0, kRate, 0.5f)}, kRate);
    // Noise under a 50 Hz hum with words (louder bursts) for the denoisers.
    std::vector<float> noisy = test::noise(140000, 14, 0.05f);
    const std::vector<float> words = test::noise(140000, 15, 0.4f);
    for (std::size_t i = 0; i < noisy.size(); ++i) {
      noisy[i] += 0.1f * static_cast<float>(std::sin(2.0 * 3.14159265358979323846 * 50.0 *
                                                     static_cast<double>(i) / kRate));
      if ((i / 12000) % 2 == 1) noisy[i] += words[i];
    }
    test::writeFloatWav(dir_ / "noisy.wav", {noisy}, kRate);
    // Compressed media read from the middle: FLAC at the session rate (seeks) and at 44.1 kHz
    // (resampled, decoded from its start).
    test::writeFloatWav(dir_ / "music.wav",
                        {test::noise(100000, 16, 0.3f), test::sine(100000, 220.0, kRate, 0.3f)},
                        kRate);
    ASSERT_EQ(
        test::runCommand("ffmpeg -nostdin -loglevel error -y -i '" + (dir_ / "music.wav").string() +
                         "' -c:a flac '" + (dir_ / "music.flac").string() + "'"),
        0);
    ASSERT_EQ(
        test::runCommand("ffmpeg -nostdin -loglevel error -y -i '" + (dir_ / "music.wav").string() +
                         "' -ar 44100 -c:a flac '" + (dir_ / "music44.flac").string() + "'"),
        0);
    // Decaying-noise IRs: 0.8 s (3 partitions of 16384) and 1.5 s (2 of 65536), true stereo.
    auto ir = [](std::size_t frames, int seed) {
      std::vector<float> h = test::noise(frames, seed, 0.5f);
      for (std::size_t i = 0; i < h.size(); ++i)
        h[i] *= static_cast<float>(
            std::exp(-3.0 * static_cast<double>(i) / static_cast<double>(frames)));
      return h;
    };
    test::writeFloatWav(dir_ / "room.wav", {ir(38000, 31), ir(38000, 32)}, kRate);
    test::writeFloatWav(dir_ / "hall.wav",
                        {ir(72000, 33), ir(72000, 34), ir(72000, 35), ir(72000, 36)}, kRate);
    session_ = parseSession(R"({"vkmix": 1, "layout": "5.1", "sampleRate": 48000,
      "reverbs": [{"name": "room", "ir": "room.wav", "predelayMs": 5},
                  {"name": "hall", "ir": "hall.wav", "wetDb": -4}],
      "tracks": [
        {"name": "dx", "stem": "dialogue", "position": {"azimuth": 10},
         "gainKeys": [{"time": 0.5, "gainDb": 0}, {"time": 2.0, "gainDb": -9}],
         "sends": [{"reverb": "room", "levelDb": -3}, {"reverb": "hall", "preFader": true}],
         "clips": [{"file": "speech.wav", "start": 0.3, "length": 2.9, "fadeIn": 0.6,
                    "fadeOut": 0.5, "fadeInShape": "equalPower"},
                   {"file": "speech.wav", "start": 5.0, "offset": 0.2, "fadeIn": 0.6,
                    "fadeOut": 0.8}]},
        {"name": "fly", "stem": "effects",
         "positionKeys": [{"time": 0, "azimuth": 120}, {"time": 1.3, "azimuth": -60, "elevation": 30},
                          {"time": 2.6, "azimuth": 170, "width": 40}, {"time": 7.5, "azimuth": 0}],
         "sends": [{"reverb": "hall", "levelDb": -6}],
         "clips": [{"file": "tone.wav", "start": 0.7, "fadeOut": 0.3, "fadeOutShape": "sCurve"},
                   {"file": "tone.wav", "start": 4.1, "fadeIn": 1.0}]},
        {"name": "vo", "stem": "dialogue", "position": {"azimuth": -20},
         "denoise": {"reductionDb": 14, "hum": {"frequency": 50, "harmonics": 3}},
         "sends": [{"reverb": "room"}],
         "clips": [{"file": "noisy.wav", "start": 0.2, "fadeIn": 0.1},
                   {"file": "noisy.wav", "start": 4.6, "offset": 0.3}]},
        {"name": "adr", "stem": "dialogue", "position": {"azimuth": 0},
         "denoise": {"reductionDb": 10, "learn": {"start": 0.55, "end": 0.75}},
         "clips": [{"file": "noisy.wav", "start": 0.5, "offset": 0.1, "length": 1.6}]},
        {"name": "score", "stem": "music", "type": "bed", "bed": "2.0",
         "clips": [{"file": "music.flac", "start": 0.9, "offset": 0.2, "fadeIn": 0.4},
                   {"file": "music44.flac", "start": 2.4, "offset": 0.1, "length": 1.0},
                   {"file": "music44.flac", "start": 6.0, "offset": 0.5, "fadeOut": 0.5}]}]})",
                            dir_ / "s.json");
  }
  // The range [start, end) rendered at `block` frames per chunk against the full render's frames.
  // Returns the range's render.
  Outputs expectRangeOfFull(const Outputs& full, std::int64_t start, std::int64_t end,
                            std::int64_t block, engine::DryShape shape = engine::DryShape::Stems) {
    RenderOptions o = backend(block);
    o.range = FrameRange{start, end};
    const Outputs got = render(session_, o, shape);
    const std::int64_t last = std::min<std::int64_t>(end, full.planFrames);
    const std::string what = GetParam() + " range [" + std::to_string(start) + ", " +
                             std::to_string(end) + ") block " + std::to_string(block);
    EXPECT_EQ(got.planFrames, last - start) << what;
    EXPECT_EQ(got.reportFrames, last - start) << what;
    EXPECT_TRUE(got.mix == cut(full.mix, start, last))
        << what << ": mix not the same bits (" << differenceDb(got.mix, full.mix, start, last)
        << " dBFS off)";
    EXPECT_EQ(got.groups.size(), full.groups.size()) << what;
    if (got.groups.size() != full.groups.size()) return got;
    for (std::size_t g = 0; g < got.groups.size(); ++g)
      EXPECT_TRUE(got.groups[g] == cut(full.groups[g], start, last))
          << what << ": group " << g << " not the same bits ("
          << differenceDb(got.groups[g], full.groups[g], start, last) << " dBFS off)";
    return got;
  }

  test::ScratchDir dir_;
  Session session_;
};

TEST_P(Range, IsTheFullRendersFramesWhereverItStarts) {
  const Outputs full = render(session_, backend(4096));
  // The last clip ends at 7.4 s, then the hall's 1.5 s tail.
  ASSERT_GT(full.planFrames, 8 * kRate);
  ASSERT_GT(test::energy(full.mix[0]), 1.0);
  const std::int64_t tail = full.planFrames - kRate / 2;  // on the hall's tail, every clip over
  ASSERT_GT(test::energy(cut(full.mix, tail, tail + 4800)[0]), 1e-9);
  struct Case {
    std::int64_t start, end, block;
  };
  const Case cases[] = {
      {0, 5000, 4096},                        // from the start
      {21600, 81600, 4096},                   // in dx's fade-in, the room's 3rd partition
      {16384 * 5 - 1, 16384 * 8 + 1, 1000},   // across partition edges, odd chunks
      {100001, 100002, 4096},                 // one frame, in every clip
      {175000, 176100, 333},                  // in the gap, the reverbs ringing
      {254400, 340000, 4096},                 // in dx's second fade-in, denoised "vo" playing
      {16384 * 20 + 7, 16384 * 24, 2048},     // mid-partition to a partition's end
      {330000, 360000, 1024},                 // fades out, the resampled clip
      {tail, full.planFrames + 48000, 4096},  // on the tail, past the end: to the end
  };
  for (const Case& c : cases) {
    const Outputs got = expectRangeOfFull(full, c.start, c.end, c.block);
    // The warm-up is bounded: the loop starts on the hall's partition grid two partitions (its
    // IR's) before the range's, and ends at most a partition after the range.
    const std::int64_t last = std::min(c.end, full.planFrames);
    const std::int64_t loopStart = std::max<std::int64_t>(0, (c.start / 65536 - 2) * 65536);
    EXPECT_LE(got.chunks * c.block, last + 65536 - loopStart + c.block) << c.start;
  }
}

TEST_P(Range, IsTheFullRendersFramesInTrackPrints) {
  const Outputs full = render(session_, backend(4096), engine::DryShape::TrackPrints);
  expectRangeOfFull(full, 70001, 150000, 4096, engine::DryShape::TrackPrints);
}

// A denoised track without hum starts its denoiser afresh where enough silence on its input has
// put it in its starting state (a learned track after two STFT frames, an adaptive one after
// 29 s): the range is still the full render's frames, and the track's clips before that point
// are not read (planned from records, the first clip's file may be gone).
TEST_P(Range, DenoisersStartAfterSilenceThatResetsThem) {
  test::writeFloatWav(dir_ / "early.wav", {test::noise(100000, 51, 0.3f)}, kRate);
  session_ = parseSession(R"({"vkmix": 1, "layout": "5.1", "sampleRate": 48000,
      "tracks": [
        {"name": "adaptive", "stem": "dialogue", "position": {"azimuth": 20},
         "denoise": {"reductionDb": 12},
         "clips": [{"file": "early.wav", "start": 0.2, "length": 2.0},
                   {"file": "noisy.wav", "start": 33.0, "offset": 0.2, "length": 2.5}]},
        {"name": "learned", "stem": "dialogue", "position": {"azimuth": -20},
         "denoise": {"reductionDb": 10, "learn": {"start": 0.6, "end": 0.9}},
         "clips": [{"file": "noisy.wav", "start": 0.5, "length": 1.5},
                   {"file": "noisy.wav", "start": 2.6, "offset": 0.5, "length": 2.0},
                   {"file": "noisy.wav", "start": 33.5, "length": 1.5}]}]})",
                          dir_ / "quiet.json");
  const Outputs full = render(session_, backend(4096));
  ASSERT_GT(test::energy(cut(full.mix, 34 * kRate, 35 * kRate)[0]), 1.0);
  expectRangeOfFull(full, 3 * kRate, 3 * kRate + kRate / 2, 4096);  // learned restarted
  expectRangeOfFull(full, 34 * kRate, 35 * kRate, 1000);            // both restarted

  RenderOptions planned = backend(4096);
  engine::RenderPlan plan(session_, planned, engine::outputLayout(session_, planned),
                          engine::DryShape::Stems);
  RenderOptions o = backend(4096);
  o.mediaRecords = std::make_shared<const MediaRecords>(plan.counter.records());
  o.range = FrameRange{34 * kRate, 35 * kRate};
  std::filesystem::rename(dir_ / "early.wav", dir_ / "early.away");
  const Outputs got = render(session_, o);
  EXPECT_TRUE(got.mix == cut(full.mix, 34 * kRate, 35 * kRate));
  // Before the silence that resets it, the adaptive track's denoiser runs from its start.
  o.range = FrameRange{20 * kRate, 21 * kRate};
  EXPECT_THAT([&] { render(session_, o); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("early.wav")));
}

TEST_P(Range, BadRangesNameTheOption) {
  const std::int64_t ranges[][2] = {{-1, 100}, {500, 500}, {900, 100}, {48000 * 60, 48000 * 61}};
  const char* problems[] = {"must not be negative", "must be after START", "must be after START",
                            "past the render's end"};
  for (std::size_t k = 0; k < 4; ++k) {
    RenderOptions o = backend(4096);
    o.range = FrameRange{ranges[k][0], ranges[k][1]};
    EXPECT_THAT([&] { render(session_, o); }, ::testing::ThrowsMessage<InputError>(::testing::AllOf(
                                                  HasSubstr("--range"), HasSubstr(problems[k]))))
        << k;
  }
  RenderOptions o = backend(4096);
  o.range = FrameRange{0, 1000};
  DeliveryOptions d;
  d.output = dir_ / "out.wav";
  d.loudnessTargetLufs = -24.0;
  EXPECT_THAT([&] { renderToFile(session_, o, d); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("--range")));
  EXPECT_FALSE(std::filesystem::exists(d.output));
}

// Planned from media records (RenderOptions::mediaRecords, what a farm's segments do), a range
// opens only the media it plays: a file that plays elsewhere may be missing, and the frames are
// still the full render's; a file it plays that is missing or changed is refused by name. Without
// records a missing file fails the plan, wherever it plays.
TEST(RangeFromRecords, OpensOnlyTheMediaItPlays) {
  test::ScratchDir dir;
  test::writeFloatWav(dir.path() / "a.wav", {test::noise(60000, 41, 0.3f)}, kRate);
  test::writeFloatWav(dir.path() / "b.wav", {test::noise(30000, 42, 0.3f)}, kRate);
  test::writeFloatWav(dir.path() / "c.wav", {test::noise(60000, 43, 0.3f)}, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "5.1", "sampleRate": 48000,
      "tracks": [{"name": "fx", "stem": "effects", "position": {"azimuth": 30},
        "clips": [{"file": "a.wav", "start": 0.0, "fadeOut": 0.2},
                  {"file": "b.wav", "start": 3.0, "fadeIn": 0.1},
                  {"file": "c.wav", "start": 6.0, "offset": 0.1}]}]})",
                                 dir.path() / "s.json");
  RenderOptions o;
  o.device = "reference";
  o.blockFrames = 4096;
  const Outputs full = render(s, o);
  RenderOptions planned = o;
  engine::RenderPlan plan(s, planned, engine::outputLayout(s, planned), engine::DryShape::Stems);
  const auto records = std::make_shared<const MediaRecords>(plan.counter.records());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ(records->at((dir.path() / "b.wav").lexically_normal().string()).frames, 30000);

  const std::filesystem::path b = dir.path() / "b.wav", away = dir.path() / "b.away";
  std::filesystem::rename(b, away);
  RenderOptions r = o;
  r.mediaRecords = records;
  for (const FrameRange range : {FrameRange{1000, 100000}, FrameRange{5 * kRate, 7 * kRate}}) {
    r.range = range;
    const Outputs got = render(s, r);
    EXPECT_TRUE(got.mix == cut(full.mix, range.start, range.end)) << range.start;
  }
  r.range = FrameRange{2 * kRate, 4 * kRate};
  EXPECT_THAT([&] { render(s, r); },
              ::testing::ThrowsMessage<InputError>(
                  ::testing::AllOf(HasSubstr("b.wav"), HasSubstr("the frames rendered play it"))));
  RenderOptions unrecorded = r;
  unrecorded.mediaRecords = nullptr;
  unrecorded.range = FrameRange{5 * kRate, 7 * kRate};
  EXPECT_THAT([&] { render(s, unrecorded); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("b.wav")));

  // Back, but rewritten: refused by name; as recorded (its time restored): the full render's.
  test::writeFloatWav(b, {test::noise(30000, 44, 0.3f)}, kRate);
  EXPECT_THAT([&] { render(s, r); }, ::testing::ThrowsMessage<InputError>(::testing::AllOf(
                                         HasSubstr("b.wav"), HasSubstr("changed"))));
  std::filesystem::rename(away, b);
  const Outputs got = render(s, r);
  EXPECT_TRUE(got.mix == cut(full.mix, 2 * kRate, 4 * kRate));
}

INSTANTIATE_TEST_SUITE_P(Backends, Range, ::testing::Values("reference", "cpu", "vulkan"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace vkmix
