// `vkmix denoise` as a user runs it: same length and alignment as the input (transparent at 0 dB,
// also for stereo at 44.1 kHz), noise reduced with a learned profile, and one-line errors that
// leave nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "io/decoder.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/speech.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

class DenoiseCli : public test::GpuFixture {
 protected:
  int vkmix(const std::string& args, std::string* out) {
    return test::runCommand(std::string(VKMIX_BINARY) + " " + args + " 2>&1", out);
  }
  test::ScratchDir dir_;
};

TEST_F(DenoiseCli, TransparentAtZeroDbWithTheInputsLengthRateAndChannels) {
  const std::vector<std::vector<float>> in{test::noise(50001, 1, 0.3f),
                                           test::sine(50001, 440.0, 44100, 0.3f)};
  test::writeFloatWav(dir_ / "in.wav", in, 44100);
  std::string text;
  ASSERT_EQ(vkmix("denoise " + (dir_ / "in.wav").string() + " -o " + (dir_ / "out.wav").string() +
                      " --reduction 0 --format wav32f",
                  &text),
            0)
      << text;
  const io::DecodedAudio out = io::decodeAudio(dir_ / "out.wav", 44100);
  ASSERT_EQ(out.channels.size(), 2u);
  for (std::size_t c = 0; c < 2; ++c) {
    ASSERT_EQ(out.channels[c].size(), in[c].size());
    EXPECT_LE(test::maxAbsDiff(out.channels[c], in[c]), 1e-6) << c;
  }
}

TEST_F(DenoiseCli, LearnedProfileAndHumReduceTheNoise) {
  const int rate = 48000;
  const auto speech = test::speechLike(3 * rate, rate, 3);
  std::vector<float> noise;
  const auto noisy = test::mixAtSnr(
      speech, test::coloredNoise(test::NoiseKind::Hum50, speech.size(), rate, 4), 0.0, &noise);
  test::writeFloatWav(dir_ / "hum.wav", {noisy}, rate);
  std::string text;
  ASSERT_EQ(vkmix("denoise " + (dir_ / "hum.wav").string() + " -o " + (dir_ / "out.wav").string() +
                      " --reduction 24 --learn 0:0.28 --hum 50:8 --format wav32f",
                  &text),
            0)
      << text;
  EXPECT_THAT(text, HasSubstr("1 ch, 3.00 s denoised"));
  const auto out = io::decodeAudio(dir_ / "out.wav", rate).channels.at(0);
  const auto score = test::scoreDenoise(speech, noise, noisy, out, rate);
  EXPECT_GT(score.snrDb, 10.0) << "from 0 dB";
}

TEST_F(DenoiseCli, BadArgumentsAreOneLineAndLeaveNothing) {
  test::writeFloatWav(dir_ / "in.wav", {test::noise(48000, 2, 0.3f)}, 48000);
  test::writeFloatWav(dir_ / "silent.wav", {std::vector<float>(48000, 0.0f)}, 48000);
  const std::string in = (dir_ / "in.wav").string(), out = (dir_ / "out.wav").string();
  struct Case {
    std::string args, expected;
    int code;
  };
  const std::vector<Case> cases = {
      {in + " -o " + out + " --reduction 80", "--reduction: must be within 0..60", 1},
      {in + " -o " + out + " --learn 2", "--learn: expected START:END", 1},
      {in + " -o " + out + " --hum 5", "--hum: expected HZ[:HARMONICS]", 1},
      {in + " -o " + out + " --format mp9", "--format: \"mp9\" is not one of", 1},
      {(dir_ / "silent.wav").string() + " -o " + out + " --learn 0:0.5",
       "silent.wav: --learn: no audio", 1},
      {(dir_ / "none.wav").string() + " -o " + out, "none.wav", 1},
  };
  for (const Case& c : cases) {
    std::string text;
    EXPECT_EQ(vkmix("denoise " + c.args, &text), c.code) << c.args << "\n" << text;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.args;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "in.wav" || name == "silent.wav") << "left behind: " << name;
  }
}

}  // namespace
}  // namespace vkmix
