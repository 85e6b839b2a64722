// A feature-length master past 4 GiB (issue 8): a sparse 42-minute 7.1.4 24-bit session (a click
// at the start and one 41.5 minutes in) renders to a 4.35 GB WAV that must come out as RF64 (ds64)
// and read back in FFmpeg with the right length and the late click on its sample. Opt-in
// (VKMIX_LONG_TESTS=1): it writes 4.35 GB and takes minutes, beyond the CI budget.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

// Opt-in (VKMIX_LONG_TESTS=1); each test writes a 0.1 s click to `dir_`/click.wav first.
class LongRender : public test::GpuFixture {
 protected:
  void SetUp() override {
    if (std::getenv("VKMIX_LONG_TESTS") == nullptr)
      GTEST_SKIP() << "writes more than 4 GB; set VKMIX_LONG_TESTS=1 to run";
    GpuFixture::SetUp();
    std::vector<float> click(4800, 0.0f);
    click[0] = 0.5f;
    test::writeFloatWav(dir_ / "click.wav", {click}, 48000);
  }
  test::ScratchDir dir_;
};

TEST_F(LongRender, PastFourGibibytesTheMasterIsRf64) {
  const test::ScratchDir& dir = dir_;
  test::writeText(dir / "long.json", R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
    {"name": "c", "position": {"azimuth": 0}, "clips": [{"file": "click.wav", "start": 0},
                                                      {"file": "click.wav", "start": 2490}]}]})");
  const auto out = dir / "long.wav";
  std::string text;
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " render " + (dir / "long.json").string() +
                                 " -o " + out.string() + " 2>&1",
                             &text),
            0)
      << text;
  // 2490.1 s x 48000 x 12 channels x 3 bytes.
  EXPECT_GT(std::filesystem::file_size(out), 4ull << 30);
  char magic[4] = {};
  std::ifstream(out, std::ios::binary).read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), "RF64");
  std::string probe;
  ASSERT_EQ(test::runCommand("ffprobe -v error -show_entries stream=channels,duration_ts -of "
                             "compact " +
                                 out.string(),
                             &probe),
            0);
  EXPECT_THAT(probe, HasSubstr("channels=12|duration_ts=119524800"));
  // The late click: centre channel (index 2), at 2490 s exactly.
  const auto raw = dir / "tail.f32";
  ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -ss 2489.9 -i " + out.string() +
                             " -af 'pan=mono|c0=FC' -f f32le " + raw.string()),
            0);
  std::ifstream in(raw, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<float> tail(bytes.size() / 4);
  std::memcpy(tail.data(), bytes.data(), tail.size() * 4);
  std::size_t peak = 0;
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (std::abs(tail[i]) > std::abs(tail[peak])) peak = i;
  EXPECT_EQ(peak, 4800u);  // 0.1 s after the seek point
  EXPECT_NEAR(tail[peak], 0.5f, 1e-6);
}

// The same for an ADM export: 16 objects over 25 minutes in float are 4.6 GB, so the master must
// become BW64 with a ds64 chunk, and adm-info and FFmpeg must read its full length.
TEST_F(LongRender, PastFourGibibytesTheAdmMasterIsBw64) {
  const test::ScratchDir& dir = dir_;
  std::string tracks;
  for (int t = 0; t < 16; ++t) {
    tracks += std::string(t ? "," : "") + R"({"name": "o)" + std::to_string(t) +
              R"(", "position": {"azimuth": )" + std::to_string(t * 20) +
              R"(}, "clips": [{"file": "click.wav"}, {"file": "click.wav", "start": 1490}]})";
  }
  test::writeText(dir / "long.json",
                  R"({"vkmix": 1, "layout": "2.0", "tracks": [)" + tracks + "]}");
  const auto out = dir / "long_adm.wav";
  std::string text;
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " adm-export " +
                                 (dir / "long.json").string() + " -o " + out.string() + " 2>&1",
                             &text),
            0)
      << text;
  EXPECT_GT(std::filesystem::file_size(out), 4ull << 30);
  char magic[4] = {};
  std::ifstream(out, std::ios::binary).read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), "BW64");
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " adm-info " + out.string(), &text), 0);
  EXPECT_THAT(text, HasSubstr("BW64, 48000 Hz, 32-bit float, 16 channels, 1490.100 s"));
  EXPECT_THAT(text, HasSubstr("track 16 ATU_00000010"));
  std::string probe;
  ASSERT_EQ(test::runCommand("ffprobe -v error -show_entries stream=channels,duration_ts -of "
                             "compact " +
                                 out.string(),
                             &probe),
            0);
  EXPECT_THAT(probe, HasSubstr("channels=16|duration_ts=71524800"));
}

}  // namespace
}  // namespace vkmix
