// The render's QC log from the command line: `--spec NAME` verdicts set against the written files
// as `vkmix measure` reads them back, exit code 6 with every output still written, refusals before
// any output, and the report's version, session and outputs (with their formats).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
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
using ::testing::Not;

int vkmix(const std::string& args, std::string* out) {
  return test::runCommand(std::string(VKMIX_BINARY) + " " + args, out);
}

class SpecCli : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const std::size_t frames = 48000 * 6;
    test::writeFloatWav(dir_ / "dx.wav", {test::noise(frames, 41, 0.1f)}, 48000);
    test::writeFloatWav(dir_ / "fx.wav", {test::noise(frames, 42, 0.1f)}, 48000);
    test::writeFloatWav(
        dir_ / "mx.wav",
        {test::sine(frames, 220.0, 48000, 0.05f), test::sine(frames, 330.0, 48000, 0.05f)}, 48000);
    // Everything sits on L, R and C, which a 2.0 downmix keeps at the same loudness (C goes to
    // both sides at -3 dB): the downmixes land where the mix does.
    const std::string fx =
        R"({"name": "fx", "stem": "effects", "gainDb": -6, "position": {"azimuth": 30}, "clips": [{"file": "fx.wav"}]})";
    const std::string mx =
        R"({"name": "mx", "stem": "music", "gainDb": -6, "type": "bed", "bed": "2.0", "clips": [{"file": "mx.wav"}]})";
    auto dx = [](double gainDb) {
      return R"({"name": "dx", "stem": "dialogue", "gainDb": )" + std::to_string(gainDb) +
             R"(, "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]})";
    };
    auto session = [](const std::string& tracks) {
      return R"({"vkmix": 1, "layout": "7.1.4", "tracks": [)" + tracks + "]}";
    };
    test::writeText(dir_ / "s.json", session(dx(0) + ", " + fx + ", " + mx));
    test::writeText(dir_ / "loud.json", session(dx(14) + ", " + fx + ", " + mx));
    test::writeText(dir_ / "nodx.json", session(fx + ", " + mx));
  }
  json measure(const std::filesystem::path& file) {
    std::string out;
    EXPECT_EQ(vkmix("measure --json " + file.string() + " 2>/dev/null", &out), 0) << out;
    return json::parse(out);
  }
  json report(const std::string& name = "r.json") {
    std::ifstream in(dir_ / name);
    return json::parse(in);
  }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  // The verdict a spec gives a file, computed here from what `vkmix measure` reads back.
  struct Limits {
    double target, tolerance, truePeakMax;
  };
  static bool passes(const json& measured, const Limits& l) {
    return std::abs(measured["integratedLufs"].get<double>() - l.target) <= l.tolerance &&
           measured["truePeakDbtp"].get<double>() <= l.truePeakMax;
  }
  test::ScratchDir dir_;
};

const json* findCheck(const json& spec, const std::string& programme) {
  for (const json& c : spec["checks"])
    if (c["programme"] == programme) return &c;
  return nullptr;
}

TEST_F(SpecCli, NormalisedToMinus23PassesEbuR128) {
  std::string out;
  ASSERT_EQ(vkmix("render " + path("s.json") + " -o " + path("mix.wav") +
                      " --loudness-target -23 --downmix 2.0=" + path("lo.flac") +
                      " --spec ebu-r128 --report " + path("r.json"),
                  &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("spec ebu-r128 (-23 +-0.5 LU programme, -1 dBTP): pass"));
  const json r = report();
  const json& spec = r["spec"];
  EXPECT_EQ(spec["name"], "ebu-r128");
  EXPECT_THAT(spec["source"].get<std::string>(), HasSubstr("EBU R 128"));
  EXPECT_EQ(spec["targetLufs"], -23.0);
  EXPECT_EQ(spec["toleranceLu"], 0.5);
  EXPECT_EQ(spec["truePeakMaxDbtp"], -1.0);
  EXPECT_EQ(spec["measure"], "programme");
  EXPECT_EQ(
      r["normalisation"],
      json({{"targetLufs", -23.0}, {"reference", "programme"}, {"truePeakCeilingDbtp", -1.0}}));
  // Each check against the file as written, read back by the meter.
  const Limits ebu{-23.0, 0.5, -1.0};
  for (const auto& [programme, file] :
       {std::pair<std::string, std::string>{"mix", "mix.wav"}, {"2.0", "lo.flac"}}) {
    const json* check = findCheck(spec, programme);
    ASSERT_NE(check, nullptr) << programme;
    const json measured = measure(dir_ / file);
    EXPECT_NEAR((*check)["integratedLufs"].get<double>(), measured["integratedLufs"].get<double>(),
                0.02)
        << programme;
    EXPECT_NEAR((*check)["truePeakDbtp"].get<double>(), measured["truePeakDbtp"].get<double>(),
                0.05)
        << programme;
    const bool expected = passes(measured, ebu);
    EXPECT_TRUE(expected) << programme << " measures " << measured.dump();
    EXPECT_EQ((*check)["loudnessPass"].get<bool>() && (*check)["truePeakPass"].get<bool>(),
              expected)
        << programme;
  }
  EXPECT_EQ(spec["checks"].size(), 2u);
  EXPECT_EQ(spec["pass"], true);
}

TEST_F(SpecCli, ALoudRenderFailsEbuR128WithExit6AndKeepsItsOutputs) {
  std::string out;
  const int rc =
      vkmix("render " + path("loud.json") + " -o " + path("mix.wav") + " --stems " + path("stems") +
                " --spec ebu-r128 --report " + path("r.json") + " --plot " + path("p.svg"),
            &out);
  EXPECT_EQ(rc, 6) << out;
  // A QC failure is information: every deliverable is there.
  for (const char* file :
       {"mix.wav", "stems/dialogue.wav", "stems/effects.wav", "stems/music.wav", "r.json", "p.svg"})
    EXPECT_TRUE(std::filesystem::is_regular_file(dir_ / file)) << file;
  const json measured = measure(dir_ / "mix.wav");
  ASSERT_GT(measured["integratedLufs"].get<double>(), -22.8) << "the session must be loud";
  const bool truePeakPasses = measured["truePeakDbtp"].get<double>() <= -1.0;
  const json r = report();
  EXPECT_EQ(r["spec"]["pass"], false);
  EXPECT_FALSE(r.contains("normalisation")) << "nothing was normalised";
  const json* mix = findCheck(r["spec"], "mix");
  ASSERT_NE(mix, nullptr);
  EXPECT_EQ((*mix)["loudnessPass"], false);
  EXPECT_EQ((*mix)["truePeakPass"], truePeakPasses);
  EXPECT_NEAR((*mix)["integratedLufs"].get<double>(), measured["integratedLufs"].get<double>(),
              0.02);
  // One line per failed limit, naming the programme and the figure.
  EXPECT_THAT(out, HasSubstr("vkmix: spec ebu-r128: mix: loudness -"));
  EXPECT_THAT(out, HasSubstr("LUFS is outside -23 +-0.5 LU\n"));
  EXPECT_THAT(out, HasSubstr("spec ebu-r128 (-23 +-0.5 LU programme, -1 dBTP): FAIL"));
  EXPECT_THAT(out, HasSubstr(path("mix.wav") + "\n")) << "the output path is still printed";

  // The same loud render, quiet: still the failure lines and the exit code; -y replaces.
  EXPECT_EQ(
      vkmix("render " + path("loud.json") + " -o " + path("mix.wav") + " -y -q --spec ebu-r128",
            &out),
      6);
  EXPECT_THAT(out, HasSubstr("vkmix: spec ebu-r128: mix: loudness"));
  EXPECT_THAT(out, Not(HasSubstr("FAIL,"))) << "-q leaves out the summary line";
}

TEST_F(SpecCli, NetflixMeasuresTheDialogueStemAndItsDownmix) {
  std::string out;
  ASSERT_EQ(vkmix("render " + path("s.json") + " -o " + path("mix.wav") +
                      " --format wav32f --stems " + path("stems") +
                      " --loudness-target -27 --loudness-reference dialogue "
                      "--true-peak-ceiling -2 --downmix 2.0=" +
                      path("lo.wav") + " --spec netflix --report " + path("r.json"),
                  &out),
            0)
      << out;
  const json r = report();
  const json& spec = r["spec"];
  EXPECT_EQ(spec["measure"], "dialogue");
  EXPECT_EQ(spec["pass"], true);
  const Limits netflix{-27.0, 2.0, -2.0};
  // The mix's loudness is its dialogue stem's; its true peak is the mix's own.
  const json dialogue = measure(dir_ / "stems/dialogue.wav");
  const json mix = measure(dir_ / "mix.wav");
  const json* mixCheck = findCheck(spec, "mix");
  ASSERT_NE(mixCheck, nullptr);
  EXPECT_NEAR((*mixCheck)["integratedLufs"].get<double>(), dialogue["integratedLufs"].get<double>(),
              0.02);
  EXPECT_NEAR((*mixCheck)["truePeakDbtp"].get<double>(), mix["truePeakDbtp"].get<double>(), 0.05);
  EXPECT_TRUE(std::abs(dialogue["integratedLufs"].get<double>() + 27.0) <= 2.0 &&
              mix["truePeakDbtp"].get<double>() <= -2.0);
  // The 2.0 re-render: the dialogue stem through the same matrix, made and measured here.
  const io::DecodedAudio dx = io::decodeAudio(dir_ / "stems/dialogue.wav", 48000);
  const auto matrix = layout::downmixMatrix(*findLayout("7.1.4"), *findLayout("2.0"));
  std::vector<std::vector<float>> dxLoRo(2, std::vector<float>(dx.channels[0].size()));
  for (std::size_t o = 0; o < 2; ++o) {
    for (std::size_t f = 0; f < dxLoRo[o].size(); ++f) {
      double sum = 0.0;
      for (std::size_t k = 0; k < matrix[o].size(); ++k) sum += matrix[o][k] * dx.channels[k][f];
      dxLoRo[o][f] = static_cast<float>(sum);
    }
  }
  test::writeFloatWav(dir_ / "dx_loro.wav", dxLoRo, 48000);
  const json dxDown = measure(dir_ / "dx_loro.wav");
  const json lo = measure(dir_ / "lo.wav");
  const json* loCheck = findCheck(spec, "2.0");
  ASSERT_NE(loCheck, nullptr);
  EXPECT_NEAR((*loCheck)["integratedLufs"].get<double>(), dxDown["integratedLufs"].get<double>(),
              0.02);
  EXPECT_NEAR((*loCheck)["truePeakDbtp"].get<double>(), lo["truePeakDbtp"].get<double>(), 0.05);
  json combined = dxDown;
  combined["truePeakDbtp"] = lo["truePeakDbtp"];
  EXPECT_TRUE(passes(combined, netflix));
  EXPECT_TRUE((*loCheck)["loudnessPass"].get<bool>() && (*loCheck)["truePeakPass"].get<bool>());
}

TEST_F(SpecCli, NetflixWithoutADialogueStemIsRefusedBeforeAnyOutput) {
  std::string out;
  EXPECT_EQ(
      vkmix("render " + path("nodx.json") + " -o " + path("mix.wav") + " --stems " + path("stems") +
                " --downmix 2.0=" + path("lo.wav") + " --spec netflix --report " + path("r.json"),
            &out),
      1);
  EXPECT_EQ(out,
            "vkmix: --spec: netflix: measures dialogue, and the session has no track with stem "
            "\"dialogue\"\n");
  for (const char* file : {"mix.wav", "stems", "lo.wav", "r.json"})
    EXPECT_FALSE(std::filesystem::exists(dir_ / file)) << file;
}

TEST_F(SpecCli, AnUnknownSpecIsRefusedListingThePresets) {
  std::string out;
  EXPECT_EQ(vkmix("render " + path("s.json") + " -o " + path("mix.wav") + " --spec r128", &out), 1);
  EXPECT_EQ(out, "vkmix: --spec: \"r128\" is not one of ebu-r128, atsc-a85, netflix\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "mix.wav"));
}

TEST_F(SpecCli, TheReportSaysVersionSessionAndEveryOutput) {
  std::string version;
  ASSERT_EQ(vkmix("--version", &version), 0);
  version.erase(version.find_last_not_of('\n') + 1);
  std::string out;
  // The session named relative to the working directory, as a user types it.
  ASSERT_EQ(test::runCommand("cd " + dir_.path().string() + " && " + VKMIX_BINARY +
                                 " render s.json -o mix.wav --stems stems --downmix 2.0=lo.flac "
                                 "--downmix 5.1=m51.w64 --report r.json --plot p.svg -q",
                             &out),
            0)
      << out;
  const json r = report();
  EXPECT_EQ(r["vkmix"], version);
  EXPECT_THAT(r["vkmix"].get<std::string>(), HasSubstr("vkmix "));
  EXPECT_EQ(r["session"]["path"], "s.json");
  const std::filesystem::path absolute = r["session"]["absolute"].get<std::string>();
  EXPECT_TRUE(absolute.is_absolute());
  EXPECT_TRUE(std::filesystem::equivalent(absolute, dir_ / "s.json"));
  EXPECT_FALSE(r.contains("normalisation"));
  EXPECT_FALSE(r.contains("spec"));
  // Every file the render wrote, in order, with the format each was written in.
  struct Expected {
    const char* role;
    const char* name;
    const char* path;
    const char* format;
    const char* layout;
    int channels;
  };
  const Expected expected[] = {{"mix", "mix", "mix.wav", "wav24", "7.1.4", 12},
                               {"stem", "dialogue", "stems/dialogue.wav", "wav24", "7.1.4", 12},
                               {"stem", "music", "stems/music.wav", "wav24", "7.1.4", 12},
                               {"stem", "effects", "stems/effects.wav", "wav24", "7.1.4", 12},
                               {"downmix", "2.0", "lo.flac", "flac", "2.0", 2},
                               {"downmix", "5.1", "m51.w64", "w64", "5.1", 6},
                               {"plot", "plot", "p.svg", "svg", nullptr, 0},
                               {"report", "report", "r.json", "json", nullptr, 0}};
  const json& outputs = r["outputs"];
  ASSERT_EQ(outputs.size(), std::size(expected)) << outputs.dump(1);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const json& o = outputs[i];
    const Expected& e = expected[i];
    EXPECT_EQ(o["role"], e.role) << i;
    EXPECT_EQ(o["name"], e.name) << i;
    EXPECT_TRUE(std::filesystem::equivalent(dir_ / o["path"].get<std::string>(), dir_ / e.path))
        << o["path"];
    EXPECT_EQ(o["format"], e.format) << i;
    if (e.layout == nullptr) {
      EXPECT_FALSE(o.contains("layout")) << i;
    } else {
      EXPECT_EQ(o["layout"], e.layout) << i;
      EXPECT_EQ(o["channels"], e.channels) << i;
      // The file holds what the entry says: its channel count as FFmpeg reads it.
      EXPECT_EQ(io::decodeAudio(dir_ / e.path, 48000, 0, 480).channels.size(),
                static_cast<std::size_t>(e.channels))
          << e.path;
    }
  }
  // The keys that were there before are still there.
  for (const char* key : {"device", "layout", "mix", "stems", "downmixes", "normalisationGainDb"})
    EXPECT_TRUE(r.contains(key)) << key;
}

TEST(SpecCliHelp, HelpListsTheExitCodesAndThePresets) {
  std::string out;
  ASSERT_EQ(vkmix("--help", &out), 0);
  EXPECT_THAT(out, HasSubstr("Exit codes:"));
  for (const char* line :
       {"  0      success", "  1      bad input", "  2      usage", "  3      GPU", "  4      I/O",
        "  5      internal error", "  6      render --spec", "  128+N  stopped by signal N"})
    EXPECT_THAT(out, HasSubstr(line));
  ASSERT_EQ(vkmix("render --help", &out), 0);
  EXPECT_THAT(out, HasSubstr("--spec"));
  for (const char* preset : {"ebu-r128 (-23 +-0.5 LU, -1 dBTP)", "atsc-a85 (-24 +-2 LU, -2 dBTP)",
                             "netflix (-27 +-2 LU dialogue, -2 dBTP)"})
    EXPECT_THAT(out, HasSubstr(preset));
  EXPECT_THAT(out, HasSubstr("6: failed; the outputs are still written"));
}

}  // namespace
}  // namespace vkmix
