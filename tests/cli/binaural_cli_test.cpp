// `vkmix render --layout binaural` on the demo (issue 28's last criterion): the double-precision
// reference and the default backend (a GPU where there is one, else the native CPU backend)
// render the same ears within 1e-5, and the summary names the layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  for (const char* device : {"reference", ""}) {
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
  const io::DecodedAudio def = io::decodeAudio(dir / "default.wav", 48000);
  ASSERT_EQ(ref.channels.size(), 2u);
  ASSERT_EQ(def.channels.size(), 2u);
  ASSERT_EQ(ref.numFrames(), def.numFrames());
  for (int c = 0; c < 2; ++c) {
    std::size_t where = 0;
    const double diff = test::maxAbsDiff(ref.channels[c], def.channels[c], &where);
    EXPECT_LE(diff, 1e-5) << "ear " << c << " frame " << where;
    std::printf("[figures] demo, ear %d: reference vs default backend, max |diff| %.3g\n", c, diff);
  }
  EXPECT_GT(test::energy(ref.channels[0]), 0.0);
}

}  // namespace
}  // namespace vkmix
