// The render plan without a device: the dry groups (stems, or prints for an ADM export), one
// mixer per group and per (reverb bus, stem) that sends to it, which voices each mixer takes, the
// stem and send gain rules (pre/post fader, automation, true-stereo panning), which voices sound
// in a chunk, the chunk size, and the timeline gains the inspector shares with the renderer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/units.hpp"
#include "engine/block_fill.hpp"
#include "engine/render_plan.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "timeline/gains.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Plan : public ::testing::Test {
 protected:
  void SetUp() override {
    test::writeFloatWav(dir_ / "a.wav", {test::noise(48000, 1, 0.5f)}, 48000);  // 1 s
    test::writeFloatWav(dir_ / "st.wav", {test::noise(24000, 2), test::noise(24000, 3)}, 48000);
    test::writeFloatWav(dir_ / "ir.wav", {test::noise(4800, 4, 0.1f)}, 48000);
    test::writeFloatWav(
        dir_ / "ts.wav",
        {test::noise(480, 5), test::noise(480, 6), test::noise(480, 7), test::noise(480, 8)},
        48000);
  }
  Session session(const std::string& tracks, const std::string& reverbs = "") const {
    return parseSession(R"({"vkmix": 1, "layout": "5.1", "reverbs": [)" + reverbs +
                            R"(], "tracks": [)" + tracks + "]}",
                        dir_ / "s.json");
  }
  static RenderOptions options(std::int64_t block = 0) {
    RenderOptions o;
    o.blockFrames = block;
    return o;
  }
  static Layout layout51() { return *findLayout("5.1"); }
  test::ScratchDir dir_;
};

// Which mixers of `plan` take voice v.
std::vector<int> mixersOf(const RenderPlan& plan, const PlannedVoice& v) {
  std::vector<int> out;
  for (std::size_t m = 0; m < plan.mixers.size(); ++m)
    if (plan.mixers[m].routing.includes(v)) out.push_back(static_cast<int>(m));
  return out;
}

TEST_F(Plan, StemsInStandardOrderThenOneMixerPerBusAndSendingStem) {
  const Session s = session(
      R"({"name": "fx", "stem": "effects", "position": {"azimuth": 30}, "sends": [{"reverb": "hall"}], "clips": [{"file": "a.wav"}]},
         {"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "sends": [{"reverb": "hall"}, {"reverb": "room"}], "clips": [{"file": "a.wav"}]},
         {"name": "amb", "stem": "crowd", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav"}]})",
      R"({"name": "hall", "ir": "ir.wav"}, {"name": "room", "ir": "ir.wav"})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  EXPECT_THAT(plan.voices.stems, ElementsAre("dialogue", "effects", "crowd"));
  EXPECT_THAT(plan.groupChannels, ElementsAre(6, 6, 6));
  EXPECT_EQ(plan.info.stems, plan.voices.stems);
  // Three dry groups, then hall for effects and dialogue and room for dialogue (the order
  // planReverbs gives), each one input wide.
  ASSERT_EQ(plan.mixers.size(), 3u + plan.reverbs.instances.size());
  ASSERT_EQ(plan.reverbs.instances.size(), 3u);
  for (std::size_t m = 0; m < 3; ++m) EXPECT_EQ(plan.mixers[m].dryGroup, static_cast<int>(m));
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(plan.mixers[3 + k].instance, static_cast<int>(k));
    EXPECT_EQ(plan.mixers[3 + k].channels, 1);
  }
  // Each voice goes to its stem's group and to the instances of its stem's sends only.
  for (const PlannedVoice& v : plan.voices.voices) {
    std::vector<int> want{v.stemIndex};
    for (std::size_t k = 0; k < plan.reverbs.instances.size(); ++k) {
      const ReverbInstance& inst = plan.reverbs.instances[k];
      const Track& t = s.tracks[static_cast<std::size_t>(v.trackIndex)];
      const bool sends = std::any_of(t.sends.begin(), t.sends.end(), [&](const Send& send) {
        return send.reverb == s.reverbs[static_cast<std::size_t>(inst.bus)].name;
      });
      if (inst.stem == v.stemIndex && sends) want.push_back(3 + static_cast<int>(k));
    }
    EXPECT_EQ(mixersOf(plan, v), want) << "track " << v.trackIndex;
  }
  EXPECT_THAT(plan.returnGroup, ElementsAre(0, 1, 2));  // each stem's returns join it
  const backend::BackendSetup setup = plan.backendSetup();
  EXPECT_EQ(setup.groupChannels, plan.groupChannels);
  EXPECT_EQ(setup.buses.size(), 2u);
  EXPECT_EQ(setup.instanceBus.size(), 3u);
}

TEST_F(Plan, PreAndPostFaderSendsFollowTheirGainRules) {
  const Session s = session(
      R"({"name": "post", "stem": "dialogue", "gainDb": -6, "position": {"azimuth": 0},
          "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 1, "gainDb": -20}],
          "sends": [{"reverb": "hall", "levelDb": -3}], "clips": [{"file": "a.wav", "gainDb": -2}]},
         {"name": "pre", "stem": "dialogue", "gainDb": -6, "position": {"azimuth": 0},
          "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 1, "gainDb": -20}],
          "sends": [{"reverb": "hall", "levelDb": -3, "preFader": true}], "clips": [{"file": "a.wav", "gainDb": -2}]})",
      R"({"name": "hall", "ir": "ir.wav"})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  ASSERT_EQ(plan.mixers.size(), 2u);
  const Routing& send = plan.mixers[1].routing;
  ASSERT_EQ(plan.voices.voices.size(), 2u);
  const PlannedVoice& post = plan.voices.voices[0];
  const PlannedVoice& pre = plan.voices.voices[1];
  // Envelope: post-fader sends take the fader and clip gain, pre-fader ones the clip gain only.
  EXPECT_FLOAT_EQ(send.envelopeGain(post), static_cast<float>(dbToLinear(-8.0)));
  EXPECT_FLOAT_EQ(send.envelopeGain(pre), static_cast<float>(dbToLinear(-2.0)));
  // Gain automation moves the post-fader send only.
  EXPECT_TRUE(send.automated(post));
  EXPECT_FALSE(send.automated(pre));
  std::vector<double> g(2, 0.0);
  send.gainsAt(post, 0.5, g);
  EXPECT_NEAR(g[0], dbToLinear(-3.0) * dbToLinear(-10.0), 1e-12);
  send.gainsAt(pre, 0.5, g);
  EXPECT_NEAR(g[0], dbToLinear(-3.0), 1e-12);
  // The dry stem: the panner's gains (centre) times the automation at t.
  const Routing& dry = plan.mixers[0].routing;
  EXPECT_TRUE(dry.automated(post));
  std::vector<double> d(6, 0.0);
  dry.gainsAt(post, 0.25, d);
  EXPECT_NEAR(d[2], dbToLinear(-5.0), 1e-9);
  EXPECT_NEAR(d[0] + d[1] + d[3] + d[4] + d[5], 0.0, 1e-9);
}

TEST_F(Plan, TrueStereoSendsPanBetweenLeftAndRightAndFollowMovement) {
  const Session s = session(
      R"({"name": "left", "position": {"azimuth": 30}, "sends": [{"reverb": "plate"}], "clips": [{"file": "a.wav"}]},
         {"name": "flyby", "positionKeys": [{"time": 0, "azimuth": 30}, {"time": 1, "azimuth": -30}],
          "sends": [{"reverb": "plate"}], "clips": [{"file": "a.wav"}]})",
      R"({"name": "plate", "ir": "ts.wav"})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  ASSERT_EQ(plan.reverbs.buses[0].shape, BusShape::TrueStereo);
  const MixerPlan& send = plan.mixers.back();
  EXPECT_EQ(send.channels, 2);
  const PlannedVoice& left = plan.voices.voices[0];
  const PlannedVoice& flyby = plan.voices.voices[1];
  std::array<float, kMaxOutputChannels> g{};
  send.routing.staticGains(left, g);
  EXPECT_NEAR(g[0], 1.0, 1e-6);
  EXPECT_NEAR(g[1], 0.0, 1e-6);
  EXPECT_FALSE(send.routing.automated(left));
  EXPECT_TRUE(send.routing.automated(flyby));
  std::vector<double> lr(2);
  send.routing.gainsAt(flyby, 1.0, lr);
  EXPECT_NEAR(lr[0], 0.0, 1e-9);
  EXPECT_NEAR(lr[1], 1.0, 1e-9);
  send.routing.gainsAt(flyby, 0.5, lr);  // the middle: equal power
  EXPECT_NEAR(lr[0], lr[1], 1e-9);
  EXPECT_NEAR(lr[0] * lr[0] + lr[1] * lr[1], 1.0, 1e-9);
}

TEST_F(Plan, PrintsAreOnePerSoundingTrackThenEachStemsReturns) {
  const Session s = session(
      R"({"name": "obj", "stem": "dialogue", "position": {"azimuth": 0}, "sends": [{"reverb": "hall"}], "clips": [{"file": "a.wav"}]},
         {"name": "silent", "stem": "music", "position": {"azimuth": 0}, "clips": []},
         {"name": "bed", "stem": "music", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav"}]})",
      R"({"name": "hall", "ir": "ir.wav"})");
  const RenderPlan plan(s, options(), layout51(), DryShape::TrackPrints);
  EXPECT_TRUE(plan.prints);
  EXPECT_THAT(plan.groupChannels, ElementsAre(1, 2, 6));
  EXPECT_THAT(plan.info.stems, ElementsAre("obj", "bed", "reverb returns dialogue"));
  ASSERT_EQ(plan.info.prints.size(), 3u);
  EXPECT_EQ(plan.info.prints[0].trackIndex, 0);
  EXPECT_EQ(plan.info.prints[1].trackIndex, 2);
  EXPECT_EQ(plan.info.prints[2].trackIndex, -1);
  EXPECT_EQ(plan.returnGroup[0], 2);  // dialogue's returns: their own print
  // A bed voice goes to its own channel of its track's print.
  for (const PlannedVoice& v : plan.voices.voices) {
    if (v.bedChannel < 0) continue;
    std::array<float, kMaxOutputChannels> g{};
    plan.mixers[1].routing.staticGains(v, g);
    for (int c = 0; c < 2; ++c) EXPECT_EQ(g[static_cast<std::size_t>(c)], c == v.bedChannel);
    EXPECT_THAT(mixersOf(plan, v), ElementsAre(1));
  }
}

TEST_F(Plan, ChunkSizeFromTheBusiestMomentOrTheOptionAndTheEndAfterTheLastClip) {
  std::string tracks;
  for (int i = 0; i < 700; ++i)
    tracks += std::string(i ? "," : "") + R"({"name": "t)" + std::to_string(i) +
              R"(", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": )" +
              (i < 600 ? "0" : "2") + "}]}";
  const Session s = session(tracks);
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  EXPECT_EQ(plan.peakVoices, 600);
  EXPECT_EQ(plan.chunkFrames, 4096);  // 600 x 8192 frames would pass 512 x 8192
  EXPECT_EQ(plan.endFrame, 3 * 48000);
  EXPECT_EQ(RenderPlan(s, options(1000), layout51(), DryShape::Stems).chunkFrames, 1000);
  EXPECT_THAT([&] { RenderPlan(s, options(-1), layout51(), DryShape::Stems); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("--block")));
  EXPECT_EQ(autoChunkFrames(1), 8192);
  EXPECT_EQ(autoChunkFrames(5000), 1024);
}

// A session's length holds the render open past its last sound, and never cuts it short.
TEST_F(Plan, TheSessionsLengthIsTheLeastTheRenderLasts) {
  Session s = session(R"({"name": "a", "position": {"azimuth": 0}, "clips": [{"file": "a.wav"}]})");
  s.lengthSeconds = 2.5;
  EXPECT_EQ(RenderPlan(s, options(), layout51(), DryShape::Stems).endFrame, 120000);
  s.lengthSeconds = 0.5;  // shorter than the clip: the clip still plays out
  EXPECT_EQ(RenderPlan(s, options(), layout51(), DryShape::Stems).endFrame, 48000);
}

// A stand-in for a clip's media (the test counts how often one is opened).
class Silence final : public SampleSource {
 public:
  void read(int, std::int64_t, std::int64_t n, float* dst) override { std::fill_n(dst, n, 0.0f); }
};

TEST_F(Plan, AVoiceSoundsInTheChunksItsClipOverlaps) {
  const Session s = session(
      R"({"name": "a", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": 0.5, "length": 0.25}]},
         {"name": "b", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": 0}]})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  SourceMap sources;
  std::vector<int> opened;
  const OpenSource open = [&](int clip) {
    opened.push_back(clip);
    return std::make_unique<Silence>();
  };
  std::vector<std::size_t> active;
  auto sounding = [&](std::int64_t start, std::int64_t n) {
    gatherActive(plan.voices.voices, start, n, active, sources, open);
    std::vector<int> tracks;
    for (std::size_t v : active) tracks.push_back(plan.voices.voices[v].trackIndex);
    std::sort(tracks.begin(), tracks.end());
    return tracks;
  };
  EXPECT_THAT(sounding(0, 24000), ElementsAre(1));      // a starts at frame 24000
  EXPECT_THAT(sounding(23999, 2), ElementsAre(0, 1));   // its first frame
  EXPECT_THAT(sounding(35999, 1), ElementsAre(0, 1));   // its last (24000 + 12000 - 1)
  EXPECT_THAT(sounding(36000, 12000), ElementsAre(1));  // after it
  EXPECT_THAT(sounding(48000, 100), ElementsAre());     // after both
  EXPECT_EQ(opened.size(), 2u);                         // each clip opened once
}

// The block loop's cursor over the voices gives, window after window going forward, what the
// scan of every voice gives: the same voices in plan order, their clips opened in that order.
TEST_F(Plan, TheLoopsCursorFindsTheVoicesTheScanFinds) {
  const Session s = session(
      R"({"name": "a", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": 0.5, "length": 0.25},
           {"file": "a.wav", "start": 0.1, "length": 0.05}, {"file": "a.wav", "start": 0.74, "length": 0.3}]},
         {"name": "b", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": 0},
           {"file": "a.wav", "start": 1.2, "length": 0.1}, {"file": "a.wav", "start": 0.3, "length": 0.01}]},
         {"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav", "start": 0.6}]})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  for (const std::int64_t first : {std::int64_t{0}, std::int64_t{30000}}) {
    for (const std::int64_t n : {std::int64_t{100}, std::int64_t{4801}, std::int64_t{24000}}) {
      SourceMap scanned, cursored;
      std::vector<int> scanOpened, cursorOpened;
      auto opener = [](std::vector<int>& opened) {
        return [&opened](int clip) -> std::unique_ptr<SampleSource> {
          opened.push_back(clip);
          return std::make_unique<Silence>();
        };
      };
      ActiveVoices cursor(plan.voices.voices);
      std::vector<std::size_t> byScan, byCursor;
      int sounding = 0;
      for (std::int64_t at = first; at < 2 * 48000; at += n) {
        gatherActive(plan.voices.voices, at, n, byScan, scanned, opener(scanOpened));
        cursor.gather(at, n, byCursor, cursored, opener(cursorOpened));
        ASSERT_EQ(byCursor, byScan) << "window at " << at << ", " << n << " frames";
        sounding += byScan.empty() ? 0 : 1;
        closeFinished(scanned, plan.voices.clips, at + n);
        closeFinished(cursored, plan.voices.clips, at + n);
      }
      EXPECT_EQ(cursorOpened, scanOpened);
      EXPECT_GT(sounding, 0);
    }
  }
}

// Grid gains computed ahead (the decode-ahead worker's) are taken by the block they were made
// for, and are the floats it computes itself; gains made for other points are not taken.
TEST_F(Plan, GridGainsComputedAheadAreTheBlocksOwn) {
  const Session s = session(
      R"({"name": "fly", "position": {"azimuth": 30, "width": 40, "height": 10}, "positionKeys": [{"time": 0, "azimuth": 30}, {"time": 1, "azimuth": -110}],
          "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 1, "gainDb": -12}], "clips": [{"file": "a.wav"}]},
         {"name": "still", "position": {"azimuth": 0}, "clips": [{"file": "a.wav"}]})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  const MixerPlan& mixer = plan.mixers[0];
  SourceMap sources;
  const OpenSource open = [](int) { return std::make_unique<Silence>(); };
  for (const auto& [start, n] :
       {std::pair<std::int64_t, std::int64_t>{0, 4096}, {1000, 777}, {30001, 8192}}) {
    std::vector<std::size_t> active;
    gatherActive(plan.voices.voices, start, n, active, sources, open);
    dsp::MixBlock own, fromAhead, poisoned, elsewhere;
    fillBlock(own, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000, start,
              n);
    ASSERT_FALSE(own.grid.empty());
    GridAhead ahead, poison, other;
    const auto [first, count] = gridPointsOf(start, n);
    for (std::size_t v : active) {
      const PlannedVoice& pv = plan.voices.voices[v];
      if (!mixer.routing.automated(pv)) continue;
      GridAhead::Points points{
          first, count, std::vector<float>(static_cast<std::size_t>(count) * kMaxOutputChannels)};
      gridGains(mixer.routing, pv, mixer.channels, 48000, first, count, points.gains.data());
      ahead.kept[{0, pv.trackIndex, pv.bedChannel}] = points;
      std::fill(points.gains.begin(), points.gains.end(), 7.0f);
      poison.kept[{0, pv.trackIndex, pv.bedChannel}] = points;
      points.first += 1;
      other.kept[{0, pv.trackIndex, pv.bedChannel}] = points;
    }
    fillBlock(fromAhead, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000,
              start, n, {}, nullptr, nullptr, &ahead, 0);
    fillBlock(poisoned, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000,
              start, n, {}, nullptr, nullptr, &poison, 0);
    fillBlock(elsewhere, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000,
              start, n, {}, nullptr, nullptr, &other, 0);
    ASSERT_EQ(fromAhead.grid.size(), own.grid.size());
    for (std::size_t i = 0; i < own.grid.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fromAhead.grid[i]),
                std::bit_cast<std::uint32_t>(own.grid[i]))
          << "block at " << start << ", value " << i;
    }
    EXPECT_TRUE(
        std::all_of(poisoned.grid.begin(), poisoned.grid.end(), [](float g) { return g == 7.0f; }));
    EXPECT_EQ(elsewhere.grid, own.grid);
  }
}

// A source of made-up samples (channel c's frame i: a value of c and i), read from any thread
// or, for `concurrent` false, only from the loop's.
class Ramp final : public SampleSource {
 public:
  explicit Ramp(bool concurrent) : concurrent_(concurrent) {}
  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override {
    for (std::int64_t i = 0; i < n; ++i)
      dst[i] =
          static_cast<float>((clipFrame + i) % 977 - 488) / 491.0f + 0.01f * static_cast<float>(c);
  }
  bool concurrentReads() const override { return concurrent_; }

 private:
  bool concurrent_;
};

// Rows left to RowReads (the device's memory, read later on another thread) are, once run, the
// bits fillBlock reads itself: plain voices scaled by their gain, faded ones times their
// envelope (computed later too when every row is read later, else now), zeros around the clip.
// Until then fillBlock has not written them.
TEST_F(Plan, RowsReadLaterAreTheRowsReadNow) {
  const Session s = session(
      R"({"name": "a", "position": {"azimuth": 0}, "clips": [{"file": "a.wav", "start": 0.01, "gainDb": -3},
           {"file": "a.wav", "start": 0.3, "length": 0.4, "gainDb": 2, "fadeIn": 0.1, "fadeOut": 0.15}]},
         {"name": "b", "position": {"azimuth": 60}, "clips": [{"file": "a.wav", "start": 0.2, "length": 0.5, "fadeIn": 0.05, "fadeInShape": "equalPower"}]},
         {"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav", "start": 0.6, "fadeOut": 0.1}]})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  for (const bool allLater : {true, false}) {
    SourceMap sources;
    int opened = 0;
    // Without allLater, the second clip opened reads on the loop only: its row is read now.
    const OpenSource open = [&](int) { return std::make_unique<Ramp>(allLater || ++opened != 2); };
    FadeCurves nowCurves, laterCurves;
    std::size_t deferredRows = 0, deferredEnvelopes = 0;
    for (std::int64_t start = 0; start < 48000; start += 4801) {
      const std::int64_t n = 4801;
      std::vector<std::size_t> active;
      gatherActive(plan.voices.voices, start, n, active, sources, open);
      for (std::size_t m = 0; m < plan.mixers.size(); ++m) {
        const MixerPlan& mixer = plan.mixers[m];
        dsp::MixBlock now, later;
        fillBlock(now, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000,
                  start, n, {}, nullptr, &nowCurves);
        std::vector<float> memory;
        const RowMemory rows = [&](std::size_t voices, std::int64_t stride) {
          memory.assign(voices * static_cast<std::size_t>(stride), -7.0f);
          return std::span<float>(memory);
        };
        RowReads reads;
        reads.fades = &laterCurves;
        fillBlock(later, plan.voices.voices, active, mixer.routing, sources, mixer.channels, 48000,
                  start, n, rows, nullptr, &nowCurves, nullptr, m, &reads);
        ASSERT_EQ(later.voices.size(), now.voices.size());
        for (const RowReads::Row& r : reads.rows)
          EXPECT_EQ(r.row[0], -7.0f) << "a row read later is not written before";
        deferredRows += reads.rows.size();
        deferredEnvelopes += reads.pending.size();
        reads.run();
        for (std::size_t k = 0; k < now.voices.size(); ++k) {
          for (std::int64_t i = 0; i < now.stride; ++i)
            ASSERT_EQ(std::bit_cast<std::uint32_t>(later.row(k)[i]),
                      std::bit_cast<std::uint32_t>(now.row(k)[i]))
                << "mixer " << m << ", block at " << start << ", voice " << k << ", frame " << i;
        }
      }
      closeFinished(sources, plan.voices.clips, start + n);
    }
    EXPECT_GT(deferredRows, 0u);
    if (allLater) {
      EXPECT_GT(deferredEnvelopes, 0u);
    }
  }
}

TEST_F(Plan, TheInspectorsTrackGainsAreTheRenderersTimesTheFader) {
  const Session s = session(
      R"({"name": "fly", "gainDb": -4, "positionKeys": [{"time": 0, "azimuth": 30}, {"time": 1, "azimuth": -110}],
          "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 1, "gainDb": -12}], "clips": [{"file": "a.wav"}]},
         {"name": "bed", "gainDb": -2, "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav"}]})");
  const RenderPlan plan(s, options(), layout51(), DryShape::Stems);
  for (const double t : {0.0, 0.3, 0.77}) {
    const std::vector<double> shown =
        timeline::trackGainsAt(s.tracks[0], plan.output, plan.panner, t);
    std::vector<double> rendered(6);
    plan.mixers[0].routing.gainsAt(plan.voices.voices[0], t, rendered);
    for (std::size_t c = 0; c < 6; ++c)
      EXPECT_NEAR(shown[c], rendered[c] * dbToLinear(-4.0), 1e-12) << "t " << t << " ch " << c;
  }
  // A bed: each speaker shows the largest of its channels' routings, times the fader.
  const std::vector<double> bed = timeline::trackGainsAt(s.tracks[1], plan.output, plan.panner, 0);
  EXPECT_NEAR(bed[0], dbToLinear(-2.0), 1e-12);  // L -> L
  EXPECT_NEAR(bed[1], dbToLinear(-2.0), 1e-12);  // R -> R
  EXPECT_NEAR(bed[2], 0.0, 1e-12);
}

}  // namespace
}  // namespace vkmix::engine
