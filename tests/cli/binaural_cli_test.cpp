// `vkmix render --layout binaural` on the demo (issue 28's last criterion): the double-precision
// reference and the default backend (a GPU where there is one, else the native CPU backend), and
// lavapipe where it is installed, render the same ears within 1e-5, and the summary names the
// layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>

#include "io/decoder.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

TEST(BinauralCli, TheDemoOnTheReferenceAndTheDefaultBackendAgreeWithin1e5) {
  test::ScratchDir dir;
  std::filesystem::copy_file(std::filesystem::path(VKMIX_SOURCE_DIR) / "assets/demo/demo.json",
                             dir / "demo.json");
  ASSERT_EQ(test::runCommand(std::string(VKMIX_MAKE_DEMO) + " " + (dir / "media").string()), 0);
  std::string out;
  // And lavapipe's Vulkan where there is one (the filters as GPU convolutions: docs/binaural.md).
  std::vector<std::string> devices = {"reference", ""};
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " devices", &out), 0) << out;
  if (out.find("llvmpipe") != std::string::npos) devices.push_back("llvmpipe");
  for (const std::string& name : devices) {
    const char* device = name.c_str();
    const std::string file = std::string(*device ? device : "default") + ".wav";
    ASSERT_EQ(test::runCommand("cd " + dir.path().string() + " && " + VKMIX_BINARY +
                                   " render demo.json --layout binaural --format wav32f -o " +
                                   file + (*device ? std::string(" --device ") + device : ""),
                               &out),
              0)
        << out;
    EXPECT_THAT(out, ::testing::HasSubstr("layout: binaural"));
  }
  const io::DecodedAudio ref = io::decodeAudio(dir / "reference.wav", 48000);
  ASSERT_EQ(ref.channels.size(), 2u);
  EXPECT_GT(test::energy(ref.channels[0]), 0.0);
  for (std::size_t d = 1; d < devices.size(); ++d) {
    const std::string name = devices[d].empty() ? "default" : devices[d];
    const io::DecodedAudio got = io::decodeAudio(dir / (name + ".wav"), 48000);
    ASSERT_EQ(got.channels.size(), 2u);
    ASSERT_EQ(ref.numFrames(), got.numFrames());
    for (int c = 0; c < 2; ++c) {
      std::size_t where = 0;
      const double diff = test::maxAbsDiff(ref.channels[c], got.channels[c], &where);
      EXPECT_LE(diff, 1e-5) << name << ", ear " << c << " frame " << where;
      std::printf("[figures] demo, ear %d: reference vs %s, max |diff| %.3g\n", c, name.c_str(),
                  diff);
    }
  }
}

// A binaural downmix is made from the mixed loudspeaker feeds: every track in mid. A session whose
// tracks ask for other modes gets one warning naming them (a few) and --layout binaural, which
// honours them; a session all in mid gets none. The downmix is written either way.
TEST(BinauralCli, ADownmixOfTracksInOtherModesSaysTheyPlayInMid) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(24000, 5, 0.3f)}, 48000);
  auto session = [&](const std::string& modes) {
    std::string tracks;
    int i = 0;
    for (const char mode : modes) {  // a capital letter: the track is muted
      const char m = static_cast<char>(std::tolower(static_cast<unsigned char>(mode)));
      const char* name = m == 'n' ? "near" : m == 'f' ? "far" : m == 'o' ? "off" : "mid";
      tracks += std::string(tracks.empty() ? "" : ",") + R"({"name": "T)" + std::to_string(i++) +
                R"(", "binauralMode": ")" + name + R"(", "mute": )" +
                (std::isupper(static_cast<unsigned char>(mode)) ? "true" : "false") +
                R"(, "clips": [{"file": "a.wav"}]})";
    }
    test::writeText(dir / "s.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [)" + tracks + "]}");
  };
  std::string out;
  auto render = [&] {
    return test::runCommand("cd " + dir.path().string() + " && " + VKMIX_BINARY +
                                " render s.json --device cpu -y -o mix.wav --downmix "
                                "binaural=ears.wav",
                            &out);
  };
  session("mfm");
  ASSERT_EQ(render(), 0) << out;
  EXPECT_TRUE(std::filesystem::exists(dir / "ears.wav"));
  const std::string warning =
      "vkmix: warning: --downmix binaural: 1 track asks for a binauralMode other than mid (\"T1\" "
      "far), but a binaural downmix is of the mixed loudspeaker feeds, all in mid; render with "
      "--layout binaural to honour each track's mode\n";
  EXPECT_THAT(out, ::testing::HasSubstr(warning));
  EXPECT_EQ(out.find(warning), out.rfind(warning)) << out;
  session("nfomn");
  ASSERT_EQ(render(), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("4 tracks ask for a binauralMode other than mid (\"T0\" "
                                        "near, \"T1\" far, \"T2\" off, ...)"));
  session("mm");
  ASSERT_EQ(render(), 0) << out;
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("binauralMode")));
  // A muted track is not in the mix: its mode is neither counted nor named.
  session("NmFf");
  ASSERT_EQ(render(), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("1 track asks for a binauralMode other than mid (\"T3\" "
                                        "far), but"));
  session("mNO");
  ASSERT_EQ(render(), 0) << out;
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("binauralMode")));
  // --layout binaural honours them: nothing to warn about.
  session("mfm");
  ASSERT_EQ(test::runCommand("cd " + dir.path().string() + " && " + VKMIX_BINARY +
                                 " render s.json --device cpu -y -o ears2.wav --layout binaural",
                             &out),
            0)
      << out;
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("binauralMode")));
}

}  // namespace
}  // namespace vkmix
