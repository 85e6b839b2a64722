// The vkmix binary as a user runs it: render to files ffprobe understands, per-channel energies as
// the session says, one-line errors with a non-zero exit and nothing left behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "io/decoder.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/layout.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Cli : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::filesystem::create_directories(dir_ / "media");
    test::writeFloatWav(dir_ / "media/a.wav", {test::noise(48000, 5, 0.4f)}, 48000);
    test::writeFloatWav(dir_ / "media/b.wav", {test::noise(24000, 6, 0.4f)}, 48000);
    test::writeText(dir_ / "s.json",
                    R"({"vkmix": 1, "sampleRate": 48000, "layout": "7.1.4", "tracks": [
      {"name": "left", "position": {"azimuth": 30}, "clips": [{"file": "media/a.wav"}]},
      {"name": "top", "position": {"azimuth": -135, "elevation": 30}, "clips": [{"file": "media/b.wav", "start": 0.5, "gainDb": -6}]}]})");
  }
  int vkmix(const std::string& args, std::string* out) {
    return test::runCommand(std::string(VKMIX_BINARY) + " " + args, out);
  }
  test::ScratchDir dir_;
};

TEST_F(Cli, RendersA714WavThatFfprobeReadsWithTheRightLayout) {
  std::string out;
  const auto wav = dir_ / "mix.wav";
  ASSERT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + wav.string(), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("device: "));
  EXPECT_THAT(out, HasSubstr(wav.string()));
  std::string probe;
  ASSERT_EQ(test::runCommand("ffprobe -v error -show_entries "
                             "stream=channels,channel_layout,sample_rate,bits_per_raw_sample,codec_"
                             "name -of default=nw=1 " +
                                 wav.string(),
                             &probe),
            0);
  EXPECT_THAT(probe, HasSubstr("channels=12"));
  // FFmpeg 5.1 has no name for 7.1.4, so it spells the mask out.
  EXPECT_THAT(probe, HasSubstr("(FL+FR+FC+LFE+BL+BR+SL+SR+TFL+TFR+TBL+TBR)"));
  EXPECT_THAT(probe, HasSubstr("codec_name=pcm_s24le"));
  EXPECT_THAT(probe, HasSubstr("sample_rate=48000"));

  // Energies: "left" only in L (channel 0); "top" at U-135 only in Rtr (channel 11), 6 dB down.
  io::DecodedAudio d = io::decodeAudio(wav, 48000);
  ASSERT_EQ(d.channels.size(), 12u);
  EXPECT_EQ(d.numFrames(), 48000);
  const double ea = test::energy(test::noise(48000, 5, 0.4f));
  const double eb = test::energy(test::noise(24000, 6, 0.4f)) * 0.25119;
  for (int c = 0; c < 12; ++c) {
    double e = test::energy(d.channels[c]);
    if (c == 0) {
      EXPECT_NEAR(e, ea, ea * 1e-4);
    } else if (c == 11) {
      EXPECT_NEAR(e, eb, eb * 1e-4);
    } else {
      EXPECT_LT(e, 1e-9) << "channel " << c;
    }
  }
}

TEST_F(Cli, ReRendersToFiveOneFlacAndStereoFloat) {
  std::string out;
  ASSERT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "m.flac").string() +
                      " --layout 5.1 -q",
                  &out),
            0)
      << out;
  std::string probe;
  test::runCommand(
      "ffprobe -v error -show_entries stream=channels,channel_layout,codec_name -of default=nw=1 " +
          (dir_ / "m.flac").string(),
      &probe);
  EXPECT_THAT(probe, HasSubstr("codec_name=flac"));
  EXPECT_THAT(probe, HasSubstr("channels=6"));
  EXPECT_THAT(probe, HasSubstr("channel_layout=5.1"));
  ASSERT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "st.wav").string() +
                      " --layout 2.0 --format wav32f --device cpu -q",
                  &out),
            0)
      << out;
  test::runCommand("ffprobe -v error -show_entries stream=channels,codec_name -of default=nw=1 " +
                       (dir_ / "st.wav").string(),
                   &probe);
  EXPECT_THAT(probe, HasSubstr("codec_name=pcm_f32le"));
  EXPECT_THAT(probe, HasSubstr("channels=2"));
  // Decode-ahead workers (none by default on a 2-core machine) change nothing in the file.
  ASSERT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "st3.wav").string() +
                      " --layout 2.0 --format wav32f --device cpu --decode-threads 3 -q",
                  &out),
            0)
      << out;
  EXPECT_EQ(
      test::runCommand("cmp " + (dir_ / "st.wav").string() + " " + (dir_ / "st3.wav").string()), 0);
  EXPECT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "x.wav").string() +
                      " --decode-threads -1 -q",
                  &out),
            2)
      << out;
}

TEST_F(Cli, BadInputIsOneLineNonZeroAndLeavesNothing) {
  struct Case {
    std::string args, expected;
    int code;
  };
  test::writeText(
      dir_ / "bad.json",
      R"({"vkmix": 1, "tracks": [{"name": "x", "clips": [{"file": "media/missing.wav"}]}]})");
  test::writeText(dir_ / "typo.json", R"({"vkmix": 1, "tracks": [{"name": "x", "clip": []}]})");
  const std::string out = (dir_ / "out.wav").string();
  std::vector<Case> cases = {
      {"render " + (dir_ / "bad.json").string() + " -o " + out,
       "bad.json: tracks[0].clips[0].file: ", 1},
      {"render " + (dir_ / "typo.json").string() + " -o " + out,
       "typo.json: tracks[0].clips: is required (is \"clip\" a misspelling?)", 1},
      {"render " + (dir_ / "s.json").string() + " -o " + out + " --layout 6.1",
       "--layout: unknown layout \"6.1\"", 1},
      {"render " + (dir_ / "s.json").string() + " -o " + (dir_ / "x.flac").string(),
       "FLAC holds at most 8 channels", 1},
      {"render " + (dir_ / "s.json").string() + " -o " + out + " --format mp9",
       "--format: \"mp9\" is not one of", 1},
      {"render " + (dir_ / "s.json").string() + " -o " + out + " --device nosuchgpu", "nosuchgpu",
       3},
      {"render " + (dir_ / "s.json").string() + " -o " + (dir_ / "nodir/o.wav").string(),
       "the output folder does not exist", 1},
      {"render " + (dir_ / "nothere.json").string() + " -o " + out, "nothere.json: cannot open", 1},
  };
  for (const Case& c : cases) {
    std::string text;
    int rc = vkmix(c.args, &text);
    EXPECT_EQ(rc, c.code) << c.args << "\n" << text;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.args;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "media" || name.ends_with(".json")) << "left behind: " << name;
  }
}

// A write that fails mid-file (the disk fills): simulated with a file-size limit, which makes
// write() fail with EFBIG at 100 KB as ENOSPC would. One line, exit 4, nothing left behind.
// `--range` writes exactly the frames of the full render (mix and stems, as float), the reverb
// warmed up from before the range; the report's duration is the range's.
TEST_F(Cli, RangeWritesExactlyThoseFramesOfTheFullRender) {
  std::vector<float> ir = test::noise(30000, 7, 0.3f);
  for (std::size_t i = 0; i < ir.size(); ++i) ir[i] *= 1.0f - static_cast<float>(i) / 30000.0f;
  test::writeFloatWav(dir_ / "media/ir.wav", {ir}, 48000);
  test::writeText(dir_ / "r.json",
                  R"({"vkmix": 1, "sampleRate": 48000, "layout": "5.1",
    "reverbs": [{"name": "room", "ir": "media/ir.wav"}], "tracks": [
      {"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "sends": [{"reverb": "room"}],
       "clips": [{"file": "media/a.wav", "fadeIn": 0.3, "fadeOut": 0.2}]},
      {"name": "fx", "stem": "effects", "position": {"azimuth": 110},
       "clips": [{"file": "media/b.wav", "start": 0.6}]}]})");
  const std::string session = (dir_ / "r.json").string() + " --format wav32f -q";
  std::string out;
  ASSERT_EQ(vkmix("render " + session + " -o " + (dir_ / "full.wav").string() + " --stems " +
                      (dir_ / "full").string(),
                  &out),
            0)
      << out;
  const io::DecodedAudio full = io::decodeAudio(dir_ / "full.wav", 48000);
  const io::DecodedAudio fullDx = io::decodeAudio(dir_ / "full/dialogue.wav", 48000);
  ASSERT_GT(full.numFrames(), 48000 + 20000);  // the reverb's tail
  struct Case {
    std::string range;
    std::int64_t start, end;
  };
  const Case cases[] = {{"0.25:0.75", 12000, 36000},
                        {"00:00:00.400:00:00:01.010", 19200, 48480},
                        {"1.2:", 57600, full.numFrames()},
                        {"0.5:99", 24000, full.numFrames()}};
  for (const Case& c : cases) {
    const auto wav = dir_ / "range.wav";
    const auto stems = dir_ / "stems";
    ASSERT_EQ(vkmix("render " + session + " -y -o " + wav.string() + " --stems " + stems.string() +
                        " --range " + c.range + " --report " + (dir_ / "r.json.report").string(),
                    &out),
              0)
        << c.range << ": " << out;
    const io::DecodedAudio got = io::decodeAudio(wav, 48000);
    const io::DecodedAudio gotDx = io::decodeAudio(stems / "dialogue.wav", 48000);
    ASSERT_EQ(got.numFrames(), c.end - c.start) << c.range;
    for (std::size_t ch = 0; ch < got.channels.size(); ++ch) {
      const auto from = full.channels[ch].begin() + c.start;
      EXPECT_TRUE(std::equal(got.channels[ch].begin(), got.channels[ch].end(), from))
          << c.range << " channel " << ch;
      const auto fromDx = fullDx.channels[ch].begin() + c.start;
      EXPECT_TRUE(std::equal(gotDx.channels[ch].begin(), gotDx.channels[ch].end(), fromDx))
          << c.range << " dialogue stem channel " << ch;
    }
    std::ifstream report(dir_ / "r.json.report");
    const nlohmann::json j = nlohmann::json::parse(report);
    EXPECT_DOUBLE_EQ(j["durationSeconds"].get<double>(),
                     static_cast<double>(c.end - c.start) / 48000.0)
        << c.range;
    EXPECT_DOUBLE_EQ(j["startSeconds"].get<double>(), static_cast<double>(c.start) / 48000.0)
        << c.range;
  }
}

// A bad --range is one line naming it, exit 1, and no output.
TEST_F(Cli, BadRangesAreOneLineErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"1.5", "expected START:END"},
      {"abc:2", "START must be seconds"},
      {"1:x", "END must be seconds"},
      {"-1:2", "START must not be negative"},
      {"1:-2", "END must not be negative"},
      {"2:1", "must be after START"},
      {"1:1", "must be after START"},
      {"00:00:01:2", "expected START:END"},
      {"00:61:00:00:62:00", "START must be seconds"},
      {"1e3:1e4", "START must be seconds"},
      {"nan:5", "START must be seconds"},
      {"30:40", "past the render's end"}};
  for (const auto& [range, problem] : cases) {
    std::string out;
    EXPECT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "bad.wav").string() +
                        " --range " + range + " 2>&1",
                    &out),
              1)
        << range << ": " << out;
    EXPECT_THAT(out, HasSubstr("--range")) << range;
    EXPECT_THAT(out, HasSubstr(problem)) << range << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << range << ": " << out;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.wav")) << range;
  }
  std::string out;
  EXPECT_EQ(vkmix("render " + (dir_ / "s.json").string() + " -o " + (dir_ / "bad.wav").string() +
                      " --range 0:0.5 --loudness-target -24 2>&1",
                  &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("--range")) << out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.wav"));
}

TEST_F(Cli, AWriteFailingMidFileLeavesNothing) {
  std::string text;
  const int rc = vkmix("render " + (dir_ / "s.json").string() + " -o " +
                           (dir_ / "out.wav").string() + " --stems " + (dir_ / "stems").string(),
                       &text);
  ASSERT_EQ(rc, 0) << text;  // the same render fits without the limit
  std::filesystem::remove_all(dir_ / "stems");
  std::filesystem::remove(dir_ / "out.wav");
  const int limited = test::runCommand("ulimit -f 200; " + std::string(VKMIX_BINARY) + " render " +
                                           (dir_ / "s.json").string() + " -o " +
                                           (dir_ / "out.wav").string() + " 2>&1",
                                       &text);
  EXPECT_EQ(limited, 4) << text;
  EXPECT_THAT(text, HasSubstr("out.wav: cannot write: File too large"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "media" || name.ends_with(".json")) << "left behind: " << name;
  }
}

// No Vulkan driver at all: a render that names a Vulkan device gets one line saying so and what
// to do, exit 3 (GPU), nothing written; without --device the native CPU backend renders. Both of
// the loader's variables name no driver: VK_DRIVER_FILES, where the environment sets it, wins over
// VK_ICD_FILENAMES.
TEST_F(Cli, NoVulkanDriverIsAClearErrorAndTheCpuStillRenders) {
  const std::string render =
      "render " + (dir_ / "s.json").string() + " -o " + (dir_ / "out.wav").string();
  const std::string noDriver =
      "VK_DRIVER_FILES=/nonexistent.json VK_ICD_FILENAMES=/nonexistent.json ";
  std::string text;
  // A Vulkan device asked for by name: one line saying why not, and what renders instead.
  const int rc = test::runCommand(
      noDriver + std::string(VKMIX_BINARY) + " " + render + " --device llvmpipe 2>&1", &text);
  EXPECT_EQ(rc, 3) << text;
  EXPECT_THAT(text, HasSubstr("no usable Vulkan driver"));
  EXPECT_THAT(text, HasSubstr("--device cpu"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav"));
  // Without --device, a machine with no GPU renders on the native CPU backend.
  EXPECT_EQ(test::runCommand(noDriver + std::string(VKMIX_BINARY) + " " + render + " 2>&1", &text),
            0)
      << text;
  EXPECT_THAT(text, HasSubstr("backend: cpu"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out.wav"));
  EXPECT_EQ(test::runCommand(noDriver + std::string(VKMIX_BINARY) + " devices", &text), 0) << text;
  EXPECT_THAT(text, HasSubstr("native CPU backend"));
  EXPECT_THAT(text, HasSubstr("[the default: no GPU]"));
}

// GPU faults mid-render, injected through the real failure paths (VKMIX_GPU_FAULT): a device lost
// at the 20th submission, device memory exhausted at the first and the fourth (last, during the
// first block) allocation. Each is one line naming the step and the Vulkan error, exit 3, and no
// mix or stem file left behind.
TEST_F(Cli, GpuFaultsMidRenderAreOneLineAndLeaveNothing) {
  for (const std::string fault : {"device-lost@20", "out-of-memory@1", "out-of-memory@4"}) {
    std::string text;
    const int rc = test::runCommand(
        "VKMIX_GPU_FAULT=" + fault + " " + std::string(VKMIX_BINARY) + " render " +
            (dir_ / "s.json").string() + " -o " + (dir_ / "out.wav").string() + " --stems " +
            (dir_ / "stems").string() + " --block 1024" + deviceArg() + " 2>&1",
        &text);
    EXPECT_EQ(rc, 3) << fault << ": " << text;
    EXPECT_THAT(
        text, HasSubstr(fault.starts_with("device") ? "ErrorDeviceLost" : "ErrorOutOfDeviceMemory"))
        << fault;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav")) << fault;
    if (std::filesystem::exists(dir_ / "stems")) {
      EXPECT_TRUE(std::filesystem::is_empty(dir_ / "stems")) << fault;
      std::filesystem::remove(dir_ / "stems");
    }
  }
}

TEST_F(Cli, InterruptsStopCleanlyAndLeaveNothing) {
  // A render long enough to interrupt: eight moving objects, each playing its 30 s file four times.
  std::string tracks;
  for (int t = 0; t < 8; ++t) {
    test::writeFloatWav(dir_ / ("media/n" + std::to_string(t) + ".wav"),
                        {test::noise(48000 * 30, 50 + t, 0.1f)}, 48000);
    tracks +=
        std::string(t ? "," : "") + R"({"name": "o)" + std::to_string(t) +
        R"(", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 120, "azimuth": 720}], "clips": [)";
    for (int c = 0; c < 4; ++c) {
      tracks += std::string(c ? "," : "") + R"({"file": "media/n)" + std::to_string(t) +
                R"(.wav", "start": )" + std::to_string(30 * c) + "}";
    }
    tracks += "]}";
  }
  test::writeText(dir_ / "long.json", R"({"vkmix": 1, "tracks": [)" + tracks + "]}");
  for (auto [signal, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
    std::string out;
    // The signal goes once the render's temporary output exists, so it lands mid-render however
    // fast the machine renders.
    const int rc = test::runCommand(
        "cd " + dir_.path().string() + " && { " + VKMIX_BINARY +
            " render long.json -o long.wav & pid=$!; for i in $(seq 600); do "
            "ls .long.vkmix-tmp-* >/dev/null 2>&1 && break; sleep 0.05; done; kill -" +
            signal + " $pid; wait $pid; }",
        &out);
    EXPECT_EQ(rc, code) << signal << ": " << out;
    EXPECT_THAT(out, HasSubstr("interrupted; no output was written"));
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(name == "media" || name.ends_with(".json")) << signal << " left behind: " << name;
    }
  }
}

TEST_F(Cli, DevicesLayoutsAndHelp) {
  std::string out;
  EXPECT_EQ(vkmix("devices", &out), 0);
  EXPECT_THAT(out, HasSubstr(deviceName()));
  EXPECT_EQ(vkmix("layouts", &out), 0);
  EXPECT_THAT(out, HasSubstr("7.1.4"));
  EXPECT_THAT(out, HasSubstr("Ltr(U+135)"));
  EXPECT_THAT(out, HasSubstr("\nbinaural -       2 ch  mask 0x00003   L(left ear) R(right ear)"));
  EXPECT_EQ(vkmix("--help", &out), 0);
  EXPECT_THAT(out, HasSubstr("render"));
  EXPECT_NE(vkmix("", &out), 0);
  EXPECT_NE(vkmix("render", &out), 0);
}

// The double-precision path's old name still renders on it, for one release, with a note naming
// the new one; the bytes are --device reference's.
TEST_F(Cli, CpuReferenceIsStillTheReferenceWithANote) {
  std::string out;
  const std::string render = "render " + (dir_ / "s.json").string() + " -o ";
  ASSERT_EQ(vkmix(render + (dir_ / "old.wav").string() + " --device cpu-reference 2>&1", &out), 0)
      << out;
  EXPECT_THAT(out, HasSubstr("--device cpu-reference is now --device reference"));
  EXPECT_THAT(out, HasSubstr("backend: reference"));
  ASSERT_EQ(vkmix(render + (dir_ / "new.wav").string() + " --device reference 2>&1", &out), 0)
      << out;
  EXPECT_THAT(out, Not(HasSubstr("is now")));
  std::ifstream a(dir_ / "old.wav", std::ios::binary), b(dir_ / "new.wav", std::ios::binary);
  const std::string oldBytes{std::istreambuf_iterator<char>(a), {}};
  const std::string newBytes{std::istreambuf_iterator<char>(b), {}};
  EXPECT_FALSE(oldBytes.empty());
  EXPECT_TRUE(oldBytes == newBytes);
}

// The report's "backend" object: what the render asked of its device, on any device (issue 25's
// figures). Chunks cover the render; the Vulkan backend submits a chunk's mixes together (one
// submission a chunk here: no reverb or denoise) and moves bytes both ways, the CPU backends
// neither; vkmix's own threads include the block loop's.
TEST_F(Cli, TheReportSaysWhatTheBackendDid) {
  // Two stems: two mixes a chunk, which Vulkan submits together.
  test::writeText(dir_ / "s2.json",
                  R"({"vkmix": 1, "sampleRate": 48000, "layout": "7.1.4", "tracks": [
      {"name": "left", "stem": "dialogue", "position": {"azimuth": 30}, "clips": [{"file": "media/a.wav"}]},
      {"name": "top", "stem": "effects", "position": {"azimuth": -135, "elevation": 30}, "clips": [{"file": "media/b.wav", "start": 0.5}]}]})");
  for (const std::string device : {"", "cpu", "reference"}) {
    std::string out;
    const auto report = dir_ / ("r" + device + ".json");
    ASSERT_EQ(vkmix("render " + (dir_ / "s2.json").string() + " -o " +
                        (dir_ / ("o" + device + ".wav")).string() + " --block 4096 --report " +
                        report.string() + (device.empty() ? deviceArg() : " --device " + device),
                    &out),
              0)
        << out;
    const std::string name = device.empty() ? "vulkan" : device;
    EXPECT_THAT(out, HasSubstr("backend: " + name));
    std::ifstream in(report);
    const nlohmann::json b = nlohmann::json::parse(in)["backend"];
    EXPECT_EQ(b["name"], name);
    EXPECT_EQ(b["chunkFrames"], 4096);
    EXPECT_EQ(b["chunks"], (48000 + 4095) / 4096) << "one second of audio";
    if (device.empty()) {
      EXPECT_EQ(b["submissions"].get<int>(), b["chunks"].get<int>()) << "one submission a chunk";
      EXPECT_GT(b["hostToDeviceBytes"].get<std::int64_t>(), 48000 * 4);
      EXPECT_GE(b["deviceToHostBytes"].get<std::int64_t>(), 48000 * 12 * 4);
    } else {
      EXPECT_EQ(b["submissions"], 0);
      EXPECT_EQ(b["hostToDeviceBytes"], 0);
    }
    EXPECT_GT(b["loopCpuSeconds"].get<double>(), 0.0);
    EXPECT_GE(b["hostCpuSeconds"].get<double>(), b["loopCpuSeconds"].get<double>());
    EXPECT_TRUE(b["stageSeconds"].contains("mix"));
  }
}

// A reverb's convolution goes in the submission of the chunk that completes its span (the last
// chunk's too, for the tail): on Vulkan still one submission a chunk, with two sends into a
// true-stereo bus and a tail past the last clip; every chunk here mixes or ends the render. The
// wet mix is the same as the reference's within the convolution's bound.
TEST_F(Cli, AReverbIsConvolvedInTheChunksOwnSubmission) {
  test::writeFloatWav(dir_ / "media/ir.wav",
                      {test::noise(4000, 7, 0.3f), test::noise(4000, 8, 0.3f)}, 48000);
  test::writeText(dir_ / "wet.json",
                  R"({"vkmix": 1, "sampleRate": 48000, "layout": "7.1.4",
      "reverbs": [{"name": "room", "ir": "media/ir.wav"}],
      "tracks": [
      {"name": "left", "stem": "dialogue", "position": {"azimuth": 30}, "sends": [{"reverb": "room", "levelDb": -6}], "clips": [{"file": "media/a.wav"}]},
      {"name": "top", "stem": "effects", "position": {"azimuth": -135, "elevation": 30}, "sends": [{"reverb": "room"}], "clips": [{"file": "media/b.wav", "start": 0.5}]}]})");
  std::vector<std::vector<float>> mixes;
  for (const std::string device : {"", "reference"}) {
    std::string out;
    const auto report = dir_ / ("wet-report" + device + ".json");
    const auto wav = dir_ / ("wet" + device + ".wav");
    ASSERT_EQ(vkmix("render " + (dir_ / "wet.json").string() + " -o " + wav.string() +
                        " --format wav32f --block 4096 --report " + report.string() +
                        (device.empty() ? deviceArg() : " --device " + device),
                    &out),
              0)
        << out;
    std::ifstream in(report);
    const nlohmann::json b = nlohmann::json::parse(in)["backend"];
    if (device.empty()) {
      ASSERT_EQ(b["name"], "vulkan");
      EXPECT_GT(b["chunks"].get<int>(), (48000 + 4095) / 4096) << "the reverb's tail";
      EXPECT_EQ(b["submissions"].get<int>(), b["chunks"].get<int>()) << "one submission a chunk";
    }
    const io::DecodedAudio d = io::decodeAudio(wav, 48000);
    mixes.push_back({});
    for (const auto& channel : d.channels)
      mixes.back().insert(mixes.back().end(), channel.begin(), channel.end());
  }
  ASSERT_EQ(mixes[0].size(), mixes[1].size());
  double error = 0.0, signal = 0.0;
  for (std::size_t i = 0; i < mixes[0].size(); ++i) {
    error += (mixes[0][i] - mixes[1][i]) * static_cast<double>(mixes[0][i] - mixes[1][i]);
    signal += mixes[1][i] * static_cast<double>(mixes[1][i]);
  }
  EXPECT_GT(signal, 0.0);
  EXPECT_LT(10.0 * std::log10(error / signal), -100.0) << "vulkan against the reference";
}

// A denoised track's premix and denoising go in the work of the chunk that plays them, its signal
// from the denoiser into the mixes' rows on the device: at most one submission a chunk (the
// denoiser's own chunks are 8192 frames: before, each was a submission of its own), beside a
// reverb, with chunks shorter and longer than the denoiser's (chunks with no denoising, and chunks
// with several) and the same bytes for each; within the convolution's bound of the reference. A
// track too loud for the denoiser's FFT is refused as on the host.
TEST_F(Cli, ADenoisedTrackIsDenoisedInTheChunksOwnSubmission) {
  test::writeFloatWav(dir_ / "media/ir.wav",
                      {test::noise(4000, 7, 0.3f), test::noise(4000, 8, 0.3f)}, 48000);
  test::writeText(dir_ / "dx.json",
                  R"({"vkmix": 1, "sampleRate": 48000, "layout": "7.1.4",
      "reverbs": [{"name": "room", "ir": "media/ir.wav"}],
      "tracks": [
      {"name": "dx", "stem": "dialogue", "gainDb": -3, "position": {"azimuth": 30}, "denoise": {"reductionDb": 12},
       "sends": [{"reverb": "room", "levelDb": -6}], "clips": [{"file": "media/a.wav", "gainDb": -2}]},
      {"name": "top", "stem": "effects", "position": {"azimuth": -135, "elevation": 30}, "sends": [{"reverb": "room"}], "clips": [{"file": "media/b.wav", "start": 0.5}]}]})");
  std::vector<std::string> bytes;
  std::vector<std::vector<float>> mixes;
  for (const std::string run : {"1024", "4096", "20000", "reference"}) {
    const bool reference = run == "reference";
    std::string out;
    const auto report = dir_ / ("dx-report" + run + ".json");
    const auto wav = dir_ / ("dx" + run + ".wav");
    ASSERT_EQ(vkmix("render " + (dir_ / "dx.json").string() + " -o " + wav.string() +
                        " --format wav32f --report " + report.string() +
                        (reference ? " --device reference" : " --block " + run + deviceArg()),
                    &out),
              0)
        << out;
    std::ifstream in(report);
    const nlohmann::json b = nlohmann::json::parse(in)["backend"];
    if (!reference) {
      ASSERT_EQ(b["name"], "vulkan");
      // Every chunk that plays the clips submits once; those of the reverb's tail that
      // complete no span have nothing to submit.
      const int block = std::stoi(run);
      EXPECT_LE(b["submissions"].get<int>(), b["chunks"].get<int>()) << "block " << run;
      EXPECT_GE(b["submissions"].get<int>(), (48000 + block - 1) / block) << "block " << run;
      std::ifstream file(wav, std::ios::binary);
      bytes.emplace_back(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
      EXPECT_TRUE(bytes.back() == bytes.front()) << "block " << run;
    }
    const io::DecodedAudio d = io::decodeAudio(wav, 48000);
    mixes.push_back({});
    for (const auto& channel : d.channels)
      mixes.back().insert(mixes.back().end(), channel.begin(), channel.end());
  }
  ASSERT_EQ(mixes.front().size(), mixes.back().size());
  double error = 0.0, signal = 0.0;
  for (std::size_t i = 0; i < mixes.front().size(); ++i) {
    const double e = mixes.front()[i] - static_cast<double>(mixes.back()[i]);
    error += e * e;
    signal += mixes.back()[i] * static_cast<double>(mixes.back()[i]);
  }
  EXPECT_GT(signal, 0.0);
  EXPECT_LT(10.0 * std::log10(error / signal), -100.0) << "vulkan against the reference";

  std::vector<float> loud(24000, 1e16f);
  test::writeFloatWav(dir_ / "media/loud.wav", {loud}, 48000);
  test::writeText(dir_ / "loud.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [
      {"name": "dx", "denoise": {}, "clips": [{"file": "media/loud.wav", "start": 0.5}]}]})");
  for (const std::string& device : {deviceArg(), std::string(" --device cpu")}) {
    std::string out;
    EXPECT_NE(vkmix("render " + (dir_ / "loud.json").string() + " -o " +
                        (dir_ / "loud.wav").string() + device,
                    &out),
              0);
    EXPECT_THAT(out,
                HasSubstr("the denoiser's input on track \"dx\" carries samples beyond +-1e15"))
        << device;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "loud.wav")) << device;
  }
}

}  // namespace
}  // namespace vkmix
