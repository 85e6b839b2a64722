// Levels and loudness from the command line: normalisation with the true-peak limiter, stems that
// sum to the mix, matrix downmixes, the JSON report and plot, and `vkmix measure`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "io/decoder.hpp"
#include "layout/downmix.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/layout.hpp"

namespace vkmix {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class LoudnessCli : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Quiet dialogue-like noise with short loud transients (as a door slam or a plosive): the
    // noise sets the loudness, so normalising it up makes the transients overshoot the ceiling
    // and the limiter must catch them.
    auto dx = test::noise(48000 * 6, 31, 0.02f);
    for (std::size_t i = 2400; i < dx.size(); i += 24000) {
      for (int k = 0; k < 4; ++k) dx[i + k] = (k % 2 == 0 ? 0.9f : -0.9f);
    }
    test::writeFloatWav(dir_ / "dx.wav", {dx}, 48000);
    test::writeFloatWav(dir_ / "fx.wav", {test::noise(48000 * 6, 32, 0.05f)}, 48000);
    test::writeFloatWav(
        dir_ / "mx.wav",
        {test::sine(48000 * 6, 220.0, 48000, 0.05f), test::sine(48000 * 6, 330.0, 48000, 0.05f)},
        48000);
    test::writeText(dir_ / "s.json", R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
      {"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]},
      {"name": "fx", "stem": "effects", "gainDb": -20, "positionKeys": [{"time": 0, "azimuth": 100}, {"time": 6, "azimuth": -100, "elevation": 30}], "clips": [{"file": "fx.wav"}]},
      {"name": "mx", "stem": "music", "gainDb": -20, "type": "bed", "bed": "2.0", "clips": [{"file": "mx.wav"}]}]})");
  }
  int vkmix(const std::string& args, std::string* out) {
    return test::runCommand(std::string(VKMIX_BINARY) + " " + args, out);
  }
  json measure(const std::filesystem::path& file) {
    std::string out;
    EXPECT_EQ(vkmix("measure --json " + file.string() + " 2>/dev/null", &out), 0) << out;
    return json::parse(out);
  }
  std::string session() { return (dir_ / "s.json").string(); }
  test::ScratchDir dir_;
};

TEST_F(LoudnessCli, NormalisesToMinus24WithTruePeakAtMinus2) {
  std::string out;
  const auto mix = dir_ / "mix.wav";
  ASSERT_EQ(vkmix("render " + session() + " -o " + mix.string() +
                      " --loudness-target -24 --true-peak-ceiling -2 --downmix 2.0=" +
                      (dir_ / "LoRo.wav").string() + " --report " + (dir_ / "r.json").string(),
                  &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("normalised: "));
  json m = measure(mix);  // read back from the 24-bit file by vkmix measure
  EXPECT_NEAR(m["integratedLufs"].get<double>(), -24.0, 0.1);
  EXPECT_LE(m["truePeakDbtp"].get<double>(), -2.0);
  json report = json::parse(std::ifstream(dir_ / "r.json"));
  EXPECT_GT(report["limiterReductionDb"].get<double>(), 3.0) << "the clicks must have been limited";
  EXPECT_GT(report["normalisationGainDb"].get<double>(), 10.0);
  // The 2.0 re-render of the mix complies too (Netflix asks that of downmixes).
  json lo = measure(dir_ / "LoRo.wav");
  EXPECT_LE(lo["truePeakDbtp"].get<double>(), -2.0);
}

TEST_F(LoudnessCli, DialogueReferenceNormalisesTheDialogueStem) {
  std::string out;
  // Stems carry the normalisation gain unlimited (so they still sum to the unlimited mix): with
  // +11 dB on transients, only float stems keep them unclipped.
  ASSERT_EQ(vkmix("render " + session() + " -o " + (dir_ / "m.wav").string() +
                      " --format wav32f --loudness-target -27 --loudness-reference dialogue "
                      "--true-peak-ceiling -2 --stems " +
                      (dir_ / "stems").string() + " -q",
                  &out),
            0)
      << out;
  json dx = measure(dir_ / "stems/dialogue.wav");
  EXPECT_NEAR(dx["integratedLufs"].get<double>(), -27.0, 0.1);
  EXPECT_LE(measure(dir_ / "m.wav")["truePeakDbtp"].get<double>(), -2.0);
}

TEST_F(LoudnessCli, StemsSumToTheMixAndDownmixFollowsTheMatrix) {
  std::string out;
  const auto mix = dir_ / "mix.wav";
  ASSERT_EQ(vkmix("render " + session() + " -o " + mix.string() + " --format wav32f --stems " +
                      (dir_ / "stems").string() + " --downmix 5.1=" + (dir_ / "m51.wav").string() +
                      " --plot " + (dir_ / "p.svg").string() + " -q",
                  &out),
            0)
      << out;
  io::DecodedAudio m = io::decodeAudio(mix, 48000);
  std::vector<io::DecodedAudio> stems;
  for (const char* name : {"dialogue", "music", "effects"})
    stems.push_back(io::decodeAudio(dir_ / "stems" / (std::string(name) + ".wav"), 48000));
  for (std::size_t c = 0; c < 12; ++c) {
    for (std::int64_t i = 0; i < m.numFrames(); i += 7) {
      float sum = 0.0f;
      for (const auto& s : stems) sum += s.channels[c][i];
      ASSERT_EQ(sum, m.channels[c][i]) << "channel " << c << " frame " << i;
    }
  }
  io::DecodedAudio d = io::decodeAudio(dir_ / "m51.wav", 48000);
  auto matrix = layout::downmixMatrix(*findLayout("7.1.4"), *findLayout("5.1"));
  ASSERT_EQ(d.channels.size(), 6u);
  for (std::size_t o = 0; o < 6; ++o) {
    for (std::int64_t i = 0; i < m.numFrames(); i += 101) {
      double expected = 0.0;
      for (std::size_t k = 0; k < 12; ++k) expected += matrix[o][k] * m.channels[k][i];
      ASSERT_NEAR(d.channels[o][i], expected, 1e-6) << "5.1 channel " << o << " frame " << i;
    }
  }
  std::ifstream svg(dir_ / "p.svg");
  std::string text((std::istreambuf_iterator<char>(svg)), {});
  EXPECT_THAT(text, HasSubstr("<svg"));
  EXPECT_THAT(text, HasSubstr("dialogue"));
}

// One stem and no limiter: the mix is that stem, and the report gives the stem the mix's figures
// (one meter measures both). They must be what measuring the written stem file gives.
TEST_F(LoudnessCli, AOneStemSessionReportsItsStemAsMeasured) {
  test::writeText(dir_ / "one.json", R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
    {"name": "dx", "stem": "dialogue", "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]},
    {"name": "fx", "stem": "dialogue", "gainDb": -20, "position": {"azimuth": 100}, "clips": [{"file": "fx.wav"}]}]})");
  std::string out;
  ASSERT_EQ(vkmix("render " + (dir_ / "one.json").string() + " -o " + (dir_ / "m.wav").string() +
                      " --format wav32f --stems " + (dir_ / "stems").string() + " --report " +
                      (dir_ / "r.json").string() + " -q",
                  &out),
            0)
      << out;
  std::ifstream in(dir_ / "r.json");
  const json report = json::parse(in);
  ASSERT_EQ(report["stems"].size(), 1u);
  const json& stem = report["stems"][0];
  const json measured = measure(dir_ / "stems/dialogue.wav");
  for (const char* key : {"integratedLufs", "loudnessRangeLu", "truePeakDbtp", "samplePeakDbfs",
                          "momentaryMaxLufs", "shortTermMaxLufs"}) {
    EXPECT_EQ(stem[key], report["mix"][key]) << key;
    EXPECT_NEAR(stem[key].get<double>(), measured[key].get<double>(), 0.01) << key;
  }
}

TEST_F(LoudnessCli, MeasurePrintsTheDocumentedJson) {
  std::string out;
  const auto mix = dir_ / "mix.wav";
  ASSERT_EQ(vkmix("render " + session() + " -o " + mix.string() + " -q", &out), 0) << out;
  json m = measure(mix);
  for (const char* key : {"integratedLufs", "loudnessRangeLu", "truePeakDbtp", "samplePeakDbfs",
                          "momentaryMaxLufs", "shortTermMaxLufs"}) {
    EXPECT_TRUE(m.contains(key)) << key;
  }
  ASSERT_EQ(m["channels"].size(), 12u);
  EXPECT_EQ(m["channels"][0]["name"], "FL");
  EXPECT_TRUE(m["channels"][3]["samplePeakDbfs"].is_null()) << "LFE is silent";
  EXPECT_GE(m["truePeakDbtp"].get<double>(), m["samplePeakDbfs"].get<double>());
  // The table form, and a one-line error for a file that is not audio.
  EXPECT_EQ(vkmix("measure " + mix.string(), &out), 0);
  EXPECT_THAT(out, HasSubstr("I LUFS"));
  EXPECT_EQ(vkmix("measure " + session(), &out), 1);
  EXPECT_THAT(out, HasSubstr("s.json: "));
}

TEST_F(LoudnessCli, BadLoudnessOptionsAreOneLineErrors) {
  std::string out;
  const std::string base = "render " + session() + " -o " + (dir_ / "x.wav").string();
  EXPECT_EQ(vkmix(base + " --loudness-target 5", &out), 1);
  EXPECT_THAT(out, HasSubstr("--loudness-target: must be within -60..0 LUFS"));
  EXPECT_EQ(vkmix(base + " --loudness-reference speech", &out), 1);
  EXPECT_THAT(out, HasSubstr("--loudness-reference"));
  EXPECT_EQ(vkmix(base + " --downmix 5.1", &out), 1);
  EXPECT_THAT(out, HasSubstr("expected LAYOUT=FILE"));
  EXPECT_EQ(vkmix(base + " --downmix 9.1.6=" + (dir_ / "y.wav").string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("no matrix downmix leads from 7.1.4 to 9.1.6"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.wav"));
}

// Normalising keeps the render beside the output (about 41 MB for this 6 s, 12-channel, three-stem
// session) for the delivery to replay. A disk that fills while it is written (here a file-size
// limit, with SIGXFSZ ignored so the write fails as on a full disk) stops the render with one
// line and exit 4, and leaves nothing: no output, no temporary, no kept render.
TEST_F(LoudnessCli, AFullDiskWhileKeepingTheRenderIsOneLine) {
  std::string out;
  const auto before = std::distance(std::filesystem::directory_iterator(dir_.path()), {});
  const int rc = test::runCommand(
      "cd " + dir_.path().string() + " && bash -c 'trap \"\" XFSZ; ulimit -f 8000; exec " +
          VKMIX_BINARY + " render s.json -o mix.wav --loudness-target -24'",
      &out);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_THAT(out, HasSubstr("cannot write the render kept for delivery: File too large"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), before)
      << "the render left something behind";
  // With room, the same render keeps it, delivers from it and removes it.
  ASSERT_EQ(vkmix("render " + session() + " -o " + (dir_ / "mix.wav").string() +
                      " --loudness-target -24 -q",
                  &out),
            0)
      << out;
  EXPECT_NEAR(measure(dir_ / "mix.wav")["integratedLufs"].get<double>(), -24.0, 0.1);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), before + 1);
}

}  // namespace
}  // namespace vkmix
