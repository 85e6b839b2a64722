// A mixer's files are safe with vkmix (issue 24): the hostile cases, by cause. No output replaces
// an input or another output (every input's bytes are checked unchanged), an existing output needs
// -y, every refusal is one line with a non-zero exit that happens before any output exists, values
// are checked as values, and files that are not regular files are refused without blocking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/decoder.hpp"
#include "io/output_guard.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class Safety : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    fs::create_directories(dir_ / "media");
    test::writeFloatWav(dir_ / "media/dialogue.wav", {test::noise(24000, 5, 0.3f)}, 48000);
    test::writeFloatWav(dir_ / "media/fx.wav", {test::noise(24000, 6, 0.3f)}, 48000);
    test::writeText(dir_ / "s.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "dx", "stem": "dialogue", "clips": [{"file": "media/dialogue.wav"}]},
      {"name": "fx", "stem": "M&E", "position": {"azimuth": -30}, "clips": [{"file": "media/fx.wav"}]}]})");
    for (const fs::path p : {"s.json", "media/dialogue.wav", "media/fx.wav"})
      inputs_[p] = readBytes(dir_ / p);
  }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  // Runs `vkmix ARGS` in the scratch folder; returns the exit code, the output in *text.
  int vkmix(const std::string& args, std::string* text) {
    return test::runCommand("cd " + dir_.path().string() + " && timeout 60 " +
                                std::string(VKMIX_BINARY) + " " + args + " 2>&1",
                            text);
  }
  void expectInputsUnchanged(const std::string& context) {
    for (const auto& [p, bytes] : inputs_)
      EXPECT_EQ(readBytes(dir_ / p), bytes) << p << " changed by: " << context;
  }
  // A refusal: exit 1, one line holding `expected`, inputs unchanged and no new file anywhere.
  void expectRefused(const std::string& args, const std::string& expected) {
    const auto before = listing();
    std::string text;
    EXPECT_EQ(vkmix(args, &text), 1) << args << "\n" << text;
    EXPECT_THAT(text, HasSubstr(expected)) << args;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
    expectInputsUnchanged(args);
    EXPECT_EQ(listing(), before) << "a refusal created or removed files: " << args;
  }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      names.push_back(e.path().lexically_relative(dir_.path()).string());
    std::sort(names.begin(), names.end());
    return names;
  }
  test::ScratchDir dir_;
  std::map<fs::path, std::string> inputs_;
};

TEST_F(Safety, NoOutputReplacesAnInputEvenWithOverwrite) {
  fs::create_hard_link(dir_ / "media/fx.wav", dir_ / "hardlink.wav");
  fs::create_symlink("media", dir_ / "alias");
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases = {
      {"render s.json -o s.json", "s.json: --output: is also the session"},
      {"render s.json -o media/dialogue.wav", "--output: is also tracks[0].clips[0].file"},
      {"render s.json -o media/../media/fx.wav", "--output: is also tracks[1].clips[0].file"},
      {"render s.json -o alias/fx.wav", "--output: is also tracks[1].clips[0].file"},
      {"render s.json -o hardlink.wav", "--output: is also tracks[1].clips[0].file"},
      {"render s.json -o out.wav --stems media",
       "media/dialogue.wav: --stems (stem \"dialogue\"): is also tracks[0].clips[0].file"},
      {"render s.json -o out.wav --downmix 2.0=s.json", "--downmix 2.0: is also the session"},
      {"render s.json -o out.wav --report s.json", "--report: is also the session"},
      {"render s.json -o out.wav --plot media/fx.wav", "--plot: is also tracks[1].clips[0].file"},
      {"adm-export s.json -o media/fx.wav", "--output: is also tracks[1].clips[0].file"},
      {"denoise media/fx.wav -o media/fx.wav", "--output: is also the input"},
  };
  for (const Case& c : cases) {
    expectRefused(c.args + " -y", c.expected);
    expectRefused(c.args, c.expected);
  }
  fs::remove(dir_ / "hardlink.wav");
  fs::remove(dir_ / "alias");
  // An ADM master is an input of adm-import and of a render of it.
  std::string text;
  ASSERT_EQ(vkmix("adm-export s.json -o m.wav -q", &text), 0) << text;
  inputs_["m.wav"] = readBytes(dir_ / "m.wav");
  expectRefused("adm-import m.wav -o m.wav -y", "m.wav: --output: is also the ADM master");
  expectRefused("render m.wav -o m.wav -y", "m.wav: --output: is also the session");
  // The layout file a session names is an input, --layout over it or not.
  test::writeText(dir_ / "room.json", R"({"name": "room", "speakers": [{"label": "M+030"},
    {"label": "M-030"}]})");
  test::writeText(dir_ / "r.json", R"({"vkmix": 1, "layout": "room.json", "tracks": [
    {"name": "dx", "clips": [{"file": "media/dialogue.wav"}]}]})");
  for (const fs::path p : {"room.json", "r.json"}) inputs_[p] = readBytes(dir_ / p);
  for (const char* layout : {"", " --layout 2.0"})
    expectRefused(std::string("render r.json -o out.wav --report room.json -y") + layout,
                  "room.json: --report: is also layout (room.json), an input");
}

TEST_F(Safety, TwoOutputsNeverShareAFile) {
  expectRefused("render s.json -o out.wav --downmix 2.0=out.wav",
                "out.wav: --downmix 2.0: is also the file of --output");
  expectRefused("render s.json -o out.wav --report r.json --plot ./r.json",
                "--plot: is also the file of --report");
  expectRefused("render s.json -o out/../x.wav --stems out --downmix 2.0=x.wav",
                "--downmix 2.0: is also the file of --output");
}

TEST_F(Safety, AnExistingOutputNeedsOverwrite) {
  std::string text;
  ASSERT_EQ(vkmix("render s.json -o out.wav -q", &text), 0) << text;
  const std::string first = readBytes(dir_ / "out.wav");
  test::writeText(dir_ / "out.wav", "not a mix");
  inputs_["out.wav"] = readBytes(dir_ / "out.wav");  // unchanged by a refusal
  expectRefused("render s.json -o out.wav", "out.wav: --output: already exists; -y (--overwrite)");
  expectRefused("render s.json -o out.wav -y -n", "already exists");
  inputs_.erase("out.wav");
  ASSERT_EQ(vkmix("render s.json -o out.wav -q --overwrite", &text), 0) << text;
  EXPECT_EQ(readBytes(dir_ / "out.wav"), first);
  expectInputsUnchanged("render -y");
}

TEST_F(Safety, OutputsMustBeRegularFilesInFoldersThatExist) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo.wav").c_str(), 0600), 0);
  fs::create_symlink("media/fx.wav", dir_ / "link.wav");
  fs::create_directories(dir_ / "folder.wav");
  expectRefused("render s.json -o fifo.wav -y", "fifo.wav: --output: is not a regular file");
  expectRefused("render s.json -o link.wav -y", "link.wav: --output: is a symbolic link");
  expectRefused("render s.json -o folder.wav -y", "folder.wav: --output: is a folder");
  expectRefused("render s.json -o ''", "--output: the output path is empty");
  expectRefused("render s.json -o missing/out.wav", "missing/out.wav: --output: the output folder");
  // The report's folder is checked before the render, not after it has written the mix.
  expectRefused("render s.json -o out.wav --report missing/r.json", "--report: the output folder");
  expectRefused("render s.json -o out.wav --stems media/fx.wav", "exists and is not a folder");
}

TEST_F(Safety, StemNamesStayInTheirFolderAndTheSvgStaysXml) {
  test::writeText(dir_ / "odd.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [
      {"name": "a", "stem": "../escape", "clips": [{"file": "media/dialogue.wav"}]},
      {"name": "b", "stem": "/abs/olute", "clips": [{"file": "media/fx.wav"}]},
      {"name": "c", "stem": ".hidden", "clips": [{"file": "media/fx.wav", "start": 1}]},
      {"name": "d", "stem": "M&E <mix>", "clips": [{"file": "media/fx.wav", "start": 2}]}]})");
  std::string text;
  ASSERT_EQ(vkmix("render odd.json -o out.wav --stems stems --plot p.svg -q", &text), 0) << text;
  std::vector<std::string> stems;
  for (const auto& e : fs::directory_iterator(dir_ / "stems"))
    stems.push_back(e.path().filename().string());
  std::sort(stems.begin(), stems.end());
  EXPECT_THAT(stems, ::testing::ElementsAre("M&E <mix>.wav", "_._escape.wav", "_abs_olute.wav",
                                            "_hidden.wav"));
  EXPECT_FALSE(fs::exists(dir_ / "escape.wav"));
  const std::string svg = readBytes(dir_ / "p.svg");
  EXPECT_THAT(svg, HasSubstr("M&amp;E &lt;mix&gt;"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr("M&E")));
  // Two stems whose file names would be one: an error naming both, before the render.
  test::writeText(dir_ / "clash.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [
      {"name": "a", "stem": "a/b", "clips": [{"file": "media/dialogue.wav"}]},
      {"name": "b", "stem": "a_b", "clips": [{"file": "media/fx.wav"}]}]})");
  inputs_["clash.json"] = readBytes(dir_ / "clash.json");
  expectRefused("render clash.json -o x.wav --stems st",
                "stems \"a/b\" and \"a_b\" would both be written to a_b.wav");
}

TEST_F(Safety, ATemporaryLeftByAKilledRenderIsRemovedByTheNext) {
  // Temporaries carry "HOST-PID". pid 4194304 is past Linux's largest pid_max, so certainly not
  // running here; our own pid is. Another host's temporary may be a live render writing into a
  // shared folder, and another extension's belongs to another output: both stay.
  const std::string self = io::temporaryOwner();
  const std::string host = self.substr(0, self.rfind('-') + 1);
  const std::string dead = ".out.vkmix-tmp-" + host + "4194304-0.wav";
  const std::string live = ".out.vkmix-tmp-" + self + "-0.wav";
  const std::string elsewhere = ".out.vkmix-tmp-other" + host + "4194304-0.wav";
  const std::string flac = ".out.vkmix-tmp-" + host + "4194304-0.flac";
  for (const std::string& name : {dead, live, elsewhere, flac})
    test::writeText(dir_ / name, "a temporary");
  std::string text;
  ASSERT_EQ(vkmix("render s.json -o out.wav -q", &text), 0) << text;
  EXPECT_FALSE(fs::exists(dir_ / dead));
  EXPECT_TRUE(fs::exists(dir_ / live));
  EXPECT_TRUE(fs::exists(dir_ / elsewhere));
  EXPECT_TRUE(fs::exists(dir_ / flac));
}

TEST_F(Safety, NumbersAreCheckedAsNumbers) {
  struct Case {
    std::string args, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"render s.json -o o.wav --loudness-target nan",
            "--loudness-target: \"nan\" is not a "
            "finite number"},
           {"render s.json -o o.wav --loudness-target -inf", "is not a finite number"},
           {"render s.json -o o.wav --true-peak-ceiling nan", "--true-peak-ceiling"},
           {"render s.json -o o.wav --tail nan", "--tail"},
           {"render s.json -o o.wav --tail 2junk", "--tail"},
           {"denoise media/fx.wav -o o.wav --hum nan", "--hum"},
           {"denoise media/fx.wav -o o.wav --reduction nan", "--reduction"},
           {"inspect s.json --screenshot o.png --time nan", "--time"},
           {"inspect s.json --screenshot o.png --size 640x480junk", "--size"},
       }) {
    const auto before = listing();
    std::string text;
    EXPECT_NE(vkmix(c.args, &text), 0) << c.args << "\n" << text;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.args;
    EXPECT_EQ(listing(), before) << c.args;
    expectInputsUnchanged(c.args);
  }
}

TEST_F(Safety, OnlyRegularFilesAreRead) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  fs::create_directories(dir_ / "folder.json");
  expectRefused("render fifo -o o.wav", "fifo: cannot open the session file: is not a regular");
  expectRefused("render folder.json -o o.wav",
                "folder.json: cannot open the session file: is a folder");
  expectRefused("render /dev/zero -o o.wav", "/dev/zero: cannot open the session file: is not a");
  expectRefused("render media/fx.wav -o o.wav", "is a WAV file without ADM metadata");
  expectRefused("measure fifo", "fifo: is not a regular file");
  test::writeText(dir_ / "f.json", R"({"vkmix": 1, "tracks": [{"name": "t", "clips": [
      {"file": "fifo"}]}]})");
  inputs_["f.json"] = readBytes(dir_ / "f.json");
  expectRefused("render f.json -o o.wav", "fifo: is not a regular file");
  expectRefused("render s.json -o o.mov --video fifo",
                "--video: cannot open: is not a regular file");
}

TEST_F(Safety, SessionsAndLayoutsAreCheckedAsValues) {
  auto session = [&](const std::string& name, const std::string& text) {
    test::writeText(dir_ / name, text);
    inputs_[name] = readBytes(dir_ / name);
  };
  session("dup.json", R"({"vkmix": 1, "tracks": [{"name": "t", "gainDb": -3, "gainDb": 6,
      "clips": [{"file": "media/fx.wav"}]}]})");
  expectRefused("render dup.json -o o.wav", "dup.json: tracks[0].gainDb: appears twice");
  session("short.json", R"({"vkmix": 1, "tracks": [{"name": "t",
      "clips": [{"file": "media/fx.wav", "length": 1e-9}]}]})");
  expectRefused("render short.json -o o.wav",
                "short.json: tracks[0].clips[0].length: is shorter than one frame");
  session("same.json", R"({"speakers": [{"label": "M+030"}, {"label": "M-030"},
      {"label": "X", "azimuth": 30.1, "elevation": 0}]})");
  expectRefused("render s.json -o o.wav --layout same.json",
                "same.json: speakers[2]: X is in the same direction as speakers[0] (M+030)");
  session("type.json", R"({"speakers": [{"label": "M+030"}, {"label": "M-030", "lfe": "no"}]})");
  expectRefused("render s.json -o o.wav --layout type.json",
                "type.json: speakers[1].lfe: expected true or false");
  session("dupl.json", R"({"name": "a", "name": "b", "speakers": [{"label": "M+030"}]})");
  expectRefused("render s.json -o o.wav --layout dupl.json", "dupl.json: name: appears twice");
}

TEST_F(Safety, MessagesStayOnOneLine) {
  const std::string name = "bad\nname\x1b[2J.json";
  test::writeText(dir_ / name, "{");
  std::string text;
  EXPECT_EQ(vkmix("render \"$(printf 'bad\\nname\\033[2J.json')\" -o o.wav", &text), 1) << text;
  EXPECT_THAT(text, HasSubstr("bad\\nname\\x1b[2J.json"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST_F(Safety, TheOutputFormatIsWhatTheUserAskedFor) {
  expectRefused("render s.json -o mix.mp3",
                "mix.mp3: the extension \".mp3\" names no output format");
  expectRefused("render s.json -o mix.json", "known: .wav");
  expectRefused("render s.json -o mix", "mix: has no extension");
  expectRefused("render s.json -o o.wav --downmix 2.0=lo.ogg", "lo.ogg: the extension");
  std::string text;
  ASSERT_EQ(vkmix("render s.json -o MIX.FLAC -q", &text), 0) << text;
  std::string probe;
  ASSERT_EQ(
      test::runCommand(
          "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 " + at("MIX.FLAC"), &probe),
      0);
  EXPECT_THAT(probe, HasSubstr("flac"));
  // With --format the extension is the user's to choose.
  ASSERT_EQ(vkmix("render s.json -o mix.bin --format wav32f -q", &text), 0) << text;
}

// A render the terminal's hang-up stops stops cleanly, as Ctrl-C does: the signal is sent once the
// render's temporary output exists, so it lands mid-render however fast the machine is.
TEST_F(Safety, HangUpStopsARenderCleanly) {
  test::writeFloatWav(dir_ / "media/long.wav", {test::noise(48000 * 60, 9, 0.1f)}, 48000);
  std::string tracks;
  for (int t = 0; t < 6; ++t) {
    tracks += std::string(t ? "," : "") + R"({"name": "o)" + std::to_string(t) +
              R"(", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 1200, "azimuth": 720}],
      "clips": [)";
    for (int c = 0; c < 20; ++c)
      tracks += std::string(c ? "," : "") + R"({"file": "media/long.wav", "start": )" +
                std::to_string(60 * c) + "}";
    tracks += "]}";
  }
  test::writeText(dir_ / "long.json", R"({"vkmix": 1, "tracks": [)" + tracks + "]}");
  std::string text;
  const int rc = test::runCommand(
      "cd " + dir_.path().string() + " && { " + VKMIX_BINARY +
          " render long.json -o long.wav & pid=$!; for i in $(seq 600); do "
          "ls .long.vkmix-tmp-* >/dev/null 2>&1 && break; sleep 0.05; done; kill -HUP $pid; "
          "wait $pid; }",
      &text);
  EXPECT_EQ(rc, 128 + SIGHUP) << text;
  EXPECT_THAT(text, HasSubstr("interrupted; no output was written"));
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_FALSE(e.path().filename().string().starts_with(".long")) << e.path();
  EXPECT_FALSE(fs::exists(dir_ / "long.wav"));
}

// GPU failures while reverbs and denoisers are being set up are errors, not crashes.
TEST_F(Safety, GpuFaultsDuringSetUpAreOneLine) {
  test::writeFloatWav(dir_ / "media/ir.wav", {test::noise(9600, 11, 0.2f)}, 48000);
  test::writeText(dir_ / "wet.json", R"({"vkmix": 1, "layout": "5.1",
      "reverbs": [{"name": "room", "ir": "media/ir.wav"}],
      "tracks": [{"name": "dx", "stem": "dialogue", "denoise": {},
                  "sends": [{"reverb": "room", "levelDb": -6}],
                  "clips": [{"file": "media/dialogue.wav"}]}]})");
  inputs_["wet.json"] = readBytes(dir_ / "wet.json");
  for (const std::string fault :
       {"out-of-memory@1", "out-of-memory@2", "out-of-memory@6", "device-lost@1"}) {
    const auto before = listing();
    std::string text;
    const int faulted = test::runCommand(
        "cd " + dir_.path().string() + " && VKMIX_GPU_FAULT=" + fault + " timeout 60 " +
            VKMIX_BINARY + " render wet.json -o f.wav --block 1024" + deviceArg() + " 2>&1",
        &text);
    EXPECT_EQ(faulted, 3) << fault << ": " << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << fault << ": " << text;
    EXPECT_FALSE(fs::exists(dir_ / "f.wav")) << fault;
    for (const auto& e : fs::directory_iterator(dir_.path()))
      EXPECT_FALSE(e.path().filename().string().starts_with(".f."))
          << fault << " left " << e.path();
    EXPECT_EQ(listing(), before) << fault;
    expectInputsUnchanged(fault);
  }
}

// Audio stays finite on every backend: an overflow is an error naming the stage and the time; an
// IR of 3e38 that the double reference convolves exactly is convolved as exactly on the device.
TEST_F(Safety, OverflowIsAnErrorAndHugeIrsAgreeAcrossBackends) {
  std::vector<float> huge(24000);
  for (std::size_t i = 0; i < huge.size(); ++i) huge[i] = (i % 2 ? 2.7e38f : -2.7e38f);
  test::writeFloatWav(dir_ / "media/huge.wav", {huge}, 48000);
  test::writeText(dir_ / "two.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [
      {"name": "a", "position": {"azimuth": 30}, "clips": [{"file": "media/huge.wav", "start": 0.5}]},
      {"name": "b", "position": {"azimuth": 30}, "clips": [{"file": "media/huge.wav", "start": 0.5}]}]})");
  inputs_["two.json"] = readBytes(dir_ / "two.json");
  for (const std::string device : {"", " --device cpu"}) {
    expectRefused("render two.json -o o.wav --format wav32f" + device,
                  "two.json: the mix (the sum of the stems) overflows the float range at 0.500 s "
                  "(frame 24000)");
  }
  std::vector<float> ir(4800, 0.0f);
  ir[0] = 3e38f;
  ir[2400] = -1.5e38f;
  test::writeFloatWav(dir_ / "media/hot.wav", {ir}, 48000);
  test::writeText(dir_ / "hot.json", R"({"vkmix": 1, "layout": "2.0",
      "reverbs": [{"name": "hot", "ir": "media/hot.wav", "wetDb": -6}],
      "tracks": [{"name": "a", "sends": [{"reverb": "hot"}], "gainDb": -200,
                  "clips": [{"file": "media/fx.wav"}]}]})");
  std::string text;
  ASSERT_EQ(vkmix("render hot.json -o gpu.wav --format wav32f -q", &text), 0) << text;
  ASSERT_EQ(vkmix("render hot.json -o cpu.wav --format wav32f -q --device cpu", &text), 0) << text;
  const io::DecodedAudio gpu = io::decodeAudio(dir_ / "gpu.wav", 48000);
  const io::DecodedAudio cpu = io::decodeAudio(dir_ / "cpu.wav", 48000);
  ASSERT_EQ(gpu.channels.size(), 2u);
  ASSERT_EQ(gpu.numFrames(), cpu.numFrames());
  // The send is post-fader at -200 dB: the return is 1e-10 x 0.5 x 3e38 x noise, about 1e28;
  // the reference's double convolution against the device's float FFTs: -100 dB as for any IR.
  for (std::size_t c = 0; c < 2; ++c) {
    const double peak = test::rms(cpu.channels[c]);
    EXPECT_GT(peak, 1e26) << c;
    std::size_t where = 0;
    EXPECT_LT(test::maxAbsDiff(gpu.channels[c], cpu.channels[c], &where), peak * 1e-5)
        << "channel " << c << " frame " << where;
  }
}

TEST_F(Safety, ProgressNamesItsPassAndSpeaksJson) {
  std::string text;
  ASSERT_EQ(test::runCommand("cd " + dir_.path().string() + " && { " + VKMIX_BINARY +
                                 " render s.json -o o.wav --loudness-target -23 --progress json "
                                 "2>&1 >/dev/null; }",
                             &text),
            0)
      << text;
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("{")) lines.push_back(nlohmann::json::parse(line));
  ASSERT_GE(lines.size(), 2u) << text;
  EXPECT_EQ(lines.front()["pass"], 1);
  EXPECT_EQ(lines.front()["passes"], 2);
  EXPECT_EQ(lines.front()["stage"], "measuring");
  EXPECT_EQ(lines.back()["pass"], 2);
  EXPECT_EQ(lines.back()["stage"], "delivering");
  for (const nlohmann::json& l : lines) {
    EXPECT_LE(l["position"].get<double>(), l["duration"].get<double>() + 1e-9) << l;
    EXPECT_GE(l["speed"].get<double>(), 0.0) << l;
    EXPECT_GE(l["eta"].get<double>(), 0.0) << l;
  }
  // Each pass ends at the session's end: the bar restarts for the second pass, and says so.
  EXPECT_DOUBLE_EQ(lines.back()["position"].get<double>(), lines.back()["duration"].get<double>());
  expectRefused("render s.json -o o2.wav --progress fancy", "--progress: \"fancy\" is not one of");
}

// The same session gives the same bytes: Matroska too (its muxer writes a random segment UID and
// the date unless told to be bit-exact), audio alone and muxed into a picture.
TEST_F(Safety, MatroskaOutputIsTheSameBytesEveryRun) {
  std::string text;
  ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                             "testsrc=size=64x48:rate=24:duration=1 -c:v libx264 " +
                                 at("pic.mp4"),
                             &text),
            0)
      << text;
  for (const std::string out : {"a.mka", "b.mka", "a.mkv", "b.mkv"}) {
    const std::string video = out.ends_with(".mkv") ? " --video pic.mp4" : "";
    ASSERT_EQ(vkmix("render s.json -o " + out + video + " -q", &text), 0) << text;
    if (out.starts_with("a")) sleep(1);  // a date in the file would differ
  }
  EXPECT_EQ(readBytes(dir_ / "a.mka"), readBytes(dir_ / "b.mka"));
  EXPECT_EQ(readBytes(dir_ / "a.mkv"), readBytes(dir_ / "b.mkv"));
}

// Ctrl-C is heard outside the block loop too: `measure` stops between chunks of its file. Before,
// the flag was set and measure ran on to exit 0; an exit of 130 means it stopped.
TEST_F(Safety, MeasureObeysAnInterrupt) {
  std::string text;
  ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                             "anoisesrc=d=1200:r=48000:a=0.1 -c:a flac " +
                                 at("long.flac"),
                             &text),
            0)
      << text;
  const int rc = test::runCommand("cd " + dir_.path().string() + " && { " + VKMIX_BINARY +
                                      " measure long.flac & pid=$!; sleep 0.5; kill -INT $pid; "
                                      "wait $pid; }",
                                  &text);
  EXPECT_EQ(rc, 128 + SIGINT) << text;
  EXPECT_THAT(text, HasSubstr("interrupted"));
}

// An IR past what the device's buffers hold (about 350 s on lavapipe) failed while the reverb was
// set up and crashed on the way out; now it is one line, exit 3, and nothing left behind.
TEST_F(Safety, AnIrTooLongForTheDeviceIsOneLine) {
  std::vector<float> ir(48000 * 400, 0.0f);
  for (std::size_t i = 0; i < ir.size(); i += 4801) ir[i] = 0.2f;
  test::writeFloatWav(dir_ / "media/cave.wav", {ir}, 48000);
  test::writeText(dir_ / "cave.json", R"({"vkmix": 1, "layout": "2.0",
      "reverbs": [{"name": "cave", "ir": "media/cave.wav"}],
      "tracks": [{"name": "a", "sends": [{"reverb": "cave"}], "clips": [{"file": "media/fx.wav"}]}]})");
  inputs_["cave.json"] = readBytes(dir_ / "cave.json");
  const auto before = listing();
  std::string text;
  const int rc = vkmix("render cave.json -o o.wav --tail 1 -q" + deviceArg(), &text);
  if (rc == 0) {  // a device with larger buffers renders it
    EXPECT_TRUE(fs::exists(dir_ / "o.wav"));
  } else {
    EXPECT_EQ(rc, 3) << text;
    EXPECT_THAT(text, HasSubstr("exceed"));
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(listing(), before);
  }
  expectInputsUnchanged("a 400 s IR");
}

// What a hostile try of the first version found (issue 24's cases kept outside the repository):
// each now a one-line refusal before any output, or a correct output.
TEST_F(Safety, SecondRoundOfHostileCases) {
  // The inspector's screenshot is an output like any other.
  expectRefused("inspect s.json --screenshot s.json", "s.json: --screenshot: must be a .png file");
  fs::copy_file(dir_ / "s.json", dir_ / "s.png");
  inputs_["s.png"] = readBytes(dir_ / "s.png");
  expectRefused("inspect s.png --screenshot s.png -y", "--screenshot: is also the session");
  expectRefused("inspect s.json --screenshot shot.jpg", "must be a .png file");
  // Signals far past full scale entering the float FFT stages: refused on every backend alike.
  std::vector<float> loud(24000, 1e37f);
  test::writeFloatWav(dir_ / "media/loud.wav", {loud}, 48000);
  inputs_["media/loud.wav"] = readBytes(dir_ / "media/loud.wav");
  for (const std::string device : {"", " --device cpu", " --device reference"})
    expectRefused("denoise media/loud.wav -o d.wav" + device,
                  "media/loud.wav: the input carries samples beyond +-1e15");
  // An IR cut short is refused as a clip would be; allowed, it renders with a warning.
  std::vector<float> ir(24000, 0.0f);
  ir[0] = 0.5f;
  test::writeFloatWav(dir_ / "media/ir.wav", {ir}, 48000);
  std::string bytes = readBytes(dir_ / "media/ir.wav");
  std::ofstream(dir_ / "media/cut.wav", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  test::writeText(dir_ / "cut.json", R"({"vkmix": 1, "layout": "2.0",
      "reverbs": [{"name": "r", "ir": "media/cut.wav"}],
      "tracks": [{"name": "a", "sends": [{"reverb": "r"}], "clips": [{"file": "media/fx.wav"}]}]})");
  inputs_["cut.json"] = readBytes(dir_ / "cut.json");
  inputs_["media/cut.wav"] = readBytes(dir_ / "media/cut.wav");
  expectRefused("render cut.json -o o.wav", "reverbs[0].ir: ");
  std::string text;
  EXPECT_EQ(vkmix("render cut.json -o o.wav --allow-short-media", &text), 0) << text;
  EXPECT_THAT(text, HasSubstr("cut.wav: is cut short"));
  // A WAV whose header promises frames it never got: refused with both counts.
  std::string empty = readBytes(dir_ / "media/fx.wav");
  std::ofstream(dir_ / "media/none.wav", std::ios::binary)
      << empty.substr(0, empty.find("data") + 8);
  test::writeText(dir_ / "none.json", R"({"vkmix": 1, "tracks": [{"name": "a",
      "clips": [{"file": "media/none.wav"}]}]})");
  inputs_["none.json"] = readBytes(dir_ / "none.json");
  expectRefused("render none.json -o o2.wav", "promises 24000 frames, the file holds 0");
  // Names from the session reach the terminal escaped, in the summary as in errors.
  test::writeText(dir_ / "esc.json",
                  "{\"vkmix\": 1, \"layout\": \"2.0\", \"tracks\": [{\"name\": "
                  "\"a\", \"stem\": \"x\\u001b[2Jy\", \"clips\": [{\"file\": "
                  "\"media/fx.wav\"}]}]}");
  ASSERT_EQ(vkmix("render esc.json -o e.wav", &text), 0) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_THAT(text, HasSubstr("x\\x1b[2Jy"));
  // Exports are named for what they hold; an imported session renders from where it is written.
  expectRefused("adm-export s.json -o master.json", "is an ADM BWF master: its name must end in");
  ASSERT_EQ(vkmix("adm-export s.json -o m.wav -q", &text), 0) << text;
  fs::create_directories(dir_ / "sub");
  ASSERT_EQ(vkmix("adm-import m.wav -o sub/back.json", &text), 0) << text;
  EXPECT_EQ(vkmix("render sub/back.json -o sub/back.wav -q", &text), 0) << text;
  // Sessions and layouts that are not what they claim.
  test::writeText(dir_ / "deep.json", std::string(100000, '['));
  inputs_["deep.json"] = readBytes(dir_ / "deep.json");
  expectRefused("render deep.json -o o6.wav", "nests deeper than 32 levels");
  test::writeText(dir_ / "big.json", R"({"speakers": [{"label": "M+030", "azimuth": 1e400}]})");
  inputs_["big.json"] = readBytes(dir_ / "big.json");
  expectRefused("render s.json -o o3.wav --layout big.json",
                "big.json: speakers[0].azimuth: holds a number too large");
  std::string nul = readBytes(dir_ / "s.json") + std::string(1, '\0') + "junk";
  std::ofstream(dir_ / "nul.json", std::ios::binary) << nul;
  inputs_["nul.json"] = readBytes(dir_ / "nul.json");
  expectRefused("render nul.json -o o5.wav", "holds a NUL byte at offset");
  // Stem folders: one level made, and gone again when the render fails.
  expectRefused("render s.json -o o.wav --stems a/b/c",
                "--stems: the folder's parent does not exist");
  expectRefused("render s.json -o o4.wav --stems st --loudness-target -99", "--loudness-target");
  EXPECT_FALSE(fs::exists(dir_ / "st"));
}

// What a review of the first version found: media that end within the planner's 10 ms tolerance
// of a clip's length are not "changed during the render" when a decode-ahead worker reads to
// their end; and a WAV written to a pipe (its sizes 0xFFFFFFFF: unknown) is not "cut short".
TEST_F(Safety, ToleratedShortClipsAndPipedWavsRender) {
  test::writeText(dir_ / "longer.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [{"name": "a",
      "clips": [{"file": "media/fx.wav", "length": 0.505}]}]})");
  std::string text;
  EXPECT_EQ(vkmix("render longer.json -o l.wav --decode-threads 1 --read-threads 1", &text), 0)
      << text;
  EXPECT_THAT(text, HasSubstr("media ends 0.005000 s early"));
  ASSERT_EQ(test::runCommand("cd " + dir_.path().string() +
                                 " && ffmpeg -nostdin -loglevel error -i media/fx.wav -f wav - "
                                 "> media/piped.wav",
                             &text),
            0)
      << text;
  test::writeText(dir_ / "piped.json", R"({"vkmix": 1, "layout": "2.0", "tracks": [{"name": "a",
      "clips": [{"file": "media/piped.wav"}]}]})");
  EXPECT_EQ(vkmix("render piped.json -o p.wav -q", &text), 0) << text;
  const io::DecodedAudio out = io::decodeAudio(dir_ / "p.wav", 48000);
  EXPECT_EQ(out.numFrames(), 24000);
}

}  // namespace
}  // namespace vkmix
