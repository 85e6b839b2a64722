// ADM BWF into a session: blocks to keys (jumpPosition, interpolationLength), DirectSpeakers to
// beds (defined or BS.2094 common definitions), what is unsupported named, bad files named.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adm/import.hpp"
#include "support/adm_files.hpp"
#include "support/test_media.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class AdmImport : public ::testing::Test {
 protected:
  std::filesystem::path write(const adm::DocumentBuilder& b, const std::string& name = "m.wav",
                              std::size_t frames = 4800) {
    std::vector<std::vector<float>> audio(b.chna().size(), std::vector<float>(frames, 0.1f));
    test::writeAdmFile(dir_ / name, b, audio, 48000);
    return dir_ / name;
  }
  Session import(const std::filesystem::path& p) {
    warnings_.clear();
    return importAdm(p, [this](const std::string& w) { warnings_.push_back(w); });
  }
  // Replaces the axml of a written file (same chna and audio).
  std::filesystem::path withAxml(const adm::DocumentBuilder& b, const std::string& axml) {
    wave::Bw64Writer w(dir_ / "x.wav", static_cast<int>(b.chna().size()), 48000,
                       wave::Bw64Sample::Float32, b.chna());
    w.write(std::vector<float>(b.chna().size() * 480, 0.0f));
    w.finish(axml);
    return dir_ / "x.wav";
  }
  test::ScratchDir dir_;
  std::vector<std::string> warnings_;
};

TEST_F(AdmImport, StaticObjectBecomesAPositionedTrackOnItsFileChannel) {
  adm::DocumentBuilder b({"dialogue", "effects"});
  b.object("FX", 1, {test::polarBlock(-110, 15, 0.0, 0.1)});
  b.object("DX", 0, {test::polarBlock(30, 0, 0.0, 0.1)});
  const Session s = import(write(b));
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  EXPECT_EQ(s.sampleRate, 48000);
  ASSERT_EQ(s.tracks.size(), 2u);
  // Programme order: contents in order, so dialogue first.
  EXPECT_EQ(s.tracks[0].name, "DX");
  EXPECT_EQ(s.tracks[0].stem, "dialogue");
  EXPECT_EQ(s.tracks[0].clips.at(0).channel, 1);
  EXPECT_EQ(s.tracks[1].stem, "effects");
  EXPECT_DOUBLE_EQ(s.tracks[1].position.azimuthDeg, -110);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.elevationDeg, 15);
  EXPECT_TRUE(s.tracks[1].positionKeys.empty());
  EXPECT_EQ(s.tracks[1].clips.at(0).resolvedPath, dir_ / "m.wav");
}

TEST_F(AdmImport, BlocksBecomeKeysThatTravelTheSamePath) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks = {test::polarBlock(0, 0, 0.0, 1.0),
                                          test::polarBlock(90, 0, 1.0, 1.0),   // moves over 1 s
                                          test::polarBlock(-90, 0, 2.0, 1.0),  // jump
                                          test::polarBlock(0, 30, 3.0, 1.0)};  // 0.25 s glide
  blocks[2].jumpPosition = true;
  blocks[3].jumpPosition = true;
  blocks[3].interpolationLength = 0.25;
  blocks[3].gain = 0.5;
  b.object("fly", 0, blocks);
  const Session s = import(write(b, "m.wav", 4 * 48000));
  const auto& k = s.tracks.at(0).positionKeys;
  ASSERT_EQ(k.size(), 6u);
  auto az = [&](std::size_t i) { return k[i].position.azimuthDeg; };
  EXPECT_DOUBLE_EQ(k[0].timeSeconds, 0.0);  // the first block holds from its start...
  EXPECT_DOUBLE_EQ(az(0), 0.0);
  EXPECT_DOUBLE_EQ(k[1].timeSeconds, 1.0);  // ...to the start of the next
  EXPECT_DOUBLE_EQ(az(1), 0.0);
  EXPECT_DOUBLE_EQ(k[2].timeSeconds, 2.0);  // which moves over its duration, linearly
  EXPECT_DOUBLE_EQ(az(2), 90.0);
  EXPECT_EQ(k[2].interpolation, Interpolation::Linear);
  EXPECT_DOUBLE_EQ(k[3].timeSeconds, 2.0);  // jumps at the block's start
  EXPECT_DOUBLE_EQ(az(3), -90.0);
  EXPECT_EQ(k[3].interpolation, Interpolation::Jump);
  EXPECT_DOUBLE_EQ(k[4].timeSeconds, 3.0);  // holds until the glide starts...
  EXPECT_DOUBLE_EQ(az(4), -90.0);
  EXPECT_DOUBLE_EQ(k[5].timeSeconds, 3.25);  // ...and arrives after interpolationLength
  EXPECT_DOUBLE_EQ(k[5].position.elevationDeg, 30.0);
  EXPECT_EQ(k[5].interpolation, Interpolation::Linear);
  // Block gains become gain keys on the same times (dB).
  const auto& g = s.tracks[0].gainKeys;
  ASSERT_EQ(g.size(), 6u);
  EXPECT_DOUBLE_EQ(g[0].gainDb, 0.0);
  EXPECT_NEAR(g[5].gainDb, -6.0206, 1e-4);
}

TEST_F(AdmImport, SizeDivergenceAndCartesianCarryOver) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat wide = test::polarBlock(0, 0, 0.0, 0.1);
  wide.width = 90;
  wide.height = 20;
  wide.depth = 0.5;
  wide.divergence = 0.5;
  wide.divergenceAzimuthRange = 30;
  adm::BlockFormat room;
  room.cartesian = true;
  room.x = -0.5;
  room.y = 0.25;
  room.z = 1.0;
  b.object("wide", 0, {wide});
  b.object("room", 0, {room});
  const Session s = import(write(b));
  const Position& p = s.tracks.at(0).position;
  EXPECT_DOUBLE_EQ(p.widthDeg, 90);
  EXPECT_DOUBLE_EQ(p.heightDeg, 20);
  EXPECT_DOUBLE_EQ(p.depth, 0.5);
  EXPECT_DOUBLE_EQ(p.divergence, 0.5);
  EXPECT_DOUBLE_EQ(p.divergenceAzimuthRangeDeg, 30);
  const Position& c = s.tracks.at(1).position;
  EXPECT_TRUE(c.cartesian);
  // Cartesian positions render through BS.2127's allocentric panner: nothing to warn about here
  // (a render to a layout without allocentric positions says so).
  EXPECT_TRUE(warnings_.empty());
  EXPECT_DOUBLE_EQ(c.x, -0.5);
  EXPECT_DOUBLE_EQ(c.y, 0.25);
  EXPECT_DOUBLE_EQ(c.z, 1.0);
}

// objectDivergence positionRange is a Cartesian block's divergence range (BS.2127 splits along X
// by it); on a polar block BS.2127 ignores it (the block diverges by azimuthRange): the import
// ignores it too, without a warning (nothing BS.2127 renders is left out): the polar key
// carries no positionRange, only its divergence and azimuthRange.
TEST_F(AdmImport, PositionRangeIsACartesianBlocksDivergence) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat polar = test::polarBlock(0, 0, 0, 0.1);
  polar.divergence = 0.5;
  adm::BlockFormat room;
  room.cartesian = true;
  room.divergence = 0.5;
  room.divergencePositionRange = 0.4;
  b.object("polar", 0, {polar});
  b.object("room", 0, {room});
  std::string axml = adm::writeAdm(b.document());
  const std::string tag = "<objectDivergence";
  axml.insert(axml.find(tag) + tag.size(), " positionRange=\"0.3\"");  // the polar block's
  ASSERT_NE(axml.find("positionRange=\"0.3\""), std::string::npos);
  const Session s = import(withAxml(b, axml));
  EXPECT_DOUBLE_EQ(s.tracks.at(1).position.divergencePositionRange, 0.4);
  EXPECT_DOUBLE_EQ(s.tracks.at(1).position.divergence, 0.5);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  const Position& p = s.tracks.at(0).position;
  EXPECT_FALSE(p.cartesian);
  EXPECT_DOUBLE_EQ(p.divergence, 0.5);
  EXPECT_DOUBLE_EQ(p.divergenceAzimuthRangeDeg, polar.divergenceAzimuthRange);
  EXPECT_EQ(p.divergencePositionRange, 0.0);
}

// objectDivergence's azimuthRange default changed from 45 (BS.2076-1) to 0 (BS.2076-2); BS.2127's
// reference renderer (diverge()) takes the one of the document's version, 45 for an older or
// unknown one, and warns either way. A polar block without the attribute does the same here.
TEST_F(AdmImport, AzimuthRangeDefaultsByTheDocumentsVersion) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat polar = test::polarBlock(0, 0, 0, 0.1);
  polar.divergence = 0.5;
  polar.divergenceAzimuthRange = 30.0;
  b.object("polar", 0, {polar});
  std::string axml = adm::writeAdm(b.document());
  const std::string written = "azimuthRange=\"30\"";
  const std::size_t at = axml.find(written);
  ASSERT_NE(at, std::string::npos);
  EXPECT_DOUBLE_EQ(import(withAxml(b, axml)).tracks.at(0).position.divergenceAzimuthRangeDeg, 30.0);
  EXPECT_TRUE(warnings_.empty());
  axml.erase(at, written.size());
  ASSERT_NE(axml.find("version=\"ITU-R_BS.2076-2\""), std::string::npos);
  EXPECT_DOUBLE_EQ(import(withAxml(b, axml)).tracks.at(0).position.divergenceAzimuthRangeDeg, 0.0);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("azimuthRange"));
  EXPECT_THAT(warnings_[0], HasSubstr("taken as 0 degrees"));
  const std::string v2 = "ITU-R_BS.2076-2";
  axml.replace(axml.find(v2), v2.size(), "ITU-R_BS.2076-1");
  EXPECT_DOUBLE_EQ(import(withAxml(b, axml)).tracks.at(0).position.divergenceAzimuthRangeDeg, 45.0);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("taken as 45 degrees"));
}

// The builder's beds are custom packs (AP_0001yyyy, yyyy from 1000 hex): BS.2127 applies its
// speakerLabel mapping rules only to common definitions, so the surrounds (which the rules would
// let M+135 play) are objects at their positions, for the point-source panner; the rest is a bed.
TEST_F(AdmImport, DirectSpeakersBecomeABedMappedByLabel) {
  adm::DocumentBuilder b({"music"});
  b.object("solo", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.bed("Score", *findLayout("5.1"), 0);
  const Session s = import(write(b));
  ASSERT_EQ(s.tracks.size(), 4u);
  const Track& bed = s.tracks[1];
  EXPECT_EQ(bed.type, TrackType::Bed);
  EXPECT_EQ(bed.bedLayout, "5.1");
  EXPECT_EQ(bed.stem, "music");
  EXPECT_THAT(bed.clips.at(0).channels, ElementsAre(1, 2, 3, 4, -1, -1));
  EXPECT_EQ(s.tracks[2].type, TrackType::Object);
  EXPECT_EQ(s.tracks[2].clips.at(0).channel, 5);
  EXPECT_DOUBLE_EQ(s.tracks[2].position.azimuthDeg, 110);
  EXPECT_DOUBLE_EQ(s.tracks[3].position.azimuthDeg, -110);
}

TEST_F(AdmImport, CommonDefinitionsAndPartialBedsResolve) {
  // A stereo bed referencing BS.2094's AC_00010001/2 without defining them, and an LFE alone.
  adm::DocumentBuilder b({"music"});
  b.object("x", 0, {test::polarBlock(0, 0, 0, 0.1)});
  std::string axml = adm::writeAdm(b.document());
  const std::string tail = "</audioContent>";
  axml.insert(axml.find(tail), "<audioObjectIDRef>AO_1777</audioObjectIDRef>");
  axml.insert(axml.find("<audioPackFormat "),
              "<audioObject audioObjectID=\"AO_1777\" audioObjectName=\"St\">"
              "<audioPackFormatIDRef>AP_00010002</audioPackFormatIDRef>"
              "<audioTrackUIDRef>ATU_00000002</audioTrackUIDRef>"
              "<audioTrackUIDRef>ATU_00000003</audioTrackUIDRef></audioObject>");
  std::vector<wave::ChnaEntry> chna = b.chna();
  chna.push_back({2, "ATU_00000002", "AT_00010002_01", "AP_00010002"});
  chna.push_back({3, "ATU_00000003", "AT_00010001_01", "AP_00010002"});
  wave::Bw64Writer w(dir_ / "c.wav", 3, 48000, wave::Bw64Sample::Float32, chna);
  w.write(std::vector<float>(3 * 480, 0.0f));
  w.finish(axml);
  const Session s = import(dir_ / "c.wav");
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[1].bedLayout, "2.0");
  // File track 3 carries FrontLeft (M+030), track 2 FrontRight.
  EXPECT_THAT(s.tracks[1].clips.at(0).channels, ElementsAre(2, 1));
}

TEST_F(AdmImport, UnsupportedElementsAreNamedInWarnings) {
  adm::DocumentBuilder b({"effects"});
  b.object("o", 0, {test::polarBlock(0, 0, 0, 0.1)});
  std::string axml = adm::writeAdm(b.document());
  axml.insert(axml.find("<jumpPosition"), "<headLocked>1</headLocked><screenRef>0</screenRef>");
  axml.insert(axml.find("</audioFormatExtended>"), "<audioFormatCustom/>");
  import(withAxml(b, axml));
  std::string all;
  for (const auto& w : warnings_) all += w + "\n";
  // headLocked: BS.2127's loudspeaker render ignores it and vkmix's binaural render has no head
  // tracking (every object is head-locked there): documented, not warned (docs/adm.md).
  EXPECT_THAT(all, Not(HasSubstr("headLocked")));
  EXPECT_THAT(all, Not(HasSubstr("zoneExclusion")));  // rendered now (bs2127_import_test)
  EXPECT_THAT(all, Not(HasSubstr("screenRef")));      // 0: nothing to ignore
  EXPECT_THAT(all, HasSubstr("audioFormatExtended: audioFormatCustom is not supported"));
  EXPECT_THAT(all, HasSubstr("x.wav: "));
}

TEST_F(AdmImport, NegativeGainsInvertThePolarity) {
  adm::DocumentBuilder b({"effects"});
  auto block = [](double gain, double rtime) {
    adm::BlockFormat f = test::polarBlock(30, 0, rtime, 0.05);
    f.gain = gain;
    return f;
  };
  b.object("constant", 0, {block(-0.5, 0.0), block(-0.5, 0.05)});
  b.object("flips", 0, {block(0.5, 0.0), block(-0.25, 0.05)});
  b.object("plain", 0, {block(1.0, 0.0)});
  std::string axml = adm::writeAdm(b.document());
  // audioObject AO_1003 ("plain") at gain -2: inverted, 6 dB.
  const std::string uid = "<audioTrackUIDRef>ATU_00000003</audioTrackUIDRef>";
  axml.insert(axml.find(uid) + uid.size(), "<gain>-2</gain>");
  const Session s = import(withAxml(b, axml));
  ASSERT_EQ(s.tracks.size(), 3u);
  // A constant negative block gain: inverted clips, keys (here a fader offset) at |gain|.
  ASSERT_FALSE(s.tracks[0].clips.empty());
  for (const Clip& c : s.tracks[0].clips) EXPECT_TRUE(c.invert);
  ASSERT_FALSE(s.tracks[0].gainKeys.empty());
  for (const GainKey& k : s.tracks[0].gainKeys) EXPECT_NEAR(k.gainDb, 20 * std::log10(0.5), 1e-9);
  // A sign change: the first block's polarity, |gain| keys, the other block named.
  for (const Clip& c : s.tracks[1].clips) EXPECT_FALSE(c.invert);
  ASSERT_EQ(s.tracks[1].gainKeys.size(), 2u);
  EXPECT_NEAR(s.tracks[1].gainKeys[1].gainDb, 20 * std::log10(0.25), 1e-9);
  std::string all;
  for (const auto& w : warnings_) all += w + "\n";
  EXPECT_THAT(all, HasSubstr("audioBlockFormat AB_00031002_00000002: gain -0.25 changes sign"));
  // A negative audioObject gain: inverted at |gain|, not muted.
  ASSERT_FALSE(s.tracks[2].clips.empty());
  for (const Clip& c : s.tracks[2].clips) EXPECT_TRUE(c.invert);
  EXPECT_NEAR(s.tracks[2].gainDb, 20 * std::log10(2.0), 1e-9);
  EXPECT_FALSE(s.tracks[2].mute);
  EXPECT_THAT(describeAdm(withAxml(b, axml)), HasSubstr("gain 6.0206 dB, inverted"));
}

TEST_F(AdmImport, BadFilesNameTheFileAndChunk) {
  adm::DocumentBuilder b({"effects"});
  b.object("o", 0, {test::polarBlock(0, 0, 0, 0.1)});
  const std::string axml = adm::writeAdm(b.document());
  auto errorOf = [&](const std::filesystem::path& p) {
    try {
      import(p);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string bad = axml;
  bad.replace(bad.find(">0<"), 3, ">zz<");  // a coordinate that is not a number
  EXPECT_THAT(errorOf(withAxml(b, bad)), HasSubstr("x.wav: axml: line"));
  EXPECT_THAT(errorOf(withAxml(b, bad)), HasSubstr("\"zz\" is not a number"));
  bad = axml;
  bad.replace(bad.find("<audioTrackUIDRef>ATU_00000001"), 30, "<audioTrackUIDRef>ATU_00000009");
  EXPECT_THAT(errorOf(withAxml(b, bad)),
              HasSubstr("chna: audioObject AO_1001 uses audioTrackUID ATU_00000009"));
  bad = axml;
  const std::string elevation = "coordinate=\"elevation\">0<";
  bad.replace(bad.find(elevation), elevation.size(), "coordinate=\"elevation\">95<");
  EXPECT_THAT(errorOf(withAxml(b, bad)), HasSubstr("elevation: must be within -90..90"));
  bad = axml;
  bad.insert(bad.find("<jumpPosition"), "<zoneExclusion><zone>x</zone></zoneExclusion>");
  EXPECT_THAT(errorOf(withAxml(b, bad)),
              HasSubstr("<zone>: a zone has either minX..maxZ or minAzimuth..maxElevation"));
  bad = axml;
  bad.insert(bad.find("<jumpPosition"), "<diffuse>1.5</diffuse>");
  EXPECT_THAT(errorOf(withAxml(b, bad)), HasSubstr("diffuse must be within 0..1"));
  test::writeFloatWav(dir_ / "plain.wav", {std::vector<float>(10, 0.0f)}, 48000);
  EXPECT_FALSE(isAdmFile(dir_ / "plain.wav"));
  EXPECT_THAT(errorOf(dir_ / "plain.wav"), HasSubstr("plain.wav: axml: no axml chunk"));
  EXPECT_FALSE(isAdmFile(dir_ / "missing.wav"));
}

TEST_F(AdmImport, BadBlockValuesNameTheAdmElements) {
  auto errorOf = [&](const std::filesystem::path& p) {
    try {
      import(p);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  adm::BlockFormat outside = test::polarBlock(0, 0, 0.05, 0.05);
  outside.cartesian = true;
  outside.x = 5;
  adm::DocumentBuilder still({"effects"});
  still.object("o", 0, {outside});
  EXPECT_THAT(errorOf(write(still)),
              HasSubstr("m.wav: axml: audioObject AO_1001, audioChannelFormat AC_00031001, "
                        "audioBlockFormat AB_00031001_00000001: position.x: must be within -1..1"));
  adm::BlockFormat first = test::polarBlock(0, 0, 0.0, 0.05);
  first.cartesian = true;
  adm::DocumentBuilder moving({"effects"});
  moving.object("a", 0, {test::polarBlock(0, 0, 0, 0.1)});
  moving.object("b", 0, {first, outside});
  EXPECT_THAT(errorOf(write(moving)),
              HasSubstr("m.wav: axml: audioObject AO_1002, audioChannelFormat AC_00031002, "
                        "audioBlockFormat AB_00031002_00000002: x: must be within -1..1"));
  std::string axml = adm::writeAdm(still.document());
  const std::string uid = "<audioTrackUIDRef>ATU_00000001</audioTrackUIDRef>";
  still = adm::DocumentBuilder({"effects"});
  still.object("o", 0, {test::polarBlock(0, 0, 0, 0.1)});
  axml = adm::writeAdm(still.document());
  axml.insert(axml.find(uid) + uid.size(),
              "<positionOffset coordinate=\"azimuth\">1e20</positionOffset>");
  EXPECT_THAT(
      errorOf(withAxml(still, axml)),
      HasSubstr("x.wav: axml: audioObject AO_1001, audioChannelFormat AC_00031001, "
                "audioBlockFormat AB_00031001_00000001: position.azimuth: is out of range"));
}

// BS.2127 (the EBU reference renderer's parser): an Objects position is azimuth and elevation
// (distance optional) or X and Y (Z optional); other sets are one-line errors naming the block,
// never a silent front centre; the coordinates decide the kind over a cartesian flag that
// disagrees (warned).
TEST_F(AdmImport, WrongKindCoordinatesAreNamedNotPlacedFrontCentre) {
  auto errorOf = [&](const std::filesystem::path& p) {
    try {
      import(p);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  adm::DocumentBuilder b({"effects"});
  b.object("o", 0, {test::polarBlock(-110, 10, 0, 0.1)});
  const std::string polar = adm::writeAdm(b.document());
  auto drop = [](std::string axml, const std::string& coordinate) {
    const std::size_t at = axml.find("<position coordinate=\"" + coordinate + "\"");
    axml.erase(at, axml.find("</position>", at) + 11 - at);
    return axml;
  };
  auto replace = [](std::string axml, const std::string& from, const std::string& to) {
    axml.replace(axml.find(from), from.size(), to);
    return axml;
  };
  const std::string jump = "<jumpPosition";
  // <cartesian>1</cartesian> with only an azimuth.
  std::string axml = drop(drop(polar, "elevation"), "distance");
  axml = replace(axml, jump, "<cartesian>1</cartesian>" + jump);
  EXPECT_THAT(errorOf(withAxml(b, axml)),
              HasSubstr("audioBlockFormat AB_00031001_00000001: position gives azimuth; an "
                        "object's position is azimuth and elevation"));
  // A Cartesian block missing Y; one mixing the kinds.
  axml = replace(
      replace(replace(polar, "\"azimuth\">-110", "\"X\">0.5"), "\"elevation\">10", "\"Z\">0.2"),
      "\"distance\">1", "\"Y\">1");
  EXPECT_THAT(errorOf(withAxml(b, drop(axml, "Y"))),
              HasSubstr("audioBlockFormat AB_00031001_00000001: position gives X, Z;"));
  EXPECT_THAT(errorOf(withAxml(b, replace(axml, "\"Z\">0.2", "\"elevation\">0.2"))),
              HasSubstr("position gives X, elevation, Y;"));
  // X/Y/Z without the cartesian flag: Cartesian, warned.
  Session s = import(withAxml(b, axml));
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_TRUE(s.tracks[0].position.cartesian);
  EXPECT_DOUBLE_EQ(s.tracks[0].position.x, 0.5);
  EXPECT_DOUBLE_EQ(s.tracks[0].position.y, 1.0);
  EXPECT_DOUBLE_EQ(s.tracks[0].position.z, 0.2);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("audioBlockFormat AB_00031001_00000001: no "
                                               "<cartesian> flag with X/Y/Z coordinates; the "
                                               "coordinates decide: Cartesian")));
  // Polar coordinates under <cartesian>1</cartesian>: polar, warned. Without distance: 1.
  s = import(
      withAxml(b, replace(drop(polar, "distance"), jump, "<cartesian>1</cartesian>" + jump)));
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_FALSE(s.tracks[0].position.cartesian);
  EXPECT_DOUBLE_EQ(s.tracks[0].position.azimuthDeg, -110);
  EXPECT_DOUBLE_EQ(s.tracks[0].position.elevationDeg, 10);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("<cartesian>1</cartesian> with polar coordinates; "
                                               "the coordinates decide: polar")));
}

TEST_F(AdmImport, DescribeListsProgrammeObjectsAndTracks) {
  adm::DocumentBuilder b({"dialogue", "music"});
  b.object("DX", 0, {test::polarBlock(0, 0, 0, 0.05), test::polarBlock(10, 0, 0.05, 0.05)});
  b.bed("Score", *findLayout("2.0"), 1);
  const std::string text = describeAdm(write(b));
  EXPECT_THAT(text, HasSubstr("RIFF, 48000 Hz, 32-bit float, 3 channels, 0.100 s"));
  EXPECT_THAT(text, HasSubstr("programme APR_1001"));
  EXPECT_THAT(text, HasSubstr("content ACO_1001 \"dialogue\" (dialogue)"));
  EXPECT_THAT(text, HasSubstr("object AO_1001 \"DX\": Objects"));
  EXPECT_THAT(text, HasSubstr("track 1 ATU_00000001 -> AC_00031001 \"DX\", 2 blocks"));
  EXPECT_THAT(text, HasSubstr("track 3 ATU_00000003 -> AC_00011003 \"R\" speaker M-030"));
}

// A master with two programmes (the full mix, and an effects-only version sharing its content):
// the first renders unless --programme names another by ID or name; a name the file lacks is an
// error listing what it has; adm-info shows the others.
TEST_F(AdmImport, AProgrammeIsChosenByIdOrName) {
  adm::DocumentBuilder b({"dialogue", "effects"});
  b.object("DX", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.object("FX", 1, {test::polarBlock(90, 0, 0, 0.1)});
  std::string axml = adm::writeAdm(b.document());
  const std::string effects = b.document().contents.at(1).id;
  axml.insert(axml.find("</audioProgramme>") + std::string("</audioProgramme>").size(),
              "<audioProgramme audioProgrammeID=\"APR_1002\" audioProgrammeName=\"M&amp;E\">"
              "<audioContentIDRef>" +
                  effects + "</audioContentIDRef></audioProgramme>");
  const auto file = withAxml(b, axml);
  auto names = [](const Session& s) {
    std::vector<std::string> out;
    for (const Track& t : s.tracks) out.push_back(t.name);
    return out;
  };
  EXPECT_THAT(names(import(file)), ElementsAre("DX", "FX"));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("2 audioProgrammes; rendering the first, APR_1001"));
  EXPECT_THAT(warnings_[0], HasSubstr("--programme"));
  for (const char* choice : {"APR_1002", "M&E"}) {
    const Session s = importAdm(file, nullptr, choice);
    EXPECT_THAT(names(s), ElementsAre("FX")) << choice;
  }
  EXPECT_THAT(names(importAdm(file, nullptr, "APR_1001")), ElementsAre("DX", "FX"));
  try {
    importAdm(file, nullptr, "Commentary");
    ADD_FAILURE() << "an unknown programme must be an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("x.wav: audioProgramme: no programme with the ID or name "
                                    "\"Commentary\""));
    EXPECT_THAT(e.what(), HasSubstr("APR_1002 \"M&E\""));
  }
  EXPECT_THAT(describeAdm(file), HasSubstr("programme APR_1002 \"M&E\" (not shown"));
}

// Names with what XML 1.0 cannot carry (a control character) beside non-ASCII text and markup
// characters: the axml libxml2 reads, and the import gets the names back with U+FFFD.
TEST_F(AdmImport, ExportedNamesAreXmlThatLibxml2Reads) {
  adm::DocumentBuilder b({"dialogue", "music"});
  b.object("Cue\x01 \xC3\x89tienne \xE2\x98\x83 <&>", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.bed("Pad\ttab", *findLayout("2.0"), 1);
  const auto file = write(b);
  const Session s = import(file);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[0].name, "Cue\xEF\xBF\xBD \xC3\x89tienne \xE2\x98\x83 <&>");
  EXPECT_EQ(s.tracks[1].name, "Pad\ttab");
  VKMIX_REQUIRE_XMLLINT();
  test::extractAxml(file, dir_ / "m.xml");
  std::string out;
  EXPECT_EQ(test::xmllint(dir_ / "m.xml", &out), 0) << out;
}

// A master with thousands of objects sharing 128 file tracks over time, as a long feature's is:
// every object resolves to its own track, channel, time and position. (Planning used to search
// the document for each reference, quadratic in objects; this checks the result, not the time.)
TEST_F(AdmImport, ThousandsOfObjectsOnSharedTracksResolve) {
  constexpr int kObjects = 2000, kTracks = 128;
  constexpr double kSlotSeconds = 0.01;
  adm::DocumentBuilder b({"dialogue", "music", "effects"});
  for (int i = 0; i < kObjects; ++i) {
    adm::BlockFormat block = test::polarBlock(i % 361 - 180, i % 91 - 45, 0.0, kSlotSeconds);
    b.object("o" + std::to_string(i), i % 3, {block});
  }
  adm::Document doc = b.document();
  std::vector<wave::ChnaEntry> chna = b.chna();
  for (int i = 0; i < kObjects; ++i) {
    doc.objects[static_cast<std::size_t>(i)].start = (i / kTracks) * kSlotSeconds;
    doc.objects[static_cast<std::size_t>(i)].duration = kSlotSeconds;
    chna[static_cast<std::size_t>(i)].trackIndex = i % kTracks + 1;
  }
  const auto frames = static_cast<std::size_t>((kObjects / kTracks + 1) * kSlotSeconds * 48000);
  {
    wave::Bw64Writer w(dir_ / "many.wav", kTracks, 48000, wave::Bw64Sample::Float32, chna);
    w.write(std::vector<float>(kTracks * frames, 0.0f));
    w.finish(adm::writeAdm(doc));
  }
  const Session s = import(dir_ / "many.wav");
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  ASSERT_EQ(s.tracks.size(), static_cast<std::size_t>(kObjects));
  // The programme's contents in order (dialogue, music, effects), each its objects in order.
  std::size_t t = 0;
  for (int content = 0; content < 3; ++content) {
    for (int i = content; i < kObjects; i += 3, ++t) {
      const Track& track = s.tracks[t];
      ASSERT_EQ(track.name, "o" + std::to_string(i)) << t;
      EXPECT_EQ(track.stem, content == 0 ? "dialogue" : content == 1 ? "music" : "effects");
      EXPECT_DOUBLE_EQ(track.position.azimuthDeg, i % 361 - 180) << i;
      EXPECT_DOUBLE_EQ(track.position.elevationDeg, i % 91 - 45) << i;
      ASSERT_EQ(track.clips.size(), 1u);
      EXPECT_EQ(track.clips[0].channel, i % kTracks) << i;
      EXPECT_NEAR(track.clips[0].startSeconds, (i / kTracks) * kSlotSeconds, 1e-9) << i;
      EXPECT_NEAR(track.clips[0].lengthSeconds.value_or(-1.0), kSlotSeconds, 1e-9) << i;
    }
  }
}

// Every input tests/fuzz/adm_fuzzer found is an InputError (or a valid file), never a crash.
// headphoneVirtualise (BS.2076-2) to binauralMode: bypass is off, a DRR the mode whose room's
// DRR is nearest (near 130 dB, mid 9, far 0), none the default (mid); a track has one mode, so
// blocks asking for another are named.
TEST_F(AdmImport, HeadphoneVirtualiseBecomesTheTracksBinauralMode) {
  auto block = [](double rtime, std::optional<adm::HeadphoneVirtualise> h) {
    adm::BlockFormat b = test::polarBlock(0, 0, rtime, 0.02);
    b.headphoneVirtualise = h;
    return b;
  };
  adm::DocumentBuilder b({"effects"});
  b.object("bypass", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = true, .drrDb = 0.0})});
  b.object("dry", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = false, .drrDb = 70.0})});
  b.object("room", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = false, .drrDb = 5.0})});
  b.object("hall", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = false, .drrDb = 4.0})});
  b.object("none", 0, {block(0.0, std::nullopt)});
  b.object("mixed", 0,
           {block(0.0, std::nullopt), block(0.02, adm::HeadphoneVirtualise{.drrDb = -3.0}),
            block(0.04, adm::HeadphoneVirtualise{.drrDb = 130.0})});
  b.bed("bed", *findLayout("2.0"), 0);
  b.headphoneVirtualise({.bypass = false, .drrDb = 130.0});
  const Session s = import(write(b));
  ASSERT_EQ(s.tracks.size(), 7u);
  EXPECT_EQ(s.tracks[0].binauralMode, BinauralMode::Off);
  EXPECT_EQ(s.tracks[1].binauralMode, BinauralMode::Near);
  EXPECT_EQ(s.tracks[2].binauralMode, BinauralMode::Mid);
  EXPECT_EQ(s.tracks[3].binauralMode, BinauralMode::Far);
  EXPECT_EQ(s.tracks[4].binauralMode, BinauralMode::Mid);
  EXPECT_EQ(s.tracks[5].binauralMode, BinauralMode::Far);
  EXPECT_EQ(s.tracks[6].type, TrackType::Bed);
  EXPECT_EQ(s.tracks[6].binauralMode, BinauralMode::Near);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("AB_00031006_00000003: headphoneVirtualise asks for "
                                      "binauralMode \"near\"; a track has one mode: the first "
                                      "block's, \"far\", is used"));
  // And back: each mode to its element.
  for (BinauralMode mode :
       {BinauralMode::Off, BinauralMode::Near, BinauralMode::Mid, BinauralMode::Far})
    EXPECT_EQ(adm::binauralModeOf(adm::headphoneVirtualiseOf(mode)), mode);
}

// adm-info shows what a binaural render gives each object (its headphoneVirtualise as the import
// reads it) and, at the end, each warning the import gives (what will not render as the master
// asks) once: the same lines render prints, without the file name.
TEST_F(AdmImport, DescribeShowsBinauralModesAndTheImportsWarnings) {
  auto block = [](double rtime, std::optional<adm::HeadphoneVirtualise> h) {
    adm::BlockFormat b = test::polarBlock(0, 0, rtime, 0.02);
    b.headphoneVirtualise = h;
    return b;
  };
  adm::DocumentBuilder b({"effects"});
  b.object("bypass", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = true, .drrDb = 0.0})});
  b.object("dry", 0, {block(0.0, adm::HeadphoneVirtualise{.bypass = false, .drrDb = 70.0})});
  b.object("none", 0, {block(0.0, std::nullopt)});
  b.object("mixed", 0,
           {block(0.0, adm::HeadphoneVirtualise{.drrDb = -3.0}),
            block(0.02, adm::HeadphoneVirtualise{.drrDb = 130.0})});
  adm::BlockFormat room;
  room.cartesian = true;
  room.x = -0.5;
  room.y = 0.25;
  b.object("room", 0, {room});
  b.bed("bed", *findLayout("2.0"), 0);
  b.headphoneVirtualise({.bypass = false, .drrDb = 130.0});
  const auto file = write(b);
  const std::string text = describeAdm(file);
  EXPECT_THAT(text, HasSubstr("-> AC_00031001 \"bypass\", 1 block, binaural off\n"));
  EXPECT_THAT(text, HasSubstr("-> AC_00031002 \"dry\", 1 block, binaural near\n"));
  EXPECT_THAT(text, HasSubstr("-> AC_00031003 \"none\", 1 block, binaural mid\n"));
  EXPECT_THAT(text, HasSubstr("-> AC_00031004 \"mixed\", 2 blocks, binaural far\n"));
  EXPECT_THAT(text, HasSubstr("\"bed\": DirectSpeakers, pack AP_00011006, binaural near\n"));

  (void)import(file);
  ASSERT_EQ(warnings_.size(), 1u);  // the mixed modes (a Cartesian object renders: no warning)
  const std::size_t section = text.find("\nwarnings:\n");
  ASSERT_NE(section, std::string::npos) << text;
  const std::string listed = text.substr(section);
  const std::string prefix = file.string() + ": ";
  for (const std::string& w : warnings_) {
    ASSERT_EQ(w.rfind(prefix, 0), 0u) << w;
    const std::string line = "\n  " + w.substr(prefix.size()) + "\n";
    const std::size_t at = listed.find(line);
    EXPECT_NE(at, std::string::npos) << w << " is not listed in\n" << text;
    EXPECT_EQ(listed.find(line, at + 1), std::string::npos) << w << " is listed twice";
  }
  // The line before the heading ends, the heading, one line each.
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 3) << listed;
  EXPECT_THAT(text.substr(0, section), Not(HasSubstr("warning")));

  // A master the import has nothing to say about says so.
  adm::DocumentBuilder clean({"dialogue"});
  clean.object("DX", 0, {test::polarBlock(0, 0, 0, 0.1)});
  EXPECT_THAT(describeAdm(write(clean, "clean.wav")), HasSubstr("\nwarnings: none\n"));
}

TEST(AdmFuzzFindings, AreInputErrors) {
  const std::filesystem::path dir =
      std::filesystem::path(VKMIX_SOURCE_DIR) / "tests/fuzz/regressions/adm";
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    try {
      const wave::Bw64Info info = wave::readBw64(entry.path());
      if (info.hasAxml) (void)adm::sessionFromChunks(info, entry.path(), nullptr);
    } catch (const InputError&) {
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 1);
}

}  // namespace
}  // namespace vkmix
