// ADM BWF from the command line: adm-export, adm-info, render MASTER.wav, adm-import; bad masters
// get one line naming the file and chunk and leave nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "io/decoder.hpp"
#include "support/adm_files.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AdmCli : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    test::writeFloatWav(dir_ / "a.wav", {test::noise(24000, 5, 0.4f)}, 48000);
    test::writeFloatWav(dir_ / "st.wav", {test::noise(24000, 6, 0.2f), test::noise(24000, 7, 0.2f)},
                        48000);
    test::writeText(dir_ / "s.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "fly", "stem": "effects", "positionKeys": [{"time": 0, "azimuth": 110},
       {"time": 0.5, "azimuth": -110}], "clips": [{"file": "a.wav"}]},
      {"name": "Score", "stem": "music", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav"}]}]})");
  }
  int vkmix(const std::string& args, std::string* out) {
    return test::runCommand(std::string(VKMIX_BINARY) + " " + args, out);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  test::ScratchDir dir_;
};

TEST_F(AdmCli, ExportInfoRenderAndImport) {
  std::string out;
  ASSERT_EQ(vkmix("adm-export " + path("s.json") + " -o " + path("master.wav"), &out), 0) << out;
  ASSERT_EQ(vkmix("adm-info " + path("master.wav"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("3 channels"));
  EXPECT_THAT(out, HasSubstr("object AO_1001 \"fly\": Objects"));
  EXPECT_THAT(out, HasSubstr("object AO_1002 \"Score\": DirectSpeakers"));
  EXPECT_THAT(out, HasSubstr("speaker M-030"));

  // The master renders like the session, to any layout.
  ASSERT_EQ(
      vkmix("render " + path("s.json") + " -o " + path("direct.wav") + " --format wav32f", &out), 0)
      << out;
  ASSERT_EQ(vkmix("render " + path("master.wav") + " --layout 5.1 -o " + path("viaadm.wav") +
                      " --format wav32f",
                  &out),
            0)
      << out;
  const io::DecodedAudio a = io::decodeAudio(dir_ / "direct.wav", 48000);
  const io::DecodedAudio b = io::decodeAudio(dir_ / "viaadm.wav", 48000);
  ASSERT_EQ(a.channels.size(), 6u);
  ASSERT_EQ(b.channels.size(), 6u);
  ASSERT_EQ(a.numFrames(), b.numFrames());
  for (std::size_t c = 0; c < 6; ++c) {
    for (std::size_t i = 0; i < a.channels[c].size(); ++i)
      ASSERT_NEAR(a.channels[c][i], b.channels[c][i], 1e-5) << c << " " << i;
  }
  ASSERT_EQ(vkmix("render " + path("master.wav") + " --layout 9.1.6 -o " + path("916.wav"), &out),
            0)
      << out;

  // adm-import writes the session the master renders as.
  ASSERT_EQ(vkmix("adm-import " + path("master.wav") + " --programme APR_1001 -o " +
                      path("imported.json"),
                  &out),
            0)
      << out;
  std::ifstream in(dir_ / "imported.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("\"positionKeys\""));
  EXPECT_THAT(text, HasSubstr("\"channels\": ["));
  ASSERT_EQ(vkmix("render " + path("imported.json") + " -o " + path("again.wav"), &out), 0) << out;
}

// A track name with a control character (which XML 1.0 cannot carry) and non-ASCII text: the
// export warns, writes U+FFFD for the control character, and libxml2 reads its axml.
TEST_F(AdmCli, ExportedAxmlIsXmlThatLibxml2Reads) {
  VKMIX_REQUIRE_XMLLINT();
  test::writeText(dir_ / "names.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [
      {"name": "Cue\u0001 \u00c9tienne \u2603 <&>", "stem": "dialogue", "clips": [{"file": "a.wav"}]},
      {"name": "Pad\ttab", "stem": "music", "type": "bed", "bed": "2.0",
       "clips": [{"file": "st.wav"}]}]})");
  std::string out;
  ASSERT_EQ(vkmix("adm-export " + path("names.json") + " -o " + path("names.wav"), &out), 0) << out;
  EXPECT_THAT(out,
              HasSubstr("names.json: tracks[0].name: characters XML 1.0 cannot carry are "
                        "written as U+FFFD: \"Cue\xEF\xBF\xBD \xC3\x89tienne \xE2\x98\x83 <&>\""));
  EXPECT_THAT(out, Not(HasSubstr("tracks[1].name")));  // a tab is XML
  test::extractAxml(dir_ / "names.wav", dir_ / "names.xml");
  ASSERT_EQ(test::xmllint(dir_ / "names.xml", &out), 0) << out;
  ASSERT_EQ(vkmix("adm-info " + path("names.wav"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"Cue\xEF\xBF\xBD \xC3\x89tienne \xE2\x98\x83 <&>\": Objects"));
  EXPECT_THAT(out, HasSubstr("\"Pad\ttab\": DirectSpeakers"));
}

// A master from another tool (Dolby's profile: one-sample blocks overlapping by a microsecond with
// an interpolationLength longer than the block) whose only object ends at 0.25 s of a 1 s file:
// it renders (it was refused), the render lasts the master's second (BS.2127 renders its input's
// length), and after the object's last block every channel is silent.
TEST_F(AdmCli, OtherToolsMastersRenderForTheirWholeLength) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks;
  for (int i = 0; i < 4; ++i) {
    adm::BlockFormat one = test::polarBlock(30.0 - 20.0 * i, 0, i * 21e-6, 22e-6);
    one.jumpPosition = true;
    one.interpolationLength = 0.01;
    blocks.push_back(one);
  }
  blocks.push_back(test::polarBlock(-30, 0, 84e-6, 0.25 - 84e-6));
  b.object("fly", 0, blocks);
  test::writeAdmFile(dir_ / "dolby.wav", b, {test::noise(48000, 12, 0.3f)}, 48000);
  std::string out;
  ASSERT_EQ(vkmix("render " + path("dolby.wav") + " --layout 2.0 --format wav32f -o " +
                      path("dolby_2.0.wav"),
                  &out),
            0)
      << out;
  const io::DecodedAudio r = io::decodeAudio(dir_ / "dolby_2.0.wav", 48000);
  ASSERT_EQ(r.channels.size(), 2u);
  EXPECT_EQ(r.numFrames(), 48000u);
  double before = 0, after = 0;
  for (const auto& ch : r.channels) {
    for (std::size_t i = 0; i < ch.size(); ++i)
      (i < 12000 ? before : after) = std::max(i < 12000 ? before : after, std::abs(double(ch[i])));
  }
  EXPECT_GT(before, 0.1);
  EXPECT_EQ(after, 0.0);
}

TEST_F(AdmCli, BadMastersAreOneLineAndLeaveNothing) {
  std::string out;
  ASSERT_EQ(
      vkmix("adm-export " + path("s.json") + " -o " + path("master.wav") + " --format wav24", &out),
      0)
      << out;
  // A programme the master lacks, and a programme asked of a plain session.
  EXPECT_EQ(
      vkmix("render " + path("master.wav") + " --programme Commentary -o " + path("out.wav"), &out),
      1);
  EXPECT_THAT(out, HasSubstr("master.wav: audioProgramme: no programme with the ID or name "
                             "\"Commentary\" (the file has APR_1001"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(vkmix("render " + path("s.json") + " --programme APR_1001 -o " + path("out.wav"), &out),
            1);
  EXPECT_THAT(out, HasSubstr("--programme: "));
  EXPECT_THAT(out, HasSubstr("is not an ADM BWF master"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav"));
  // Corrupt the axml: its first '<' after "axml" becomes a letter.
  std::fstream f(dir_ / "master.wav", std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::size_t axml = bytes.rfind("axml");
  ASSERT_NE(axml, std::string::npos);
  const std::size_t open = bytes.find("<audioProgramme", axml);
  f.seekp(static_cast<std::streamoff>(open + 1));
  f.put('!');
  f.close();
  EXPECT_EQ(vkmix("render " + path("master.wav") + " -o " + path("out.wav"), &out), 1);
  EXPECT_THAT(out, HasSubstr("master.wav: axml: line"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.wav"));
  EXPECT_EQ(vkmix("adm-info " + path("master.wav"), &out), 1);
  EXPECT_THAT(out, HasSubstr("master.wav: axml: line"));
  EXPECT_EQ(vkmix("adm-export " + path("s.json") + " -o " + path("x.wav") + " --format mp3", &out),
            1);
  EXPECT_THAT(out, HasSubstr("--format: \"mp3\" is not one of wav32f, wav24"));
  EXPECT_EQ(vkmix("adm-export " + path("s.json") + " -o " + path("nowhere/x.wav"), &out), 1);
  EXPECT_THAT(out, HasSubstr("the output folder does not exist"));
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find("tmp"), std::string::npos) << e.path();
}

// adm-info on a master that render would refuse: the listing, then the reason as the last line,
// and render's failing exit. A master cut short (its axml lost with the end of the audio) and a
// corrupt axml size say so, naming the file and chunk, rather than "no ADM metadata".
TEST(AdmCliBadMasters, AdmInfoFailsWhereRenderWouldAndNamesTruncation) {
  test::ScratchDir dir;
  auto vkmix = [](const std::string& args, std::string* out) {
    return test::runCommand(std::string(VKMIX_BINARY) + " " + args, out);
  };
  auto lastLine = [](const std::string& out) {
    const std::size_t end = out.find_last_not_of('\n');
    const std::size_t start = out.rfind('\n', end);
    return out.substr(start == std::string::npos ? 0 : start + 1, end - start);
  };
  adm::BlockFormat outside = test::polarBlock(0, 0, 0, 0.5);
  outside.cartesian = true;
  outside.x = 5;
  adm::DocumentBuilder b({"effects"});
  b.object("far", 0, {outside});
  const std::string bad = (dir / "bad.wav").string();
  test::writeAdmFile(bad, b, {test::noise(24000, 1, 0.3f)}, 48000);
  std::string out;
  EXPECT_EQ(vkmix("adm-info " + bad, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("object AO_1001 \"far\""));  // the listing is still printed
  EXPECT_THAT(lastLine(out), HasSubstr("vkmix: " + bad + ": axml: audioObject AO_1001"));
  EXPECT_THAT(lastLine(out), HasSubstr("x: must be within -1..1"));

  adm::DocumentBuilder good({"effects"});
  good.object("near", 0, {test::polarBlock(0, 0, 0, 0.5)});
  const std::filesystem::path master = dir / "m.wav";
  test::writeAdmFile(master, good, {test::noise(24000, 1, 0.3f)}, 48000);
  std::string bytes;
  {
    std::ifstream in(master, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string cut = (dir / "cut.wav").string();
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_EQ(vkmix("adm-info " + cut, &out), 1) << out;
  EXPECT_THAT(lastLine(out), HasSubstr("cut.wav: data: truncated file: the data chunk declares"));
  EXPECT_EQ(vkmix("render " + cut + " -o " + (dir / "o.wav").string(), &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("cut.wav: data: truncated file"));
  EXPECT_THAT(out, Not(HasSubstr("without ADM metadata")));

  // The axml chunk's size field says 4 GiB.
  const std::size_t axml = bytes.rfind("axml");
  ASSERT_NE(axml, std::string::npos);
  std::string corrupt = bytes;
  for (int i = 0; i < 4; ++i) corrupt[axml + 4 + static_cast<std::size_t>(i)] = '\xF0';
  const std::string sized = (dir / "sized.wav").string();
  std::ofstream(sized, std::ios::binary) << corrupt;
  EXPECT_EQ(vkmix("render " + sized + " -o " + (dir / "o.wav").string(), &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("sized.wav: axml: corrupt chunk size"));
  EXPECT_FALSE(std::filesystem::exists(dir / "o.wav"));
}

// --complementary picks the member of a complementary group that plays (render, adm-import);
// an ID in no group is one line naming the flag, and nothing is written.
TEST_F(AdmCli, ComplementaryChoosesTheAlternativeThatPlays) {
  adm::DocumentBuilder b({"dialogue"});
  b.object("english", 0, {test::polarBlock(30, 0, 0, 0.5)});
  b.object("french", 0, {test::polarBlock(-30, 0, 0, 0.5)});
  adm::Document doc = b.document();
  doc.objects[0].complementaryRefs = {"AO_1002"};
  test::writeAdmFile(dir_ / "m.wav", doc, b.chna(),
                     {test::noise(24000, 1, 0.3f), test::noise(24000, 2, 0.3f)}, 48000);
  std::string out;
  auto levels = [&](const std::string& args) {
    EXPECT_EQ(vkmix("render " + path("m.wav") + " --layout 2.0 --format wav32f -o " +
                        path("r.wav") + " -y" + args,
                    &out),
              0)
        << out;
    const io::DecodedAudio r = io::decodeAudio(dir_ / "r.wav", 48000);
    std::vector<double> power(2, 0.0);
    for (std::size_t c = 0; c < 2; ++c)
      for (float x : r.channels[c]) power[c] += static_cast<double>(x) * x;
    return power;
  };
  // English (the default) at L only; French at R only.
  auto p = levels("");
  EXPECT_GT(p[0], 100.0);
  EXPECT_EQ(p[1], 0.0);
  EXPECT_THAT(out, HasSubstr("only AO_1001 plays (the default"));
  p = levels(" --complementary AO_1002");
  EXPECT_EQ(p[0], 0.0);
  EXPECT_GT(p[1], 100.0);
  ASSERT_EQ(
      vkmix("adm-import " + path("m.wav") + " --complementary AO_1002 -o " + path("fr.json"), &out),
      0)
      << out;
  std::ifstream in(dir_ / "fr.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("\"french\""));
  EXPECT_THAT(text, Not(HasSubstr("\"english\"")));
  EXPECT_NE(vkmix("render " + path("m.wav") + " --complementary AO_9 -o " + path("bad.wav"), &out),
            0);
  EXPECT_THAT(out, HasSubstr("--complementary: AO_9 is not in a complementary group of"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.wav"));
}

// An HOA master (BS.2094's first-order SN3D pack) from the command line: adm-info names the
// object's type and channels, render decodes it to the layout asked for without a warning, and
// adm-import writes an hoa track.
TEST_F(AdmCli, HoaMasterInfoRenderAndImport) {
  const test::HoaMaster m = test::commonHoaMaster(
      "AP_00040001", {"AC_00040001", "AC_00040002", "AC_00040003", "AC_00040004"});
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 4; ++c) audio.push_back(test::noise(24000, 40 + c, 0.2f));
  test::writeAdmFile(dir_ / "hoa.wav", m.doc, m.chna, audio, 48000);
  std::string out;
  ASSERT_EQ(vkmix("adm-info " + path("hoa.wav"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("object AO_1001 \"scene\": HOA, pack AP_00040001"));
  EXPECT_THAT(out, HasSubstr("-> AC_00040004 \"SN3D_ACN_3\""));
  EXPECT_THAT(out, HasSubstr("\nwarnings: none\n"));
  ASSERT_EQ(vkmix("render " + path("hoa.wav") + " --layout 5.1 -o " + path("hoa51.wav"), &out), 0)
      << out;
  EXPECT_THAT(out, Not(HasSubstr("not supported")));
  EXPECT_EQ(io::decodeAudio(dir_ / "hoa51.wav", 48000).channels.size(), 6u);
  ASSERT_EQ(vkmix("adm-import " + path("hoa.wav") + " -o " + path("hoa.json"), &out), 0) << out;
  std::ifstream json(dir_ / "hoa.json");
  const std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("\"type\": \"hoa\""));
  EXPECT_THAT(text, HasSubstr("\"order\": 1"));
}

// adm-info tells a mixer, before rendering a master, each object's binaural mode and what the
// import warns about (here: none, while a master from another tool has its section).
TEST_F(AdmCli, InfoShowsBinauralModesAndWarnings) {
  test::writeText(dir_ / "far.json", R"({"vkmix": 1, "tracks": [
      {"name": "far fly", "binauralMode": "far", "clips": [{"file": "a.wav"}]},
      {"name": "dry fly", "binauralMode": "near", "clips": [{"file": "a.wav"}]}]})");
  std::string out;
  ASSERT_EQ(vkmix("adm-export " + path("far.json") + " -o " + path("far.wav"), &out), 0) << out;
  ASSERT_EQ(vkmix("adm-info " + path("far.wav"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"far fly\", 1 block, binaural far\n"));
  EXPECT_THAT(out, HasSubstr("\"dry fly\", 1 block, binaural near\n"));
  EXPECT_THAT(out, HasSubstr("\nwarnings: none\n"));

  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat room;
  room.cartesian = true;
  room.y = 1.0;
  b.object("room", 0, {room});
  adm::Document roomDoc = b.document();
  roomDoc.objects[0].positionOffset = adm::PositionOffset{.azimuth = 10.0};
  test::writeAdmFile(dir_ / "room.wav", roomDoc, b.chna(), {test::noise(24000, 1, 0.3f)}, 48000);
  ASSERT_EQ(vkmix("adm-info " + path("room.wav"), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"room\", 1 block, binaural mid\n"));
  EXPECT_THAT(
      out,
      HasSubstr("\nwarnings:\n  audioObject AO_1001: a polar positionOffset on Cartesian blocks"));
}

// The inspector opens a master with the same --complementary choice as render: the alternative not
// chosen is not in the session it shows (so --select cannot find it), and an ID in no group is the
// same one-line error naming the flag, before any window or screenshot.
TEST_F(AdmCli, InspectOpensTheChosenComplementaryObject) {
  adm::DocumentBuilder b({"dialogue"});
  b.object("english", 0, {test::polarBlock(30, 0, 0, 0.5)});
  b.object("french", 0, {test::polarBlock(-30, 0, 0, 0.5)});
  adm::Document doc = b.document();
  doc.objects[0].complementaryRefs = {"AO_1002"};
  test::writeAdmFile(dir_ / "m.wav", doc, b.chna(),
                     {test::noise(24000, 1, 0.3f), test::noise(24000, 2, 0.3f)}, 48000);
  const std::string inspect = "inspect " + path("m.wav") + deviceArg() + " --screenshot ";
  std::string out;
  EXPECT_EQ(vkmix(inspect + path("fr.png") + " --complementary AO_1002 --select english", &out), 1);
  EXPECT_THAT(out, HasSubstr("--select: no track named \"english\""));
  EXPECT_EQ(vkmix(inspect + path("en.png") + " --select french", &out), 1);
  EXPECT_THAT(out, HasSubstr("--select: no track named \"french\""));
  ASSERT_EQ(vkmix(inspect + path("fr.png") + " --complementary AO_1002 --select french", &out), 0)
      << out;
  EXPECT_GT(std::filesystem::file_size(dir_ / "fr.png"), 0u);

  EXPECT_EQ(vkmix(inspect + path("bad.png") + " --complementary AO_9", &out), 1);
  EXPECT_THAT(out, HasSubstr("--complementary: AO_9 is not in a complementary group of"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.png"));
  // A plain session has no objects to choose from.
  EXPECT_EQ(vkmix("inspect " + path("s.json") + " --screenshot " + path("s.png") +
                      " --complementary AO_1002",
                  &out),
            1);
  EXPECT_THAT(out, HasSubstr("--complementary: "));
  EXPECT_THAT(out, HasSubstr("is not an ADM BWF master"));
}

}  // namespace
}  // namespace vkmix
