// The bad-input corpus (issue 10): media and values from many hands, each rendered by the vkmix
// binary. Every case is one line naming the file and the field, a non-zero exit, and nothing
// left behind (no output, no temporary).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

class BadInput : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    test::writeFloatWav(dir_ / "good.wav", {test::noise(48000, 1, 0.3f)}, 48000);
    test::writeFloatWav(dir_ / "stereo.wav", {test::noise(4800, 2), test::noise(4800, 3)}, 48000);
    // Truncated: the header promises 48000 frames, the file stops after 9000.
    std::ifstream in(dir_ / "good.wav", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const std::size_t data = bytes.find("data") + 8;
    std::ofstream(dir_ / "trunc.wav", std::ios::binary) << bytes.substr(0, data + 9000 * 4);
    std::ofstream(dir_ / "corrupt.wav", std::ios::binary) << std::string(3000, '\x5a');
    std::ofstream(dir_ / "empty.wav", std::ios::binary).flush();
    std::vector<float> nan(4800, 0.1f);
    nan[100] = std::numeric_limits<float>::quiet_NaN();
    test::writeFloatWav(dir_ / "nan.wav", {nan}, 48000);
  }
  // Renders a session whose one track is `track`; returns the exit code and the output text.
  int render(const std::string& session, std::string* text) {
    test::writeText(dir_ / "s.json", session);
    return test::runCommand(std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string() +
                                " -o " + (dir_ / "out.wav").string() + " 2>&1",
                            text);
  }
  static std::string track(const std::string& body, const std::string& top = "") {
    return R"({"vkmix": 1, "layout": "2.0", )" + top + R"("tracks": [{"name": "t", )" + body +
           "}]}";
  }
  test::ScratchDir dir_;
};

TEST_F(BadInput, EachIsOneLineNamingFileAndFieldAndLeavesNothing) {
  struct Case {
    std::string session, expected;
  };
  const std::vector<Case> cases = {
      {track(R"("clips": [{"file": "corrupt.wav"}])"), "s.json: tracks[0].clips[0].file: "},
      {track(R"("clips": [{"file": "corrupt.wav"}])"), "corrupt.wav: cannot open as media"},
      {track(R"("clips": [{"file": "empty.wav"}])"), "empty.wav: cannot open as media"},
      {track(R"("clips": [{"file": "missing.wav"}])"), "missing.wav: no such file"},
      {track(R"("clips": [{"file": "nan.wav"}])"), "nan.wav: contains NaN"},
      {track(R"("clips": [{"file": "good.wav", "length": 0}])"),
       "tracks[0].clips[0].length: must be positive"},
      {track(R"("clips": [{"file": "good.wav", "length": -3}])"),
       "tracks[0].clips[0].length: must be positive"},
      {track(R"("clips": [{"file": "good.wav", "length": 5}])"),
       "tracks[0].clips[0].length: is longer than good.wav"},
      {track(R"("clips": [{"file": "good.wav", "offset": 9}])"),
       "tracks[0].clips[0].offset: good.wav has no audio after the offset"},
      {track(R"("clips": [{"file": "good.wav", "start": 1e15}])"),
       "tracks[0].clips[0].start: is beyond 48 hours"},
      {track(R"("clips": [{"file": "good.wav", "gainDb": 1e9}])"),
       "tracks[0].clips[0].gainDb: is above +48 dB"},
      {track(R"("gainDb": 1e300, "clips": [])"), "tracks[0].gainDb: is above +48 dB"},
      {track(R"("position": {"azimuth": 1e12}, "clips": [])"),
       "tracks[0].position.azimuth: is out of range"},
      {track(R"("position": {"elevation": 200}, "clips": [])"),
       "tracks[0].position.elevation: must be within -90..90"},
      {track(R"("clips": [{"file": "stereo.wav"}])"),
       "tracks[0].clips[0].channel: stereo.wav has 2 channels"},
      {track(R"("type": "bed", "bed": "5.1", "clips": [{"file": "stereo.wav"}])"),
       "tracks[0].clips[0].file: stereo.wav has 2 channel(s); bed 5.1 needs 6"},
      {track(R"("type": "bed", "bed": "6.1", "clips": [])"), "tracks[0].bed: unknown layout"},
      {track(R"("clips": [])", R"("sampleRate": 1e9, )"), "s.json: sampleRate"},
      {track(R"("clips": [])", R"("layout": "13.1", )"), "s.json: layout"},
      {R"({"vkmix": 1, "tracks": [{"name": "t", "clips": [}]})", "s.json: line 1 column"},
  };
  for (const Case& c : cases) {
    std::string text;
    EXPECT_EQ(render(c.session, &text), 1) << c.session << "\n" << text;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.session;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE((name.ends_with(".wav") && name != "out.wav" && name[0] != '.') ||
                  name == "s.json")
          << "left behind: " << name << " by " << c.session;
    }
  }
}

// The commonest broken media in post: a copy interrupted part-way, whose header still promises
// the whole file. Refused by default, naming both counts; --allow-short-media plays what it holds.
TEST_F(BadInput, ATruncatedFileIsRefusedUnlessShortMediaIsAllowed) {
  std::string text;
  ASSERT_EQ(render(track(R"("clips": [{"file": "trunc.wav"}])"), &text), 1) << text;
  EXPECT_THAT(text, HasSubstr("trunc.wav: is cut short: its header promises 48000 frames, the "
                              "file holds 9000"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav"));
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string() +
                                 " -o " + (dir_ / "out.wav").string() + " --allow-short-media 2>&1",
                             &text),
            0)
      << text;
  EXPECT_THAT(text, HasSubstr("warning: " + (dir_ / "trunc.wav").string() + ": is cut short"));
  std::string probe;
  ASSERT_EQ(test::runCommand("ffprobe -v error -show_entries stream=duration_ts -of csv=p=0 " +
                                 (dir_ / "out.wav").string(),
                             &probe),
            0);
  EXPECT_EQ(std::stoll(probe), 9000);
}

// Option values a render refuses before anything is written, each in one line naming the option:
// an empty value is a mistake, not "not given"; an output file that is also the stems folder
// would fail only at the end; a delivery spec checks a whole programme, not a range of it.
TEST_F(BadInput, OptionsThatCannotWorkAreRefusedUpFront) {
  test::writeText(dir_ / "s.json", track(R"("clips": [{"file": "good.wav"}])"));
  struct Case {
    std::string options, expected;
    int exit;
  };
  const std::string out = (dir_ / "out.wav").string();
  const std::vector<Case> cases = {
      {"-o " + out + " --range ''", "--range: the value is empty", 2},
      {"-o " + out + " --hrtf ''", "--hrtf: the value is empty", 2},
      {"-o " + out + " --stems " + out, "is also the folder of --stems", 1},
      {"-o " + out + " --range 0:0.5 --spec ebu-r128", "--range: 0:0.5: a delivery spec", 1},
  };
  for (const Case& c : cases) {
    std::string text;
    EXPECT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string() +
                                   " " + c.options + " 2>&1",
                               &text),
              c.exit)
        << c.options << "\n"
        << text;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.options;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav")) << c.options;
  }
}

}  // namespace
}  // namespace vkmix
