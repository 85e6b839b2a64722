// `vkmix render --layout binaural` on the demo (issue 28's last criterion): the double-precision
// reference and the default backend (a GPU where there is one, else the native CPU backend), and
// lavapipe where it is installed, render the same ears within 1e-5, and the summary names the
// layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

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

// On Vulkan, a binaural render's filters are convolved in the chunks' own submissions: each
// span of a part's feeds goes into the work of a chunk after the one that completed it, and the
// spans no chunk follows (the feeds' last, the filters' tails) into one submission at the end.
// So at most one submission a chunk, and the one; at least one for each chunk that plays. The
// same bytes at any block size, within 1e-5 of the reference (as the demo above).
TEST(BinauralCli, TheFiltersAreConvolvedInTheChunksOwnSubmissions) {
  test::ScratchDir dir;
  std::string out;
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " devices", &out), 0) << out;
  // lavapipe where it is installed, else the GPU the default picks.
  if (out.find("Vulkan") == std::string::npos) GTEST_SKIP() << "no Vulkan device";
  const std::string vulkan = out.find("llvmpipe") != std::string::npos ? " --device llvmpipe" : "";
  constexpr int kFrames = 60000;
  test::writeFloatWav(dir / "a.wav", {test::noise(kFrames, 3, 0.3f)}, 48000);
  test::writeFloatWav(dir / "b.wav", {test::noise(kFrames - 6000, 4, 0.3f)}, 48000);
  test::writeFloatWav(dir / "ir.wav", {test::noise(3000, 7, 0.2f), test::noise(3000, 8, 0.2f)},
                      48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "sampleRate": 48000, "layout": "5.1",
      "reverbs": [{"name": "room", "ir": "ir.wav"}],
      "tracks": [
      {"name": "dx", "stem": "dialogue", "binauralMode": "near", "position": {"azimuth": 30},
       "sends": [{"reverb": "room", "levelDb": -6}], "clips": [{"file": "a.wav"}]},
      {"name": "fx", "stem": "effects", "binauralMode": "far", "position": {"azimuth": -120},
       "clips": [{"file": "b.wav", "start": 0.125}]}]})");
  std::vector<std::vector<float>> ears;
  for (const std::string run : {"1024", "4096", "20000", "reference"}) {
    const bool reference = run == "reference";
    const std::string args = reference ? " --device reference" : vulkan + " --block " + run;
    ASSERT_EQ(test::runCommand("cd " + dir.path().string() + " && " + VKMIX_BINARY +
                                   " render s.json -y --layout binaural --format wav32f -o " + run +
                                   ".wav --report " + run + ".json" + args,
                               &out),
              0)
        << out;
    std::ifstream in(dir / (run + ".json"));
    const nlohmann::json b = nlohmann::json::parse(in)["backend"];
    if (!reference) {
      ASSERT_EQ(b["name"], "vulkan") << run;
      const int chunks = b["chunks"].get<int>();
      const int submissions = b["submissions"].get<int>();
      const int playing = (kFrames + std::stoi(run) - 1) / std::stoi(run);
      std::printf("[figures] block %s: %d chunks, %d submissions\n", run.c_str(), chunks,
                  submissions);
      EXPECT_LE(submissions, chunks + 1) << "block " << run;
      EXPECT_GE(submissions, playing) << "block " << run;
    }
    const io::DecodedAudio d = io::decodeAudio(dir / (run + ".wav"), 48000);
    ASSERT_EQ(d.channels.size(), 2u);
    ears.push_back({});
    for (const auto& channel : d.channels)
      ears.back().insert(ears.back().end(), channel.begin(), channel.end());
  }
  EXPECT_GT(test::energy(ears[3]), 0.0);
  EXPECT_EQ(ears[0], ears[1]) << "blocks 1024 and 4096";
  EXPECT_EQ(ears[0], ears[2]) << "blocks 1024 and 20000";
  ASSERT_EQ(ears[0].size(), ears[3].size());
  std::size_t where = 0;
  EXPECT_LE(test::maxAbsDiff(ears[3], ears[0], &where), 1e-5)
      << "against the reference, at " << where;
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
