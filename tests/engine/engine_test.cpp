// The render path end to end in memory: where objects land, bed routing, determinism across block
// sizes, GPU equal to the CPU reference on a whole session, and errors naming the session field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include <ebur128.h>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

class Engine : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    test::writeFloatWav(dir_ / "noise.wav", {test::noise(24000, 1, 0.5f)}, 48000);  // 0.5 s
    test::writeFloatWav(dir_ / "tone.wav", {test::sine(48000, 1000.0, 48000, 0.5f)}, 48000);
    test::writeFloatWav(dir_ / "stereo.wav",
                        {test::noise(24000, 2, 0.3f), test::noise(24000, 3, 0.3f)}, 48000);
    std::vector<std::vector<float>> six;
    for (std::uint32_t c = 0; c < 6; ++c) six.push_back(test::noise(12000, 10 + c, 0.3f));
    test::writeFloatWav(dir_ / "bed51.wav", six, 48000);
  }
  Session session(const std::string& tracksJson, const std::string& layout = "7.1.4") {
    return parseSession(R"({"vkmix": 1, "sampleRate": 48000, "layout": ")" + layout +
                            R"(", "tracks": [)" + tracksJson + "]}",
                        dir_ / "s.json");
  }
  RenderOptions gpuOptions(std::int64_t block = 4096) const { return renderOptions(block); }
  test::ScratchDir dir_;
};

int channelOf(const std::string& layout, const std::string& name) {
  const Layout* l = findLayout(layout);
  for (int c = 0; c < l->numChannels(); ++c) {
    if (l->speakers[c].name == name) return c;
  }
  return -1;
}

TEST_F(Engine, ObjectHardLeftLandsInLeftOnly) {
  Session s = session(
      R"({"name": "a", "position": {"azimuth": 30}, "clips": [{"file": "noise.wav", "start": 0.25, "gainDb": -6}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions());
  ASSERT_EQ(r.channels.size(), 12u);
  EXPECT_EQ(r.report.numFrames, 12000 + 24000);
  EXPECT_EQ(r.report.validationErrors, 0);
  const int left = channelOf("7.1.4", "L");
  auto src = test::noise(24000, 1, 0.5f);
  const double expected = test::energy(src) * std::pow(10.0, -6.0 / 10.0);
  for (int c = 0; c < 12; ++c) {
    double e = test::energy(r.channels[c]);
    if (c == left) {
      EXPECT_NEAR(e, expected, expected * 1e-5);
    } else {
      EXPECT_EQ(e, 0.0) << "channel " << c;
    }
  }
  // Sample-accurate start: silence before 0.25 s, the source after it.
  EXPECT_EQ(r.channels[left][11999], 0.0f);
  EXPECT_NEAR(r.channels[left][12000 + 100], src[100] * 0.501187f, 1e-6);
}

TEST_F(Engine, CartesianRightSurroundAndStereoBed) {
  Session s = session(
      R"({"name": "rs", "position": {"x": 1, "y": 0, "z": 0}, "clips": [{"file": "noise.wav"}]},
                         {"name": "bed", "type": "bed", "bed": "2.0", "stem": "music", "clips": [{"file": "stereo.wav"}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions());
  // x = 1 is azimuth -90: the right side surround (Rss) of 7.1.4, alone.
  const int rss = channelOf("7.1.4", "Rss");
  EXPECT_NEAR(test::energy(r.channels[rss]), test::energy(test::noise(24000, 1, 0.5f)), 1e-2);
  // The 2.0 bed's channels go to L and R unchanged.
  EXPECT_EQ(test::maxAbsDiff(r.channels[channelOf("7.1.4", "L")], test::noise(24000, 2, 0.3f)),
            0.0);
  EXPECT_EQ(test::maxAbsDiff(r.channels[channelOf("7.1.4", "R")], test::noise(24000, 3, 0.3f)),
            0.0);
  for (const char* silent : {"C", "LFE", "Lss", "Lrs", "Rrs", "Ltf", "Rtr"}) {
    EXPECT_EQ(test::energy(r.channels[channelOf("7.1.4", silent)]), 0.0) << silent;
  }
}

TEST_F(Engine, FiveOneBedFoldsIntoStereoWithoutLfe) {
  Session s = session(
      R"({"name": "bed", "type": "bed", "bed": "5.1", "clips": [{"file": "bed51.wav"}]})", "2.0");
  RenderedAudio r = renderToMemory(s, gpuOptions());
  ASSERT_EQ(r.channels.size(), 2u);
  // The bed's centre and surrounds have no speaker in 2.0, so the BS.2127 panner places them:
  // C at 0 degrees -> sqrt(1/2) each side; Ls at +110 -> sqrt(1/2) in L only (BS.2127 stereo).
  // That is BS.775's Lo/Ro: L' = L + 0.707 C + 0.707 Ls; LFE dropped.
  std::vector<std::vector<float>> in;
  for (std::uint32_t c = 0; c < 6; ++c) in.push_back(test::noise(12000, 10 + c, 0.3f));
  for (std::size_t i = 0; i < 12000; i += 997) {
    const double lo = in[0][i] + std::sqrt(0.5) * in[2][i] + std::sqrt(0.5) * in[4][i];
    const double ro = in[1][i] + std::sqrt(0.5) * in[2][i] + std::sqrt(0.5) * in[5][i];
    EXPECT_NEAR(r.channels[0][i], lo, 1e-5) << i;
    EXPECT_NEAR(r.channels[1][i], ro, 1e-5) << i;
  }
}

TEST_F(Engine, SevenOneBedIntoFiveOneFoldsTheRearsIntoTheSurrounds) {
  // One bed channel at a time (7.1 file order: L R C LFE Lrs Rrs Lss Rss) into 5.1 (L R C LFE Ls
  // Rs).
  auto render = [&](std::size_t active) {
    std::vector<std::vector<float>> eight(8, std::vector<float>(6000, 0.0f));
    eight[active] = test::noise(6000, 40, 0.2f);
    test::writeFloatWav(dir_ / "bed71.wav", eight, 48000);
    return renderToMemory(
        session(R"({"name": "bed", "type": "bed", "bed": "7.1", "clips": [{"file": "bed71.wav"}]})",
                "5.1"),
        gpuOptions());
  };
  const auto src = test::noise(6000, 40, 0.2f);
  // Lrs (M+135) has the same role as Ls (M+110): it goes there whole (BS.2127 mapping rules).
  RenderedAudio lrs = render(4);
  EXPECT_EQ(test::maxAbsDiff(lrs.channels[4], src), 0.0);
  for (int c : {0, 1, 2, 3, 5}) EXPECT_EQ(test::energy(lrs.channels[c]), 0.0) << c;
  // Lss (M+090) has no counterpart: panned at 90 degrees between L and Ls, power kept, none right.
  RenderedAudio lss = render(6);
  EXPECT_GT(test::energy(lss.channels[4]), test::energy(lss.channels[0]));
  EXPECT_NEAR(test::energy(lss.channels[0]) + test::energy(lss.channels[4]), test::energy(src),
              1e-3);
  for (int c : {1, 2, 3, 5}) EXPECT_EQ(test::energy(lss.channels[c]), 0.0) << c;
  // LFE goes to LFE.
  RenderedAudio lfe = render(3);
  EXPECT_EQ(test::maxAbsDiff(lfe.channels[3], src), 0.0);
}

// The same bytes for every block size, every number of decode-ahead threads (0: decoded in the
// block loop; otherwise each block's clips decode on workers while the one before mixes) and of
// row-reading threads (0: the loop reads every row).
TEST_F(Engine, OutputIsBitIdenticalForEveryBlockSizeAndThreadCount) {
  Session s = session(
      R"({"name": "dx", "position": {"azimuth": 10}, "clips": [{"file": "tone.wav", "start": 0.01, "length": 0.2, "fadeIn": 0.01, "fadeOut": 0.02, "fadeOutShape": "sCurve"}]},
                         {"name": "fly", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 0.3, "azimuth": 360, "elevation": 30}],
                          "clips": [{"file": "noise.wav", "offset": 0.1, "length": 0.3, "fadeIn": 0.005, "fadeInShape": "equalPower"}]},
                         {"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "stereo.wav", "start": 0.003, "length": 0.2}]})");
  RenderOptions one = gpuOptions(4096);
  one.decodeThreads = 0;
  one.readThreads = 0;
  RenderedAudio reference = renderToMemory(s, one);
  ASSERT_GT(reference.report.numFrames, 14000);
  for (auto [block, threads, readers] :
       {std::tuple{1, 0, 0}, {7, 3, 2}, {777, 0, 3}, {777, 1, 0}, {4096, 4, 5}}) {
    RenderOptions options = gpuOptions(block);
    options.decodeThreads = threads;
    options.readThreads = readers;
    RenderedAudio r = renderToMemory(s, options);
    ASSERT_EQ(r.channels.size(), reference.channels.size());
    for (std::size_t c = 0; c < r.channels.size(); ++c) {
      ASSERT_EQ(r.channels[c].size(), reference.channels[c].size());
      EXPECT_EQ(
          std::memcmp(r.channels[c].data(), reference.channels[c].data(), r.channels[c].size() * 4),
          0)
          << "block " << block << ", " << threads << " decode and " << readers
          << " read threads, channel " << c;
    }
  }
}

// Without a block size the render picks one from the most voices sounding at once (8192 up to
// 512 voices, smaller beyond so a block's samples stay within 16 MiB) and the bytes are those of
// any other block size.
TEST_F(Engine, TheBlockSizeIsChosenFromThePeakVoiceCount) {
  std::string many;
  for (int i = 0; i < 600; ++i) {
    many += std::string(i ? "," : "") + R"({"name": "v)" + std::to_string(i) +
            R"(", "position": {"azimuth": )" + std::to_string(i % 360 - 180) +
            R"(}, "clips": [{"file": "noise.wav", "start": )" + std::to_string(0.0001 * (i % 7)) +
            R"(, "length": 0.05}]})";
  }
  RenderOptions chosen = gpuOptions();
  chosen.blockFrames = 0;
  const RenderedAudio a = renderToMemory(session(many), chosen);
  EXPECT_EQ(a.report.peakVoices, 600);
  EXPECT_EQ(a.report.blockFrames, 4096);  // 600 x 8192 x 4 bytes would pass 16 MiB
  const RenderedAudio b = renderToMemory(session(many), gpuOptions(1024));
  EXPECT_EQ(b.report.blockFrames, 1024);
  ASSERT_EQ(a.channels.size(), b.channels.size());
  for (std::size_t c = 0; c < a.channels.size(); ++c) EXPECT_EQ(a.channels[c], b.channels[c]);
  const RenderedAudio few = renderToMemory(
      session(
          R"({"name": "dx", "clips": [{"file": "tone.wav"}, {"file": "noise.wav", "start": 1.0}]})"),
      chosen);
  EXPECT_EQ(few.report.peakVoices, 1);  // back to back, never together
  EXPECT_EQ(few.report.blockFrames, 8192);
}

// Clips taking channels of one poly file from the same offset and start share one decoder
// (ClipSourcePool): the render is the same bytes as with each channel in its own file, whatever
// the block size, including a clip that starts elsewhere (its own decoder) and a mapped bed.
TEST_F(Engine, ClipsSharingAPolyFileRenderAsSeparateFilesDo) {
  std::vector<std::vector<float>> poly;
  std::string polyTracks, monoTracks;
  for (std::uint32_t c = 0; c < 6; ++c) {
    poly.push_back(test::noise(30000, 90 + c, 0.3f));
    test::writeFloatWav(dir_ / ("mono" + std::to_string(c) + ".wav"), {poly.back()}, 48000);
    const std::string az = std::to_string(static_cast<int>(c) * 50 - 120);
    const std::string start = c == 5 ? "0.1" : "0.05";  // the last one starts elsewhere
    polyTracks += R"({"name": "p)" + std::to_string(c) + R"(", "position": {"azimuth": )" + az +
                  R"(}, "clips": [{"file": "poly.wav", "channel": )" + std::to_string(c) +
                  R"(, "start": )" + start + R"(, "offset": 0.02}]},)";
    monoTracks += R"({"name": "p)" + std::to_string(c) + R"(", "position": {"azimuth": )" + az +
                  R"(}, "clips": [{"file": "mono)" + std::to_string(c) + R"(.wav", "start": )" +
                  start + R"(, "offset": 0.02}]},)";
  }
  test::writeFloatWav(dir_ / "poly.wav", poly, 48000);
  test::writeFloatWav(dir_ / "pair.wav", {poly[0], poly[1]}, 48000);
  polyTracks +=
      R"({"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "poly.wav", "channels": [0, 1], "start": 0.05, "offset": 0.02}]})";
  monoTracks +=
      R"({"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "pair.wav", "start": 0.05, "offset": 0.02}]})";
  // pair.wav holds poly.wav's channels 0 and 1: the mapped bed reads the same from poly.wav.
  const RenderedAudio separate = renderToMemory(session(monoTracks), gpuOptions());
  for (std::int64_t block : {4096, 777}) {
    RenderOptions options = gpuOptions(block);
    options.decodeThreads = block == 777 ? 3 : 0;  // three workers in one shared decoder at once
    const RenderedAudio shared = renderToMemory(session(polyTracks), options);
    ASSERT_EQ(shared.channels.size(), separate.channels.size());
    for (std::size_t c = 0; c < shared.channels.size(); ++c)
      EXPECT_EQ(shared.channels[c], separate.channels[c]) << "channel " << c << ", block " << block;
  }
}

TEST_F(Engine, GpuEqualsCpuReferenceOnAWholeSession) {
  Session s = session(
      R"({"name": "dx", "gainDb": -3, "position": {"azimuth": 0}, "clips": [{"file": "tone.wav", "fadeIn": 0.1, "fadeOut": 0.2}]},
                         {"name": "fly", "positionKeys": [{"time": 0, "azimuth": 120, "elevation": 0}, {"time": 1, "azimuth": -200, "elevation": 40}],
                          "clips": [{"file": "noise.wav", "start": 0.2}, {"file": "noise.wav", "start": 0.6, "gainDb": -10}]},
                         {"name": "s", "position": {"x": 0.5, "y": -0.7, "z": 0.3}, "clips": [{"file": "stereo.wav", "channel": 1}]},
                         {"name": "wide", "position": {"azimuth": 60, "elevation": 15, "width": 90, "height": 30, "divergence": 0.3},
                          "gainKeys": [{"time": 0, "gainDb": -6}, {"time": 0.7, "gainDb": 0}], "clips": [{"file": "noise.wav", "start": 0.1}]},
                         {"name": "bed", "type": "bed", "bed": "5.1", "clips": [{"file": "bed51.wav", "start": 0.3}]})");
  RenderedAudio gpu = renderToMemory(s, gpuOptions(1000));
  RenderOptions reference;
  reference.device = "reference";
  reference.blockFrames = 1000;
  RenderedAudio ref = renderToMemory(s, reference);
  EXPECT_EQ(ref.report.device, "cpu-reference");
  EXPECT_EQ(ref.report.backend.name, "reference");
  // The native CPU backend: within 1e-5 of the reference too, and its own bits at any block size
  // and thread count (voices summed in the same order into every frame, each channel by one
  // thread; 5 voices x 4096 frames is enough work to share a mix's channels out).
  RenderOptions cpu = reference;
  cpu.device = "cpu";
  cpu.backendThreads = 0;
  RenderedAudio native = renderToMemory(s, cpu);
  EXPECT_EQ(native.report.backend.name, "cpu");
  cpu.blockFrames = 4096;
  cpu.backendThreads = 3;
  RenderedAudio nativeLong = renderToMemory(s, cpu);
  for (std::size_t c = 0; c < ref.channels.size(); ++c) {
    std::size_t where = 0;
    EXPECT_LE(test::maxAbsDiff(gpu.channels[c], ref.channels[c], &where), 1e-5)
        << "channel " << c << " frame " << where;
    EXPECT_LE(test::maxAbsDiff(native.channels[c], ref.channels[c], &where), 1e-5)
        << "cpu backend, channel " << c << " frame " << where;
    EXPECT_EQ(native.channels[c], nativeLong.channels[c])
        << "cpu backend, 3 threads, block 4096, channel " << c;
  }
}

TEST_F(Engine, MovingSineHasNoSteps) {
  // A 1 kHz sine circling the room once per second: consecutive output samples can differ by at
  // most the sine's own slope (2 pi f A / fs) plus what the gain ramp adds, never a gain step.
  Session s = session(
      R"({"name": "c", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 1, "azimuth": 360}],
                          "clips": [{"file": "tone.wav"}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions(512));
  const double slope = 2 * 3.14159265358979 * 1000.0 * 0.5 / 48000.0;
  double total = 0.0;
  for (const auto& ch : r.channels) {
    for (std::size_t i = 1; i < ch.size(); ++i) {
      ASSERT_LE(std::abs(ch[i] - ch[i - 1]), slope * 1.01) << "frame " << i;
    }
    total += test::energy(ch);
  }
  EXPECT_NEAR(total, test::energy(test::sine(48000, 1000.0, 48000, 0.5f)), 0.01 * total)
      << "power preserved";
}

// Power of a 1 kHz sine (480-frame windows hold exactly 10 periods) summed over all channels,
// relative to the source's, in dB, for every window.
std::vector<double> windowPowerDb(const RenderedAudio& r, double sourceAmplitude) {
  std::vector<double> out;
  const std::size_t frames = r.channels[0].size();
  const double source = sourceAmplitude * sourceAmplitude / 2.0 * 480.0;
  for (std::size_t w = 0; w + 480 <= frames; w += 480) {
    double e = 0.0;
    for (const auto& ch : r.channels) e += test::energy({ch.data() + w, 480});
    out.push_back(10.0 * std::log10(e / source));
  }
  return out;
}

TEST_F(Engine, SweepsKeepPowerWithinHalfADecibel) {
  for (const char* layout : {"7.1.4", "5.1", "9.1.6"}) {
    for (
        const char* keys :
        {R"([{"time": 0, "azimuth": 0}, {"time": 1, "azimuth": 360}])",
         R"([{"time": 0, "azimuth": 30, "elevation": -30}, {"time": 1, "azimuth": 30, "elevation": 90}])",
         R"([{"time": 0, "azimuth": 135, "elevation": 0}, {"time": 1, "azimuth": -45, "elevation": 60}])"}) {
      Session s = session(R"({"name": "sweep", "positionKeys": )" + std::string(keys) +
                              R"(, "clips": [{"file": "tone.wav"}]})",
                          layout);
      RenderedAudio r = renderToMemory(s, gpuOptions(1000));
      auto p = windowPowerDb(r, 0.5);
      ASSERT_FALSE(p.empty());
      for (std::size_t w = 0; w < p.size(); ++w) {
        ASSERT_NEAR(p[w], 0.0, 0.5) << layout << " " << keys << " window " << w;
      }
    }
  }
}

TEST_F(Engine, GainKeysAutomateTheLevelInDecibels) {
  Session s = session(
      R"({"name": "fade", "position": {"azimuth": 0}, "gainKeys": [{"time": 0, "gainDb": 0}, {"time": 1, "gainDb": -20}],
                          "clips": [{"file": "tone.wav"}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions(777));
  auto p = windowPowerDb(r, 0.5);
  ASSERT_EQ(p.size(), 100u);
  // Window w covers 10 ms around t = (w + 0.5) / 100 s, where the gain is -20 t dB.
  for (std::size_t w : {0u, 25u, 50u, 99u}) {
    EXPECT_NEAR(p[w], -20.0 * (static_cast<double>(w) + 0.5) / 100.0, 0.05) << "window " << w;
  }
}

TEST_F(Engine, RendersToAUserLayoutFile) {
  test::writeText(dir_ / "room.json", R"({"name": "Mix room", "speakers": [
    {"label": "M+030", "azimuth": 26}, {"label": "M-030", "azimuth": -34}, {"label": "M+000"}, {"label": "LFE1"},
    {"label": "M+110", "azimuth": 100}, {"label": "M-110", "azimuth": -120}]})");
  Session s =
      session(R"({"name": "a", "position": {"azimuth": 100}, "clips": [{"file": "noise.wav"}]})");
  RenderOptions o = gpuOptions();
  o.layout = (dir_ / "room.json").string();
  RenderedAudio r = renderToMemory(s, o);
  ASSERT_EQ(r.channels.size(), 6u);
  EXPECT_EQ(r.report.layout, "Mix room");
  // An object at the measured Ls position plays from Ls alone.
  EXPECT_NEAR(test::energy(r.channels[4]), test::energy(test::noise(24000, 1, 0.5f)), 1e-2);
  EXPECT_EQ(test::energy(r.channels[0]), 0.0);
}

TEST_F(Engine, MutedTracksAreSilent) {
  Session s = session(R"({"name": "m", "mute": true, "clips": [{"file": "noise.wav"}]},
                         {"name": "a", "position": {"azimuth": -30}, "clips": [{"file": "noise.wav", "start": 0.1}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions());
  EXPECT_EQ(test::energy(r.channels[0]), 0.0) << "muted track at centre-front must not reach L";
  EXPECT_GT(test::energy(r.channels[1]), 0.0);
}

TEST_F(Engine, ErrorsNameTheSessionField) {
  struct Case {
    std::string tracks, expected;
  };
  std::vector<Case> cases = {
      {R"({"name": "a", "clips": [{"file": "gone.wav"}]})", "tracks[0].clips[0].file: "},
      {R"({"name": "a", "clips": [{"file": "noise.wav"}, {"file": "stereo.wav"}]})",
       "tracks[0].clips[1].channel: stereo.wav has 2 channels"},
      {R"({"name": "a", "clips": [{"file": "stereo.wav", "channel": 5}]})",
       "tracks[0].clips[0].channel: "},
      {R"({"name": "a", "clips": [{"file": "noise.wav", "length": 3}]})",
       "tracks[0].clips[0].length: is longer than"},
      {R"({"name": "a", "clips": [{"file": "noise.wav", "offset": 9}]})",
       "tracks[0].clips[0].offset: "},
      {R"({"name": "a", "type": "bed", "bed": "5.1", "clips": [{"file": "stereo.wav"}]})",
       "tracks[0].clips[0].file: stereo.wav has 2 channel(s); bed 5.1 needs 6"},
      {R"({"name": "a", "type": "bed", "bed": "13.1", "clips": []})",
       "tracks[0].bed: unknown layout"},
  };
  for (const Case& c : cases) {
    Session s = session(c.tracks);
    EXPECT_THAT([&] { renderToMemory(s, gpuOptions()); },
                ::testing::ThrowsMessage<InputError>(HasSubstr("s.json: " + c.expected)))
        << c.tracks;
  }
  Session unknownLayout = session(R"({"name": "a", "clips": []})", "6.1");
  EXPECT_THAT(
      [&] { renderToMemory(unknownLayout, gpuOptions()); },
      ::testing::ThrowsMessage<InputError>(HasSubstr("s.json: layout: unknown layout \"6.1\"")));
}

TEST_F(Engine, StemsSumExactlyToTheMix) {
  Session s = session(
      R"({"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "clips": [{"file": "tone.wav", "fadeIn": 0.1}]},
                         {"name": "fx", "positionKeys": [{"time": 0, "azimuth": 90}, {"time": 1, "azimuth": -90}], "clips": [{"file": "noise.wav", "start": 0.2}]},
                         {"name": "mx", "stem": "music", "type": "bed", "bed": "2.0", "clips": [{"file": "stereo.wav", "start": 0.1}]},
                         {"name": "foley", "stem": "foley", "position": {"azimuth": -30}, "clips": [{"file": "noise.wav", "start": 0.5}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions(1000));
  ASSERT_EQ(r.stemNames, (std::vector<std::string>{"dialogue", "music", "effects", "foley"}));
  for (std::size_t c = 0; c < r.channels.size(); ++c) {
    for (std::size_t i = 0; i < r.channels[c].size(); ++i) {
      float sum = 0.0f;
      for (const auto& stem : r.stems) sum += stem[c][i];  // the engine's order: stem order
      ASSERT_EQ(sum, r.channels[c][i]) << "channel " << c << " frame " << i;
    }
  }
  // Each stem holds only its own tracks: dialogue is the centre tone alone.
  const int centre = channelOf("7.1.4", "C");
  EXPECT_GT(test::energy(r.stems[0][centre]), 0.0);
  EXPECT_EQ(test::energy(r.stems[0][0]), 0.0);
  ASSERT_EQ(r.report.stems.size(), 4u);
  EXPECT_LT(r.report.stems[0].loudness.integratedLufs, r.report.mix.integratedLufs);
}

TEST_F(Engine, MixLoudnessAgreesWithLibebur128) {
  // A real mix from the engine (moving objects, bed, fades), metered by vkmix and by libebur128.
  Session s = session(
      R"({"name": "dx", "position": {"azimuth": 0}, "clips": [{"file": "tone.wav", "fadeIn": 0.1, "gainDb": -6}]},
                         {"name": "fly", "positionKeys": [{"time": 0, "azimuth": 120}, {"time": 1, "azimuth": -120, "elevation": 30}], "clips": [{"file": "noise.wav", "start": 0.3}]},
                         {"name": "bed", "type": "bed", "bed": "5.1", "clips": [{"file": "bed51.wav", "start": 0.2}]})");
  RenderedAudio r = renderToMemory(s, gpuOptions());
  const Layout& l = *findLayout("7.1.4");
  const int types[12] = {EBUR128_Mp030, EBUR128_Mm030, EBUR128_Mp000, EBUR128_UNUSED,
                         EBUR128_Mp135, EBUR128_Mm135, EBUR128_Mp090, EBUR128_Mm090,
                         EBUR128_Up045, EBUR128_Um045, EBUR128_Up135, EBUR128_Um135};
  ebur128_state* st = ebur128_init(12, 48000, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
  for (unsigned c = 0; c < 12; ++c) ebur128_set_channel(st, c, types[c]);
  const std::size_t frames = r.channels[0].size();
  std::vector<float> interleaved(frames * 12);
  for (std::size_t i = 0; i < frames; ++i)
    for (int c = 0; c < l.numChannels(); ++c) interleaved[i * 12 + c] = r.channels[c][i];
  ebur128_add_frames_float(st, interleaved.data(), frames);
  double theirs = 0;
  ebur128_loudness_global(st, &theirs);
  ebur128_destroy(&st);
  EXPECT_NEAR(r.report.mix.integratedLufs, theirs, 0.1);
  EXPECT_GT(r.report.mix.integratedLufs, -40.0);
}

}  // namespace
}  // namespace vkmix
