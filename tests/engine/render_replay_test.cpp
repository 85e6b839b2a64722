// Normalisation renders the session once: the delivery passes replay what the measuring pass kept
// beside the output. Held to the render-again path (the same bytes in every file), to the target
// (read back and metered by libebur128), and to leaving nothing behind however the render ends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ebur128.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "engine/deliver.hpp"
#include "engine/render_replay.hpp"
#include "io/decoder.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// "" when the files hold the same bytes, else where they first differ.
std::string difference(const fs::path& a, const fs::path& b) {
  const std::string x = readBytes(a), y = readBytes(b);
  if (x == y) return "";
  const auto at = std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin();
  return "sizes " + std::to_string(x.size()) + " and " + std::to_string(y.size()) +
         ", first difference at byte " + std::to_string(at);
}

// Every name in `folder` (and its subfolders), relative to it, sorted.
std::vector<std::string> listing(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    names.push_back(fs::relative(e.path(), folder).string());
  std::sort(names.begin(), names.end());
  return names;
}

bool hasScratch(const fs::path& folder) {
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename().string().starts_with(".mix.wav.vkmix-")) return true;
  return false;
}

// Integrated loudness of a 5.1 file (L R C LFE Ls Rs), by libebur128.
double integratedLufs51(const fs::path& file) {
  const io::DecodedAudio a = io::decodeAudio(file, 48000);
  EXPECT_EQ(a.channels.size(), 6u) << file;
  const int types[6] = {EBUR128_LEFT,   EBUR128_RIGHT,         EBUR128_CENTER,
                        EBUR128_UNUSED, EBUR128_LEFT_SURROUND, EBUR128_RIGHT_SURROUND};
  ebur128_state* st = ebur128_init(6, 48000, EBUR128_MODE_I);
  for (unsigned c = 0; c < 6; ++c) ebur128_set_channel(st, c, types[c]);
  std::vector<float> interleaved(static_cast<std::size_t>(a.numFrames()) * 6);
  for (std::size_t i = 0; i < static_cast<std::size_t>(a.numFrames()); ++i)
    for (std::size_t c = 0; c < 6; ++c) interleaved[i * 6 + c] = a.channels[c][i];
  ebur128_add_frames_float(st, interleaved.data(), static_cast<std::size_t>(a.numFrames()));
  double lufs = 0;
  ebur128_loudness_global(st, &lufs);
  ebur128_destroy(&st);
  return lufs;
}

class RenderReplay : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Quiet dialogue with loud bursts (the limiter must work, hard enough to lower the loudness
    // of a programme-referenced mix and so ask for a correction pass), effects moving round the
    // room, a music bed, and a reverb the dialogue and effects send to: the reverb's partitions
    // hand blocks on in pieces of their own sizes, which the replay must repeat.
    auto dx = test::noise(48000 * 2, 41, 0.03f);
    for (std::size_t i = 1200; i + 8 < dx.size(); i += 9000)
      for (std::size_t k = 0; k < 8; ++k) dx[i + k] = k % 2 == 0 ? 0.95f : -0.95f;
    test::writeFloatWav(dir_ / "dx.wav", {dx}, 48000);
    test::writeFloatWav(dir_ / "fx.wav", {test::noise(48000 * 2, 42, 0.1f)}, 48000);
    test::writeFloatWav(
        dir_ / "mx.wav",
        {test::sine(48000 * 2, 220.0, 48000, 0.05f), test::sine(48000 * 2, 330.0, 48000, 0.05f)},
        48000);
    std::vector<float> ir = test::noise(9000, 43, 0.2f);
    for (std::size_t i = 0; i < ir.size(); ++i)
      ir[i] *= static_cast<float>(std::exp(-6.0 * static_cast<double>(i) / 9000.0));
    test::writeFloatWav(dir_ / "ir.wav", {ir}, 48000);
    session_ = parseSession(R"({"vkmix": 1, "sampleRate": 48000, "layout": "5.1",
      "reverbs": [{"name": "room", "ir": "ir.wav"}], "tracks": [
      {"name": "dx", "stem": "dialogue", "position": {"azimuth": 10}, "sends": [{"reverb": "room", "levelDb": -12}], "clips": [{"file": "dx.wav"}]},
      {"name": "fx", "stem": "effects", "gainDb": -20, "positionKeys": [{"time": 0, "azimuth": 100}, {"time": 2, "azimuth": -100}], "sends": [{"reverb": "room"}], "clips": [{"file": "fx.wav", "start": 0.3}]},
      {"name": "mx", "stem": "music", "type": "bed", "bed": "2.0", "gainDb": -6, "clips": [{"file": "mx.wav", "start": 0.1}]}]})",
                            dir_ / "s.json");
  }
  // Every deliverable into folder `name`: float mix and stems (every bit counts), both downmixes.
  DeliveryOptions delivery(const std::string& name, LoudnessReference ref) const {
    fs::create_directories(dir_ / name / "stems");
    DeliveryOptions d;
    d.output = dir_ / name / "mix.wav";
    d.format = "wav32f";
    d.stemsDir = dir_ / name / "stems";
    d.downmixes = {{"2.0", dir_ / name / "LoRo.wav"}};
    d.loudnessTargetLufs = -20.0;
    d.reference = ref;
    d.truePeakCeilingDbtp = -2.0;
    d.meterDialogueDownmixes = true;
    return d;
  }
  RenderOptions cpu(std::int64_t block) const {
    RenderOptions o;
    o.device = "cpu";
    o.blockFrames = block;
    return o;
  }
  Session session_;
  test::ScratchDir dir_;
};

// The kept render delivers what rendering the session again delivers, file for file and byte for
// byte, on the device's backend and the native CPU one, and the report keeps the render's figures.
// The replay's mix is the renderer's: zeros plus each stem in stem order, element by element
// (so -0 + -0 is +0, as 0 + -0 + -0 is), for any number of stems.
TEST(SumStems, IsZerosPlusEachStemInOrderBitForBit) {
  constexpr std::size_t kSamples = 1003;
  std::vector<std::vector<float>> data;
  for (unsigned s = 0; s < 7; ++s) {
    auto x = test::noise(kSamples, 300 + s, 1.0f);
    for (std::size_t i = 0; i < kSamples; i += 5) x[i] = -0.0f;
    data.push_back(x);
  }
  for (std::size_t count = 0; count <= data.size(); ++count) {
    std::vector<std::span<const float>> stems(data.begin(), data.begin() + count);
    std::vector<float> expected(kSamples, 0.0f), mix(5, 9.0f);
    for (const auto& stem : stems)
      for (std::size_t i = 0; i < kSamples; ++i) expected[i] += stem[i];
    engine::sumStems(stems, kSamples, mix);
    ASSERT_EQ(mix.size(), kSamples);
    for (std::size_t i = 0; i < kSamples; ++i)
      ASSERT_EQ(std::bit_cast<std::uint32_t>(mix[i]), std::bit_cast<std::uint32_t>(expected[i]))
          << count << " stems, sample " << i;
  }
}

TEST_F(RenderReplay, DeliversTheBytesOfARenderAgain) {
  struct Case {
    LoudnessReference ref;
    RenderOptions options;
  };
  const std::vector<Case> cases = {{LoudnessReference::Dialogue, renderOptions(1000)},
                                   {LoudnessReference::Programme, cpu(777)}};
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const std::string again = "again" + std::to_string(k), kept = "kept" + std::to_string(k);
    // Each path's passes by name: the same, a limiter correction included where one is needed.
    std::vector<std::string> freshPasses, keptPasses;
    RenderOptions o = cases[k].options;
    o.passStarted = [&](int, int, const std::string& what) { freshPasses.push_back(what); };
    const RenderReport fresh = engine::renderToFile(session_, o, delivery(again, cases[k].ref),
                                                    engine::DeliverFrom::FreshRender);
    o.passStarted = [&](int, int, const std::string& what) { keptPasses.push_back(what); };
    const RenderReport replayed = renderToFile(session_, o, delivery(kept, cases[k].ref));
    EXPECT_EQ(keptPasses, freshPasses);
    // Dialogue: measure, deliver. Programme: the limiter lowers the mix, so at least one
    // correction replays the kept render again.
    EXPECT_GE(keptPasses.size(), k == 0 ? 2u : 3u) << k;
    EXPECT_LE(keptPasses.size(), k == 0 ? 2u : 5u) << k;
    // The report says what each pass did: only the measuring pass renders the session.
    ASSERT_EQ(replayed.passes.size(), keptPasses.size());
    ASSERT_EQ(fresh.passes.size(), freshPasses.size());
    for (std::size_t p = 0; p < keptPasses.size(); ++p) {
      EXPECT_EQ(replayed.passes[p].stage, keptPasses[p]);
      EXPECT_EQ(replayed.passes[p].source, p == 0 ? "session" : "kept render") << p;
      EXPECT_EQ(fresh.passes[p].source, "session") << p;
      EXPECT_GT(replayed.passes[p].wallSeconds, 0.0) << k << " " << p;
    }
    EXPECT_GT(replayed.limiterReductionDb, 1.0) << k << ": the bursts must have been limited (gain "
                                                << replayed.normalisationGainDb << " dB)";
    const std::vector<std::string> files = listing(dir_ / again);
    ASSERT_EQ(listing(dir_ / kept), files) << "the same files, and nothing else (no scratch)";
    ASSERT_EQ(files.size(), 6u);  // mix, LoRo, stems/ and three stems
    for (const std::string& f : files) {
      if (fs::is_directory(dir_ / again / f)) continue;
      EXPECT_EQ(difference(dir_ / kept / f, dir_ / again / f), "") << k << ": " << f;
    }
    EXPECT_EQ(replayed.normalisationGainDb, fresh.normalisationGainDb);
    EXPECT_EQ(replayed.mix.integratedLufs, fresh.mix.integratedLufs);
    EXPECT_EQ(replayed.downmixes.at(0).dialogueIntegratedLufs,
              fresh.downmixes.at(0).dialogueIntegratedLufs);
    EXPECT_EQ(replayed.device, fresh.device);
    EXPECT_EQ(replayed.numVoices, fresh.numVoices);
    EXPECT_EQ(replayed.numFrames, fresh.numFrames);
    EXPECT_EQ(replayed.blockFrames, cases[k].options.blockFrames);
    EXPECT_EQ(replayed.backend.chunks, fresh.backend.chunks);
    EXPECT_EQ(replayed.reverbs.size(), 1u);
    EXPECT_GT(replayed.backend.hostCpuSeconds, 0.0);
  }
  // The target is met, as an outside meter reads the files: the dialogue stem for a dialogue
  // reference (the stems carry the gain unlimited), the limited mix for a programme one.
  EXPECT_NEAR(integratedLufs51(dir_ / "kept0/stems/dialogue.wav"), -20.0, 0.1);
  EXPECT_NEAR(integratedLufs51(dir_ / "kept1/mix.wav"), -20.0, 0.1);
}

// One stem: the mix is that stem, and the replay sums one stem as the renderer does.
TEST_F(RenderReplay, OneStemDeliversTheBytesOfARenderAgain) {
  const Session s = parseSession(R"({"vkmix": 1, "sampleRate": 48000, "layout": "5.1",
    "tracks": [{"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]}]})",
                                 dir_ / "one.json");
  DeliveryOptions d = delivery("again", LoudnessReference::Programme);
  engine::renderToFile(s, cpu(1000), d, engine::DeliverFrom::FreshRender);
  renderToFile(s, cpu(1000), delivery("kept", LoudnessReference::Programme));
  ASSERT_EQ(listing(dir_ / "kept"), listing(dir_ / "again"));
  for (const char* f : {"mix.wav", "LoRo.wav", "stems/dialogue.wav"})
    EXPECT_EQ(difference(dir_ / "kept" / f, dir_ / "again" / f), "") << f;
}

// Whenever the render stops (an error or an interrupt, while rendering or while delivering from
// the kept render), the kept render goes with the outputs' temporaries. Each stop is checked to
// have come while the kept render existed.
TEST_F(RenderReplay, NothingIsLeftWhereverTheRenderStops) {
  struct Stop {
    int pass;  // 1: measuring (rendering and keeping), 2: delivering from the kept render
    bool interrupt;
  };
  for (const Stop stop : {Stop{1, false}, Stop{1, true}, Stop{2, false}, Stop{2, true}}) {
    const std::string name = "stop" + std::to_string(stop.pass) + (stop.interrupt ? "i" : "e");
    const fs::path out = dir_ / name;
    int pass = 0, progressCalls = 0;
    bool scratchSeen = false;
    RenderOptions o = cpu(1000);
    o.passStarted = [&](int p, int, const std::string&) {
      pass = p;
      progressCalls = 0;
    };
    // Halfway through the chosen pass (about 100 blocks each).
    auto due = [&] {
      if (pass != stop.pass || ++progressCalls != 50) return false;
      scratchSeen = hasScratch(out);
      return true;
    };
    if (stop.interrupt) {
      o.cancelled = due;
      o.progress = [&](double, double) {};
    } else {
      o.progress = [&](double, double) {
        if (due()) throw IoError("the disk went away");
      };
      o.cancelled = [] { return false; };
    }
    if (stop.interrupt) {
      EXPECT_THROW(renderToFile(session_, o, delivery(name, LoudnessReference::Dialogue)),
                   Interrupted)
          << name;
    } else {
      EXPECT_THROW(renderToFile(session_, o, delivery(name, LoudnessReference::Dialogue)), IoError)
          << name;
    }
    EXPECT_TRUE(scratchSeen) << name << ": the stop must come while the render is kept";
    EXPECT_EQ(listing(out), std::vector<std::string>{"stems"}) << name;
  }
}

// Without normalisation nothing is kept: one pass over the session.
TEST_F(RenderReplay, WithoutATargetNothingIsKept) {
  DeliveryOptions d = delivery("plain", LoudnessReference::Programme);
  d.loudnessTargetLufs.reset();
  int passes = 0;
  bool scratchSeen = false;
  RenderOptions o = cpu(1000);
  o.passStarted = [&](int, int, const std::string&) { ++passes; };
  o.progress = [&](double, double) { scratchSeen = scratchSeen || hasScratch(dir_ / "plain"); };
  const RenderReport r = renderToFile(session_, o, d);
  EXPECT_EQ(passes, 1);
  EXPECT_FALSE(scratchSeen);
  EXPECT_EQ(r.normalisationGainDb, 0.0);
  EXPECT_EQ(listing(dir_ / "plain").size(), 6u);
}

}  // namespace
}  // namespace vkmix
