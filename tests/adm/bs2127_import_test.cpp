// Masters written by other tools, imported as BS.2127 (and the EBU `ear` reference renderer) reads
// them: Dolby's profile (one-sample blocks, long interpolationLength, rounded overlapping block
// times, RC_ labels, streams naming packs), BS.2076-2 chna rows naming channel formats, LFE by
// frequency, blocks without duration, silence outside blocks, DirectSpeakers bounds and custom
// packs. Each file is built here with the feature; renders are checked in tests/engine/adm_test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "adm/common_definitions.hpp"
#include "adm/direct_speakers.hpp"
#include "adm/import.hpp"
#include "support/adm_files.hpp"
#include "support/test_media.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kRate = 48000;

class AdmBs2127 : public ::testing::Test {
 protected:
  Session import(const adm::Document& doc, const std::vector<wave::ChnaEntry>& chna,
                 double seconds) {
    const auto frames = static_cast<std::size_t>(std::llround(seconds * kRate));
    test::writeAdmFile(dir_ / "m.wav", doc, chna,
                       std::vector<std::vector<float>>(chna.size(), std::vector<float>(frames)),
                       kRate);
    warnings_.clear();
    return importAdm(dir_ / "m.wav", [this](const std::string& w) { warnings_.push_back(w); });
  }
  test::ScratchDir dir_;
  std::vector<std::string> warnings_;
};

// Dolby's one-sample blocks: rtimes rounded to the microsecond and durations rounded up (22 us for
// a 20.8 us sample), so each block overlaps the next by about a microsecond, and an
// interpolationLength (5 ms) far longer than the block. BS.2127 (the reference's timing fixes):
// a block ends where the next begins, its interpolation is clamped to it, so the object reaches
// block i's position at block i+1's start. Before, the import failed: "keys must be in time order".
TEST_F(AdmBs2127, DolbyOneSampleBlocksWithLongInterpolationImport) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks;
  constexpr int kBlocks = 8;
  std::vector<double> rtime;
  for (int i = 0; i < kBlocks; ++i) {
    rtime.push_back(std::round(i * 1e6 / kRate) / 1e6);
    adm::BlockFormat block = test::polarBlock(10.0 * i, 0, rtime.back(), 22e-6);
    block.jumpPosition = true;
    block.interpolationLength = 0.005;
    blocks.push_back(block);
  }
  b.object("fly", 0, blocks);
  const Session s = import(b.document(), b.chna(), 0.01);
  ASSERT_EQ(s.tracks.size(), 1u);
  ASSERT_TRUE(s.lengthSeconds.has_value());  // the master's length
  const auto& k = s.tracks[0].positionKeys;
  // The first block jumps into place; every later one holds the previous position to its start
  // and arrives at its own by its end (the next block's start).
  ASSERT_EQ(k.size(), 1u + 2u * (kBlocks - 1));
  EXPECT_DOUBLE_EQ(k[0].timeSeconds, 0.0);
  for (int i = 1; i < kBlocks; ++i) {
    const PositionKey& from = k[static_cast<std::size_t>(2 * i - 1)];
    const PositionKey& to = k[static_cast<std::size_t>(2 * i)];
    EXPECT_NEAR(from.timeSeconds, rtime[static_cast<std::size_t>(i)], 1e-12) << i;
    EXPECT_DOUBLE_EQ(from.position.azimuthDeg, 10.0 * (i - 1)) << i;
    const double end = i + 1 < kBlocks ? rtime[static_cast<std::size_t>(i + 1)]
                                       : rtime[static_cast<std::size_t>(i)] + 22e-6;
    EXPECT_NEAR(to.timeSeconds, end, 1e-12) << i;
    EXPECT_DOUBLE_EQ(to.position.azimuthDeg, 10.0 * i) << i;
    EXPECT_EQ(to.interpolation, Interpolation::Linear);
  }
  // The blocks follow each other: one clip over them, silent outside (and a silent holder to
  // the master's end, 10 ms).
  const Track& t = s.tracks[0];
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_DOUBLE_EQ(t.clips[0].startSeconds, 0.0);
  EXPECT_NEAR(*t.clips[0].lengthSeconds, rtime.back() + 22e-6, 1e-12);
}

// Dolby's beds: RC_ labels (not BS.2051 ones: BS.2127 places such speakers by their positions),
// RC_LFE with its lowPass frequency, and audioStreamFormats naming the pack instead of a channel.
TEST_F(AdmBs2127, DolbyBedWithRcLabelsAndStreamsNamingThePack) {
  adm::DocumentBuilder b({"music"});
  b.bed("Bed", *findLayout("5.1"), 0);
  adm::Document doc = b.document();
  for (adm::ChannelFormat& c : doc.channels) c.blocks.at(0).speakerLabel = "RC_" + c.name;
  for (adm::StreamFormat& st : doc.streams) {
    st.packRef = doc.packs.at(0).id;
    st.channelRef.clear();
  }
  const Session s = import(doc, b.chna(), 0.1);
  // LFE (RC_LFE, lowPass 120 Hz) is a bed's LFE; the others are objects at their positions.
  ASSERT_EQ(s.tracks.size(), 6u);
  EXPECT_EQ(s.tracks[0].type, TrackType::Bed);
  EXPECT_THAT(s.tracks[0].clips.at(0).channels, ElementsAre(-1, -1, -1, 3, -1, -1));
  const double azimuths[] = {30, -30, 0, 110, -110};
  const int fileChannels[] = {0, 1, 2, 4, 5};
  for (std::size_t i = 0; i < 5; ++i) {
    const Track& t = s.tracks[i + 1];
    EXPECT_EQ(t.type, TrackType::Object) << t.name;
    EXPECT_DOUBLE_EQ(t.position.azimuthDeg, azimuths[i]) << t.name;
    EXPECT_EQ(t.clips.at(0).channel, fileChannels[i]) << t.name;
  }
}

// BS.2076-2: a chna row may name the channel format itself, AC_xxxxyyyy_00.
TEST_F(AdmBs2127, ChnaRowsNamingAChannelFormatResolve) {
  adm::DocumentBuilder b({"effects"});
  b.object("a", 0, {test::polarBlock(-30, 0, 0, 0.1)});
  b.object("b", 0, {test::polarBlock(60, 0, 0, 0.1)});
  std::vector<wave::ChnaEntry> chna = b.chna();
  chna[1].trackFormatRef = b.document().channels[1].id + "_00";
  EXPECT_EQ(chna[1].trackFormatRef, "AC_00031002_00");
  const Session s = import(b.document(), chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[1].clips.at(0).channel, 1);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.azimuthDeg, 60);
}

// BS.2127 §8 (the reference's is_lfe): lowPass <= 200 Hz and no highPass is an LFE, whatever the
// label says: 22.2's LFE+045 and LFE-045, a custom M+180_low. A lowPass of 250 Hz is not.
TEST_F(AdmBs2127, LfeIsKnownByItsFrequency) {
  adm::DocumentBuilder b({"effects"});
  b.bed("Bed", *findLayout("5.1"), 0);
  adm::Document doc = b.document();
  const char* labels[] = {"LFE+045", "LFE-045", "M+180_low", "M+180_mid", "M+030", "M-030"};
  const double lowPass[] = {120, 120, 200, 250, 0, 0};
  for (std::size_t i = 0; i < 6; ++i) {
    adm::ChannelFormat& c = doc.channels[i];
    c.blocks.at(0).speakerLabel = labels[i];
    c.lowPassHz.reset();
    if (lowPass[i] > 0) c.lowPassHz = lowPass[i];
  }
  doc.channels[2].blocks[0].azimuth = 180;
  doc.channels[3].blocks[0].azimuth = 180;
  const Session s = import(doc, b.chna(), 0.1);
  // L and R make a stereo bed; each of the three LFEs a bed feeding only LFE1; M+180_mid an object.
  ASSERT_EQ(s.tracks.size(), 5u);
  EXPECT_EQ(s.tracks[0].bedLayout, "2.0");
  for (std::size_t i = 1; i <= 3; ++i) {
    const Track& t = s.tracks[i];
    ASSERT_EQ(t.type, TrackType::Bed) << t.name;
    const Layout& bed = *findLayout(t.bedLayout);
    const auto& map = t.clips.at(0).channels;
    for (std::size_t c = 0; c < map.size(); ++c)
      EXPECT_EQ(map[c], bed.speakers[c].lfe ? static_cast<int>(i - 1) : -1) << t.name;
  }
  EXPECT_EQ(s.tracks[4].type, TrackType::Object);
  EXPECT_EQ(s.tracks[4].clips.at(0).channel, 3);
  EXPECT_DOUBLE_EQ(s.tracks[4].position.azimuthDeg, 180);
  adm::ChannelFormat plain;
  EXPECT_TRUE(adm::isLfeChannel(plain, "LFE1"));
  plain.lowPassHz = 120;
  plain.highPassHz = 20;
  EXPECT_FALSE(adm::isLfeChannel(plain, "")) << "a band-pass is not an LFE";
}

// libadm writes rtime without duration: a block lasts until the next one's rtime (the last until
// the object's end, here the file's), and interpolationLength applies within it. Between blocks
// with a gap the object is silent, and after one it starts at its own position (BS.2127 §7.2:
// it interpolates only from a block that ends where it starts).
TEST_F(AdmBs2127, BlocksWithoutDurationAndGapsBecomeKeysAndClips) {
  adm::DocumentBuilder b({"effects"});
  std::vector<adm::BlockFormat> blocks = {
      test::polarBlock(30, 0, 0.0, 0), test::polarBlock(-30, 0, 1.0, 0),
      test::polarBlock(0, 0, 2.0, 0.5), test::polarBlock(90, 0, 3.0, 0.5)};
  for (std::size_t i = 0; i < 2; ++i) blocks[i].duration.reset();
  blocks[1].jumpPosition = true;
  blocks[1].interpolationLength = 0.25;
  b.object("mover", 0, blocks);
  adm::Document doc = b.document();
  doc.objects[0].start = 0.5;
  const Session s = import(doc, b.chna(), 5.0);
  ASSERT_EQ(s.tracks.size(), 1u);
  const Track& t = s.tracks[0];
  std::vector<std::pair<double, double>> clips;
  for (const Clip& c : t.clips) {
    EXPECT_DOUBLE_EQ(c.offsetSeconds, c.startSeconds);  // the file's own time
    clips.emplace_back(c.startSeconds, c.startSeconds + *c.lengthSeconds);
  }
  using Span = std::pair<double, double>;
  EXPECT_THAT(clips, ElementsAre(Span{0.5, 3.0}, Span{3.5, 4.0}));
  std::vector<std::tuple<double, double, Interpolation>> keys;
  for (const PositionKey& k : t.positionKeys)
    keys.emplace_back(k.timeSeconds, k.position.azimuthDeg, k.interpolation);
  using K = std::tuple<double, double, Interpolation>;
  const auto J = Interpolation::Jump, L = Interpolation::Linear;
  EXPECT_THAT(keys, ElementsAre(K{0.5, 30, J}, K{1.5, 30, J}, K{1.75, -30, L},  // 0.25 s glide
                                K{2.5, -30, J}, K{3.0, 0, L},  // no jumpPosition: the whole block
                                K{3.5, 90, J}));               // after the gap: no glide
  // Nothing sounds after 4 s: the session's length keeps the render as long as the master (5 s).
  ASSERT_TRUE(s.lengthSeconds.has_value());
  EXPECT_DOUBLE_EQ(*s.lengthSeconds, 5.0);
}

// BS.2127 §8.4: a DirectSpeakers channel whose label no layout has is played whole by the speaker
// within its bounds closest to its position: M+045 with azimuth 30..50 is M+030 in every built-in
// layout. Bounds that pick different speakers in different layouts (100..140: M+110 in 5.1,
// M+135 in 7.1; none in 2.0) are left to the panner at the position, with a warning.
TEST_F(AdmBs2127, DirectSpeakersBoundsChooseASpeaker) {
  adm::BlockFormat m045 = test::polarBlock(45, 0, 0, 0);
  m045.speakerLabel = "M+045";
  m045.azimuthMin = 30;
  m045.azimuthMax = 50;
  m045.rtime.reset();
  m045.duration.reset();
  EXPECT_EQ(adm::speakerWithinBounds(m045, "M+045"), "M+030");
  adm::BlockFormat m120 = test::polarBlock(120, 0, 0, 0);
  m120.azimuthMin = 100;
  m120.azimuthMax = 140;
  EXPECT_EQ(adm::speakerWithinBounds(m120, "M+120"), std::nullopt);
  // Distance bounds (BS.2127 §8.4: loudspeakers are at nominal distance 1): 0.5..2 holds every
  // loudspeaker, 1.5..2 none, so no layout has a speaker within them: the point-source panner at
  // the position ("" from every layout), no warning.
  adm::BlockFormat near = m045;
  near.distanceMin = 0.5;
  near.distanceMax = 2.0;
  EXPECT_EQ(adm::speakerWithinBounds(near, "M+045"), "M+030");
  adm::BlockFormat far = m045;
  far.distanceMin = 1.5;
  far.distanceMax = 2.0;
  EXPECT_EQ(adm::speakerWithinBounds(far, "M+045"), "");
  far.distanceMin.reset();
  far.distance = 1.5;  // without distance bounds, the distance itself is the range
  EXPECT_EQ(adm::speakerWithinBounds(far, "M+045"), "");

  adm::DocumentBuilder b({"music"});
  b.bed("Bed", *findLayout("2.0"), 0);
  adm::Document doc = b.document();
  doc.channels[1].blocks[0] = m045;
  doc.channels[1].blocks[0].speakerLabel = "M+045";
  const Session s = import(doc, b.chna(), 0.1);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[1].type, TrackType::Object);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.azimuthDeg, 30);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.elevationDeg, 0);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();

  // Bounds that hold no speaker (distance 1.5..2): placed at its own position, direction only.
  doc.channels[1].blocks[0].distanceMin = 1.5;
  doc.channels[1].blocks[0].distanceMax = 2.0;
  doc.channels[1].blocks[0].distance = 1.75;
  const Session placed = import(doc, b.chna(), 0.1);
  ASSERT_EQ(placed.tracks.size(), 2u);
  EXPECT_EQ(placed.tracks[1].type, TrackType::Object);
  EXPECT_DOUBLE_EQ(placed.tracks[1].position.azimuthDeg, 45);
  EXPECT_DOUBLE_EQ(placed.tracks[1].position.distance, 1.0);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
}

// BS.2127 §8.4 with a Cartesian position: X/Y/Z bounds are tested on the loudspeakers'
// allocentric positions (M+030 at (-1, 1, 0), M+090 at (-1, 0, 0), M+110 and M+135 at
// (-1, -1, 0)), in the layouts BS.2127 gives them, and the closest to the position within them
// plays the channel whole. (-1, 0.8, 0) with X -1..-0.8 and Y 0.5..1 holds only M+030 in every
// such layout; X 0.2..0.4 holds none (every loudspeaker is at x -1, 0 or 1); (-1, -0.2, 0) with
// X -1..-1 and Y -1..0 is M+110 in 5.1, M+090 in 7.1 and none in 2.0: layouts differ.
TEST_F(AdmBs2127, CartesianDirectSpeakersBoundsChooseASpeaker) {
  adm::BlockFormat side;
  side.cartesian = true;
  side.x = -1;
  side.y = 0.8;
  side.z = 0;
  side.speakerLabel = "X+040";
  side.xMin = -1;
  side.xMax = -0.8;
  side.yMin = 0.5;
  side.yMax = 1;
  EXPECT_TRUE(side.hasBounds());
  EXPECT_EQ(adm::speakerWithinBounds(side, "X+040"), "M+030");
  adm::BlockFormat none = side;
  none.xMin = 0.2;
  none.xMax = 0.4;
  EXPECT_EQ(adm::speakerWithinBounds(none, "X+040"), "");
  adm::BlockFormat rear = side;
  rear.y = -0.2;
  rear.xMax = -1;
  rear.yMin = -1;
  rear.yMax = 0;
  EXPECT_EQ(adm::speakerWithinBounds(rear, "X+040"), std::nullopt);

  adm::DocumentBuilder b({"music"});
  b.bed("Bed", *findLayout("2.0"), 0);
  adm::Document doc = b.document();
  doc.channels[1].blocks[0] = side;
  const Session s = import(doc, b.chna(), 0.1);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[1].type, TrackType::Object);
  EXPECT_FALSE(s.tracks[1].position.cartesian);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.azimuthDeg, 30);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.elevationDeg, 0);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();

  // Bounds holding none: the allocentric panner at its own position, no warning.
  doc.channels[1].blocks[0] = none;
  const Session placed = import(doc, b.chna(), 0.1);
  ASSERT_EQ(placed.tracks.size(), 2u);
  EXPECT_TRUE(placed.tracks[1].position.cartesian);
  EXPECT_DOUBLE_EQ(placed.tracks[1].position.x, -1);
  EXPECT_DOUBLE_EQ(placed.tracks[1].position.y, 0.8);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();

  // Layouts that differ: placed at its position, warned.
  doc.channels[1].blocks[0] = rear;
  const Session differ = import(doc, b.chna(), 0.1);
  ASSERT_EQ(differ.tracks.size(), 2u);
  EXPECT_TRUE(differ.tracks[1].position.cartesian);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("choose different speakers"), std::string::npos) << warnings_[0];
}

TEST(AdmCommonDefinitions, AreTheBs2094Range) {
  EXPECT_TRUE(adm::isCommonDefinition("AP_00010003"));
  EXPECT_TRUE(adm::isCommonDefinition("AP_00010017"));
  EXPECT_FALSE(adm::isCommonDefinition("AP_00011001"));
  EXPECT_FALSE(adm::isCommonDefinition("AP_00031001"));
}

// channelLock, zoneExclusion and diffuse (BS.2076 §5.4.3.3) reach the session's position keys
// (docs/session-format.md), block by block, with no warning: the panner renders them.
TEST_F(AdmBs2127, ChannelLockZoneExclusionAndDiffuseBecomeKeys) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat first = test::polarBlock(20, 0, 0, 0.05);
  first.channelLock = true;
  first.channelLockMaxDistance = 0.5;
  ExclusionZone upper;
  upper.cartesian = false;
  upper.minElevation = 20;
  upper.maxElevation = 90;
  ExclusionZone left;
  left.maxX = -0.1;
  first.zoneExclusion = {upper, left};
  first.diffuse = 0.25;
  adm::BlockFormat second = test::polarBlock(-20, 0, 0.05, 0.05);
  second.jumpPosition = true;
  b.object("o", 0, {first, second});
  const Session s = import(b.document(), b.chna(), 0.1);
  for (const std::string& w : warnings_) {
    EXPECT_THAT(w, ::testing::Not(HasSubstr("channelLock")));
    EXPECT_THAT(w, ::testing::Not(HasSubstr("zoneExclusion")));
    EXPECT_THAT(w, ::testing::Not(HasSubstr("diffuse")));
  }
  ASSERT_EQ(s.tracks.size(), 1u);
  const auto& k = s.tracks[0].positionKeys;
  ASSERT_EQ(k.size(), 2u);
  EXPECT_TRUE(k[0].position.channelLock);
  EXPECT_EQ(k[0].position.channelLockMaxDistance, 0.5);
  ASSERT_EQ(k[0].position.zoneExclusion.size(), 2u);
  EXPECT_EQ(k[0].position.zoneExclusion[0], upper);
  EXPECT_EQ(k[0].position.zoneExclusion[1], left);
  EXPECT_EQ(k[0].position.diffuse, 0.25);
  EXPECT_FALSE(k[1].position.channelLock);
  EXPECT_TRUE(k[1].position.zoneExclusion.empty());
  EXPECT_EQ(k[1].position.diffuse, 0.0);
}

// Complementary objects (BS.2076 audioComplementaryObjectIDRef): the object listing the others
// leads a group of alternatives of which one plays: the leader by default, or the one
// --complementary (AdmChoice::complementary) names. Before, every member played at once.
TEST_F(AdmBs2127, OnlyOneComplementaryObjectPlays) {
  adm::DocumentBuilder b({"dialogue"});
  b.object("english", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.object("french", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.object("german", 0, {test::polarBlock(0, 0, 0, 0.1)});
  b.object("crowd", 0, {test::polarBlock(90, 0, 0, 0.1)});
  adm::Document doc = b.document();
  doc.objects[0].complementaryRefs = {"AO_1002", "AO_1003"};
  const auto frames = static_cast<std::size_t>(0.1 * kRate);
  test::writeAdmFile(dir_ / "m.wav", doc, b.chna(),
                     std::vector<std::vector<float>>(4, std::vector<float>(frames)), kRate);
  auto names = [](const Session& s) {
    std::vector<std::string> out;
    for (const Track& t : s.tracks) out.push_back(t.name);
    return out;
  };
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  EXPECT_THAT(names(importAdm(dir_ / "m.wav", warn)), ElementsAre("english", "crowd"));
  std::string all;
  for (const std::string& w : warnings) all += w + "\n";
  EXPECT_THAT(all, HasSubstr("complementary objects AO_1001, AO_1002, AO_1003: only AO_1001 "
                             "plays (the default; --complementary chooses another)"));
  EXPECT_THAT(names(importAdm(dir_ / "m.wav", warn, AdmChoice{{}, {"AO_1003"}})),
              ElementsAre("german", "crowd"));
  EXPECT_THAT(names(importAdm(dir_ / "m.wav", warn, AdmChoice{{}, {"AO_1001"}})),
              ElementsAre("english", "crowd"));
  auto errorOf = [&](const AdmChoice& c) {
    try {
      importAdm(dir_ / "m.wav", warn, c);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(errorOf(AdmChoice{{}, {"AO_1004"}}),
              HasSubstr("--complementary: AO_1004 is not in a complementary group of"));
  EXPECT_THAT(errorOf(AdmChoice{{}, {"AO_1002", "AO_1003"}}),
              HasSubstr("--complementary: AO_1002 and AO_1003 are alternatives of one "
                        "complementary group (AO_1001, AO_1002, AO_1003); choose one"));
  // A programme without the group: choosing in it is an error; it is not warned about.
  adm::Content me;
  me.id = "ACO_1002";
  me.name = "me";
  me.objectRefs = {"AO_1004"};
  doc.contents.push_back(me);
  adm::Programme mix;
  mix.id = "APR_1002";
  mix.name = "ME";
  mix.contentRefs = {me.id};
  doc.programmes.push_back(mix);
  test::writeAdmFile(dir_ / "m.wav", doc, b.chna(),
                     std::vector<std::vector<float>>(4, std::vector<float>(frames)), kRate);
  EXPECT_THAT(errorOf(AdmChoice{"APR_1002", {"AO_1003"}}),
              HasSubstr("--complementary: AO_1003 is not in audioProgramme APR_1002, which is "
                        "what is rendered (--programme chooses another)"));
  warnings.clear();
  EXPECT_THAT(names(importAdm(dir_ / "m.wav", warn, AdmChoice{"APR_1002", {}})),
              ElementsAre("crowd"));
  for (const std::string& w : warnings) EXPECT_THAT(w, Not(HasSubstr("complementary"))) << w;
  EXPECT_THAT(names(importAdm(dir_ / "m.wav", warn, AdmChoice{"APR_1001", {"AO_1002"}})),
              ElementsAre("french", "crowd"));
  // The group survives export: writeAdm writes the references back.
  EXPECT_THAT(adm::writeAdm(doc),
              HasSubstr("<audioComplementaryObjectIDRef>AO_1002</audioComplementaryObjectIDRef>"));
}

// (Bed channel map, clip gain in dB) of each clip of a track, in order.
std::vector<std::pair<std::vector<int>, double>> termsOf(const Track& t) {
  std::vector<std::pair<std::vector<int>, double>> terms;
  for (const Clip& c : t.clips) terms.emplace_back(c.channels, c.gainDb);
  return terms;
}

void expectTerms(const Track& t, const std::vector<std::pair<std::vector<int>, double>>& want) {
  const auto got = termsOf(t);
  ASSERT_EQ(got.size(), want.size()) << t.name;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first) << t.name << " clip " << i;
    // The axml carries 9 significant digits: sqrt(1/2) reads back 2e-9 dB off.
    EXPECT_NEAR(got[i].second, want[i].second, 1e-7) << t.name << " clip " << i;
  }
}

// BS.2076 typeDefinition Matrix (BS.2127, the reference's item selection): a direct matrix pack
// names an input pack (the object's tracks) and an output pack; each of its channels is the sum
// of its coefficients' inputs at their gains, played as the output channel its block names. A
// 5.1 -> Lo/Ro downmix (BS.775: C and Ls/Rs at sqrt(1/2), LFE left out) becomes a 2.0 bed per
// output channel whose clips are the input tracks at the coefficients' gains.
TEST_F(AdmBs2127, DirectMatrixPlaysEachOutputChannelAsTheInputTracksAtTheCoefficients) {
  const double g = std::sqrt(0.5), gDb = 20.0 * std::log10(g);
  const test::MatrixMaster m = test::loRoMatrixMaster(g, g);
  const std::string axml = adm::writeAdm(m.doc);
  EXPECT_THAT(axml, HasSubstr("<inputPackFormatIDRef>AP_00010003</inputPackFormatIDRef>"));
  EXPECT_THAT(axml, HasSubstr("<outputChannelFormatIDRef>AC_00010002</outputChannelFormatIDRef>"));
  EXPECT_THAT(axml, HasSubstr("<coefficient gain=\"0.707106781\">AC_00010005</coefficient>"));
  const Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 2u);
  for (const Track& t : s.tracks) {
    EXPECT_EQ(t.type, TrackType::Bed) << t.name;
    EXPECT_EQ(t.bedLayout, "2.0") << t.name;
    EXPECT_EQ(t.stem, "music") << t.name;
    for (const Clip& c : t.clips) {
      EXPECT_DOUBLE_EQ(c.startSeconds, 0.0);
      EXPECT_NEAR(*c.lengthSeconds, 0.1, 1e-12);
    }
  }
  EXPECT_EQ(s.tracks[0].name, "LoRo Lo");
  expectTerms(s.tracks[0], {{{0, -1}, 0.0}, {{2, -1}, gDb}, {{4, -1}, gDb}});
  EXPECT_EQ(s.tracks[1].name, "LoRo Ro");
  expectTerms(s.tracks[1], {{{-1, 1}, 0.0}, {{-1, 2}, gDb}, {{-1, 5}, gDb}});
}

// Encode then decode: the tracks are the encode pack's inputs (2.0), the object names the decode
// pack. E1 = L + R/2, E2 = R/2; out M+030 = E1 + E2 = L + R (the two R terms meet in one clip),
// out M-030 = 2 E2 = R. A matrix already applied (tracks carrying the decode pack's own channels)
// plays each track as its output channel.
TEST_F(AdmBs2127, DecodeMatrixMultipliesThroughItsEncodeMatrix) {
  adm::Document doc = adm::DocumentBuilder({"effects"}).document();
  adm::Object o;
  o.id = "AO_1001";
  o.name = "MX";
  o.packRefs = {"AP_00021003"};
  o.trackUidRefs = {"ATU_00000001", "ATU_00000002"};
  doc.objects.push_back(o);
  doc.contents[0].objectRefs.push_back(o.id);
  std::vector<wave::ChnaEntry> chna = {{1, "ATU_00000001", "AT_00010001_01", "AP_00021002"},
                                       {2, "ATU_00000002", "AT_00010002_01", "AP_00021002"}};
  adm::PackFormat encode{
      "AP_00021002", "enc", adm::TypeDefinition::Matrix, {"AC_00021003", "AC_00021004"}, {}};
  encode.inputPackRef = "AP_00010002";
  encode.decodePackRefs = {"AP_00021003"};
  adm::PackFormat decode{
      "AP_00021003", "dec", adm::TypeDefinition::Matrix, {"AC_00021005", "AC_00021006"}, {}};
  decode.encodePackRefs = {"AP_00021002"};
  decode.outputPackRef = "AP_00010002";
  doc.packs = {encode, decode};
  auto channel = [&](const std::string& id, const std::string& name, const std::string& out,
                     std::vector<adm::MatrixCoefficient> matrix) {
    adm::BlockFormat b;
    b.id = "AB_" + id.substr(3) + "_00000001";
    b.outputChannelRef = out;
    b.matrix = std::move(matrix);
    doc.channels.push_back(adm::ChannelFormat{id, name, adm::TypeDefinition::Matrix, {b}, {}, {}});
  };
  channel("AC_00021003", "E1", "", {{"AC_00010001", 1.0}, {"AC_00010002", 0.5}});
  channel("AC_00021004", "E2", "", {{"AC_00010002", 0.5}});
  channel("AC_00021005", "Lout", "AC_00010001", {{"AC_00021003", 1.0}, {"AC_00021004", 1.0}});
  channel("AC_00021006", "Rout", "AC_00010002", {{"AC_00021004", 2.0}});
  const Session s = import(doc, chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[0].name, "MX Lout");
  expectTerms(s.tracks[0], {{{0, -1}, 0.0}, {{1, -1}, 0.0}});
  EXPECT_EQ(s.tracks[1].name, "MX Rout");
  expectTerms(s.tracks[1], {{{-1, 1}, 0.0}});

  // Pre-applied: the file's tracks are the decode pack's channels.
  chna = {{1, "ATU_00000001", "AT_00021005_01", "AP_00021003"},
          {2, "ATU_00000002", "AT_00021006_01", "AP_00021003"}};
  const Session pre = import(doc, chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(pre.tracks.size(), 2u);
  expectTerms(pre.tracks[0], {{{0, -1}, 0.0}});
  expectTerms(pre.tracks[1], {{{-1, 1}, 0.0}});
}

// What vkmix does not render of a matrix is named, and the object is left out rather than
// played in part: coefficients with phase, a negative delay or gainVar (the EBU reference
// renderer refuses them too), an encode matrix alone (no output to play on).
TEST_F(AdmBs2127, MatrixFeaturesNotRenderedAreNamed) {
  const double g = std::sqrt(0.5);
  auto warningsOf = [&](const test::MatrixMaster& m) {
    EXPECT_THROW(import(m.doc, m.chna, 0.1), InputError);
    std::string all;
    for (const std::string& w : warnings_) all += w + "\n";
    return all;
  };
  test::MatrixMaster m = test::loRoMatrixMaster(g, g);
  m.doc.channels[0].blocks[0].matrix[1].phase = 90.0;
  m.doc.channels[0].blocks[0].matrix[2].gainVar = "slev";
  m.doc.channels[1].blocks[0].matrix[1].delay = -10.0;
  EXPECT_THAT(warningsOf(m), HasSubstr("audioObject AO_1001: matrix coefficients with phase, "
                                       "gainVar, a negative delay are not supported; not "
                                       "rendered"));
  // Zero phase and delay are the defaults: rendered.
  m = test::loRoMatrixMaster(g, g);
  m.doc.channels[0].blocks[0].matrix[1].phase = 0.0;
  m.doc.channels[1].blocks[0].matrix[1].delay = 0.0;
  EXPECT_EQ(import(m.doc, m.chna, 0.1).tracks.size(), 2u);

  m = test::loRoMatrixMaster(g, g);
  m.doc.packs.back().outputPackRef.clear();
  EXPECT_THAT(warningsOf(m), HasSubstr("audioObject AO_1001: audioPackFormat AP_00021001 is an "
                                       "encode matrix (no outputPackFormatIDRef)"));
}

// Negative gains and delays (BS.2076 §5.4.3.2; rendered by the EBU reference renderer as a
// gain and a delay line per coefficient): a Lo/Ro encode with the surrounds in opposite
// polarity, Lo = L + C/sqrt(2) - Ls/sqrt(2) with Ls delayed 10 ms, Ro = R + C/sqrt(2) -
// Rs/sqrt(2) with Rs delayed 0.3 ms. A negative gain is an inverted clip at |gain| (invert: true,
// gainDb 20 log10 |g|); a delay of d ms is round(48 d) frames, halves down (the reference's
// ceil(x - 0.5)): 10 ms -> 480 frames, 0.3 ms -> 14.4 -> 14 frames, 0.3125 -> 15 exactly -> 15;
// the clip starts that much later and plays the file from where the object starts (the delay
// line holds silence before the file's first frame, so nothing of the file is skipped).
TEST_F(AdmBs2127, MatrixNegativeGainsInvertAndDelaysShiftTheTerm) {
  const double g = std::sqrt(0.5), gDb = 20.0 * std::log10(g);
  test::MatrixMaster m = test::loRoMatrixMaster(g, -g);
  m.doc.channels[0].blocks[0].matrix[2].delay = 10.0;
  m.doc.channels[1].blocks[0].matrix[2].delay = 0.3;
  m.doc.channels[1].blocks[0].matrix[1].delay = 0.3125;
  EXPECT_THAT(adm::writeAdm(m.doc), HasSubstr("<coefficient gain=\"-0.707106781\" "
                                              "delay=\"10\">AC_00010005</coefficient>"));
  const Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 2u);
  expectTerms(s.tracks[0], {{{0, -1}, 0.0}, {{2, -1}, gDb}, {{4, -1}, gDb}});
  expectTerms(s.tracks[1], {{{-1, 1}, 0.0}, {{-1, 2}, gDb}, {{-1, 5}, gDb}});
  struct Want {
    bool invert;
    double delayFrames;
  };
  const std::vector<std::vector<Want>> want = {{{false, 0}, {false, 0}, {true, 480}},
                                               {{false, 0}, {false, 15}, {true, 14}}};
  for (std::size_t t = 0; t < 2; ++t) {
    for (std::size_t i = 0; i < 3; ++i) {
      const Clip& c = s.tracks[t].clips[i];
      const double d = want[t][i].delayFrames / kRate;
      EXPECT_EQ(c.invert, want[t][i].invert) << t << " " << i;
      EXPECT_NEAR(c.startSeconds, d, 1e-12) << t << " " << i;
      EXPECT_NEAR(c.offsetSeconds, 0.0, 1e-12) << t << " " << i;
      EXPECT_NEAR(*c.lengthSeconds, 0.1 - d, 1e-12) << t << " " << i;
    }
  }
  // The session carries the inversion: written and read back, it is still there.
  const Session back = parseSession(sessionToJson(s), s.path);
  EXPECT_TRUE(back.tracks[0].clips[2].invert);
  EXPECT_FALSE(back.tracks[0].clips[1].invert);
}

// Matrix values vkmix cannot play are one-line errors naming the coefficient, checked before a
// delay is converted to frames; a term delayed past the object's end is named, not dropped
// silently; a gain the session refuses names the object, not the session's track.
TEST_F(AdmBs2127, MatrixValuesOutOfRangeAreErrorsNamingTheCoefficient) {
  auto errorOf = [&](const test::MatrixMaster& m) {
    try {
      import(m.doc, m.chna, 0.1);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  for (const double delay : {2e17, 1e17, 1e300}) {
    test::MatrixMaster m = test::loRoMatrixMaster(0.5, 0.5);
    m.doc.channels[0].blocks[0].matrix[2].delay = delay;
    EXPECT_THAT(errorOf(m), HasSubstr("m.wav: axml: audioChannelFormat AC_00021001: the "
                                      "coefficient of AC_00010005 has delay"))
        << delay;
    EXPECT_THAT(errorOf(m), HasSubstr("ms, beyond 48 hours")) << delay;
  }
  test::MatrixMaster m = test::loRoMatrixMaster(0.5, 0.5);
  m.doc.channels[0].blocks[0].matrix[2].delay = 200.0;
  const Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("audioChannelFormat AC_00021001: the term on track "
                                               "5 is delayed 0.2 s, past the object's end; "
                                               "silent")));
  m = test::loRoMatrixMaster(1e308, 1e308);
  m.doc.channels[0].blocks[0].matrix[2].inputChannelRef = "AC_00010003";
  EXPECT_THAT(errorOf(m), HasSubstr("m.wav: axml: audioChannelFormat AC_00021001: the sum of its "
                                    "coefficients' gains on one track overflows"));
  m = test::loRoMatrixMaster(1e200, 0.5);
  EXPECT_THAT(errorOf(m), HasSubstr("m.wav: axml: audioChannelFormat AC_00021001: the "
                                    "coefficients' gain on track 3, 1e+200, is above +48 dB"));
}

// HOA (typeDefinition HOA, BS.2127 §9): a custom first-order pack whose tracks come in FuMa's
// W X Y Z order (each channel says its order and degree) imports as one HOA track of order 1
// whose channel map puts each file track at its ACN (W 0, Y 1, Z 2, X 3); the pack's
// normalization (N3D) applies to blocks that give none. nfcRefDist is named: BS.2127 does not
// apply it to loudspeakers.
TEST_F(AdmBs2127, HoaPackImportsAsAnHoaTrackInAcnOrder) {
  test::HoaMaster m = test::hoaMaster({{0, 0}, {1, 1}, {1, -1}, {1, 0}}, "N3D");
  Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 1u);
  const Track& t = s.tracks[0];
  EXPECT_EQ(t.type, TrackType::Hoa);
  EXPECT_EQ(t.name, "scene");
  EXPECT_EQ(t.stem, "music");
  EXPECT_EQ(t.hoaOrder, 1);
  EXPECT_EQ(t.hoaNormalization, HoaNormalization::N3D);
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_THAT(t.clips[0].channels, ElementsAre(0, 2, 3, 1));
  EXPECT_DOUBLE_EQ(*t.clips[0].lengthSeconds, 0.1);

  // A second-order pack lacking some channels (mixed order: the horizontal ones) maps the
  // others to -1; the blocks' own normalization wins over none on the pack.
  m = test::hoaMaster({{0, 0}, {1, -1}, {1, 1}, {2, -2}, {2, 2}}, "", "FuMa");
  m.doc.channels[2].blocks[0].nfcRefDist = 2.0;
  s = import(m.doc, m.chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].hoaOrder, 2);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::FuMa);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, 1, -1, 2, 3, -1, -1, -1, 4));
  EXPECT_THAT(warnings_,
              ElementsAre(HasSubstr("audioObject AO_1001 (HOA): nfcRefDist 2 is not applied")));
  EXPECT_THAT(warnings_[0], HasSubstr("BS.2127 renders loudspeakers without it"));

  // A common gain of the blocks is the track's fader.
  m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  for (adm::ChannelFormat& c : m.doc.channels) c.blocks[0].gain = 0.5;
  s = import(m.doc, m.chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::SN3D);  // the default
  EXPECT_NEAR(s.tracks[0].gainDb, 20 * std::log10(0.5), 1e-9);

  // Gains that differ: the channels of each gain are a clip at that gain (the fader stays).
  m.doc.channels[0].blocks[0].gain = 1.0;
  s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].gainDb, 0.0);
  ASSERT_EQ(s.tracks[0].clips.size(), 2u);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, -1, -1, -1));
  EXPECT_EQ(s.tracks[0].clips[0].gainDb, 0.0);
  EXPECT_THAT(s.tracks[0].clips[1].channels, ElementsAre(-1, 1, 2, 3));
  EXPECT_NEAR(s.tracks[0].clips[1].gainDb, 20 * std::log10(0.5), 1e-9);

  // A channel's frequency element is named and ignored, as BS.2127's reference renderer does.
  m.doc.channels[1].lowPassHz = 200.0;
  s = import(m.doc, m.chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("AC_00041002: frequency is not rendered for HOA")));
}

// BS.2094's common HOA definitions, referenced and not defined in the file: AP_00040002 (second
// order SN3D, AC_00040001..09), AP_00040021 (first order FuMa, AC_00040201..04) and N3D's
// AC_00040101.. channels, through chna's AT_0004xxxx_01 track formats.
TEST_F(AdmBs2127, HoaCommonDefinitionsImport) {
  std::vector<std::string> ids;
  for (int acn = 0; acn < 9; ++acn)
    ids.push_back(adm::commonHoaPack(2, HoaNormalization::SN3D).channelIds[acn]);
  EXPECT_EQ(adm::commonHoaPack(2, HoaNormalization::SN3D).packId, "AP_00040002");
  EXPECT_EQ(ids.front(), "AC_00040001");
  EXPECT_EQ(ids.back(), "AC_00040009");
  test::HoaMaster m = test::commonHoaMaster("AP_00040002", ids);
  Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].type, TrackType::Hoa);
  EXPECT_EQ(s.tracks[0].hoaOrder, 2);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::SN3D);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8));

  // FuMa's common channels are in ACN order (W Y Z X).
  const adm::CommonPack fuma = adm::commonHoaPack(1, HoaNormalization::FuMa);
  EXPECT_EQ(fuma.packId, "AP_00040021");
  EXPECT_THAT(fuma.channelIds,
              ElementsAre("AC_00040201", "AC_00040202", "AC_00040203", "AC_00040204"));
  m = test::commonHoaMaster(fuma.packId,
                            {"AC_00040201", "AC_00040204", "AC_00040202", "AC_00040203"});
  s = import(m.doc, m.chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::FuMa);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, 2, 3, 1));

  const adm::CommonPack n3d = adm::commonHoaPack(3, HoaNormalization::N3D);
  EXPECT_EQ(n3d.packId, "AP_00040013");
  EXPECT_EQ(n3d.channelIds.size(), 16u);
  EXPECT_EQ(n3d.channelIds[15], "AC_00040110");
  m = test::commonHoaMaster(n3d.packId, n3d.channelIds);
  s = import(m.doc, m.chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].hoaOrder, 3);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::N3D);
  // Orders above BS.2094's packs have no common pack; FuMa stops at 3.
  EXPECT_TRUE(adm::commonHoaPack(7, HoaNormalization::SN3D).packId.empty());
  EXPECT_TRUE(adm::commonHoaPack(4, HoaNormalization::FuMa).packId.empty());
}

// What an HOA object cannot be rendered as is named and the object left out: a channel without
// order/degree, two channels with one harmonic, normalisations that disagree, FuMa beyond order
// 3, an unknown normalization; a pack's screenRef is named (BS.2127 ignores it too). Negative
// block gains are rendered (inverted clips).
TEST_F(AdmBs2127, HoaFeaturesNotRenderedAreNamed) {
  auto warningsOf = [&](const test::HoaMaster& m) {
    EXPECT_THROW(import(m.doc, m.chna, 0.1), InputError);
    std::string all;
    for (const std::string& w : warnings_) all += w + "\n";
    return all;
  };
  test::HoaMaster m = test::hoaMaster({{0, 0}, {1, -1}}, "");
  m.doc.channels[1].blocks[0].hoaDegree.reset();
  EXPECT_THAT(warningsOf(m), HasSubstr("audioObject AO_1001 (HOA): audioChannelFormat "
                                       "AC_00041002 has no order and degree; not rendered"));
  EXPECT_THAT(warningsOf(test::hoaMaster({{0, 0}, {1, 1}, {1, 1}}, "")),
              HasSubstr("two channels are order 1 degree 1; not rendered"));
  EXPECT_THAT(warningsOf(test::hoaMaster({{0, 0}, {1, 1}}, "N3D", "SN3D")),
              HasSubstr("channels with normalization N3D and SN3D; not rendered"));
  EXPECT_THAT(warningsOf(test::hoaMaster({{0, 0}, {4, 1}}, "FuMa")),
              HasSubstr("FuMa normalization at order 4 (FuMa is defined up to order 3)"));
  EXPECT_THAT(warningsOf(test::hoaMaster({{0, 0}, {1, 1}}, "SN2D")),
              HasSubstr("normalization \"SN2D\" is not SN3D, N3D or FuMa; not rendered"));
  EXPECT_THAT(warningsOf(test::hoaMaster({{0, 0}, {1, 2}}, "")),
              HasSubstr("degree 2 is not within -order..order"));
  // A negative block gain (BS.2127 scales the decoder column by it, sign and all) is rendered:
  // the channels of that gain are a clip inverted at its magnitude, not warned about.
  m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  m.doc.channels[3].blocks[0].gain = -1.0;
  m.doc.channels[2].blocks[0].gain = -0.5;
  Session s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.at(0).clips.size(), 3u);
  EXPECT_EQ(s.tracks[0].gainDb, 0.0);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, 1, -1, -1));
  EXPECT_FALSE(s.tracks[0].clips[0].invert);
  EXPECT_THAT(s.tracks[0].clips[1].channels, ElementsAre(-1, -1, 2, -1));
  EXPECT_TRUE(s.tracks[0].clips[1].invert);
  EXPECT_NEAR(s.tracks[0].clips[1].gainDb, 20 * std::log10(0.5), 1e-9);
  EXPECT_THAT(s.tracks[0].clips[2].channels, ElementsAre(-1, -1, -1, 3));
  EXPECT_TRUE(s.tracks[0].clips[2].invert);
  EXPECT_EQ(s.tracks[0].clips[2].gainDb, 0.0);
  // One negative gain common to the channels: the fader at its magnitude, the clip inverted.
  for (adm::ChannelFormat& c : m.doc.channels) c.blocks[0].gain = -0.25;
  s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.at(0).clips.size(), 1u);
  EXPECT_NEAR(s.tracks[0].gainDb, 20 * std::log10(0.25), 1e-9);
  EXPECT_TRUE(s.tracks[0].clips[0].invert);
  EXPECT_THAT(s.tracks[0].clips[0].channels, ElementsAre(0, 1, 2, 3));

  // A block's screenRef is named and the object still renders (BS.2127 does not screen-scale HOA).
  m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  m.doc.channels[1].blocks[0].screenRef = true;
  const Session screened = import(m.doc, m.chna, 0.1);
  EXPECT_EQ(screened.tracks.size(), 1u);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("screenRef is not applied to HOA")));
}

// BS.2127 (the reference renderer's item selection) gives an HOA object's channels one rtime and
// duration and refuses an object whose channels' blocks disagree: vkmix leaves it out, naming the
// object and the channels; channels with the same times import as before.
TEST_F(AdmBs2127, HoaChannelsWithDifferentBlockTimesAreRefused) {
  test::HoaMaster m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  for (adm::ChannelFormat& c : m.doc.channels) {
    c.blocks[0].rtime = 0.0;
    c.blocks[0].duration = 0.05;
  }
  Session s = import(m.doc, m.chna, 0.2);
  EXPECT_THAT(warnings_, ElementsAre());
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_NEAR(*s.tracks[0].clips.at(0).lengthSeconds, 0.05, 1e-9);

  m.doc.channels[1].blocks[0].rtime = 0.05;
  EXPECT_THROW(import(m.doc, m.chna, 0.2), InputError);  // nothing else to render
  EXPECT_THAT(warnings_,
              ElementsAre(HasSubstr("audioObject AO_1001 (HOA): audioChannelFormat AC_00041002's "
                                    "block spans 0.05..0.1 s, AC_00041001's 0..0.05 s: BS.2127 "
                                    "gives an HOA object's channels one rtime and duration; not "
                                    "rendered")));
  // A block without times against one with them disagrees too.
  m.doc.channels[1].blocks[0].rtime.reset();
  m.doc.channels[1].blocks[0].duration.reset();
  EXPECT_THROW(import(m.doc, m.chna, 0.2), InputError);
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("AC_00041002's block spans the object, "
                                               "AC_00041001's 0..0.05 s")));
}

// What an HOA object carries that only Objects render is named once per object, not dropped
// silently: an audioObject positionOffset (a sound field has no position to offset) and Objects
// elements on its blocks (position, cartesian, width/height/depth, diffuse, channelLock,
// zoneExclusion, objectDivergence, jumpPosition); the object still renders.
TEST_F(AdmBs2127, HoaObjectsElementsAndPositionOffsetAreNamed) {
  test::HoaMaster m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  adm::PositionOffset offset;
  offset.azimuth = 90.0;
  m.doc.objects[0].positionOffset = offset;
  std::string axml = adm::writeAdm(m.doc);
  // Objects elements on two of the channels' blocks, as a master would carry them.
  auto addTo = [&](const std::string& channel, const std::string& elements) {
    const std::size_t at = axml.find("<order>", axml.find("audioChannelFormatID=\"" + channel));
    ASSERT_NE(at, std::string::npos);
    axml.insert(at, elements);
  };
  addTo("AC_00041001",
        "<position coordinate=\"azimuth\">90</position><width>30</width><diffuse>0.5</diffuse>");
  addTo("AC_00041003",
        "<channelLock>1</channelLock><objectDivergence>0.5</objectDivergence>"
        "<zoneExclusion><zone minX=\"-1\" maxX=\"0\" minY=\"-1\" maxY=\"1\" minZ=\"-1\" "
        "maxZ=\"1\"/></zoneExclusion><height>10</height><depth>0.2</depth>"
        "<position coordinate=\"elevation\">10</position>");
  {
    wave::Bw64Writer w(dir_ / "h.wav", 4, kRate, wave::Bw64Sample::Float32, m.chna);
    w.write(std::vector<float>(static_cast<std::size_t>(4 * kRate / 10)));
    w.finish(axml);
  }
  warnings_.clear();
  const Session s =
      importAdm(dir_ / "h.wav", [this](const std::string& w) { warnings_.push_back(w); });
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0].type, TrackType::Hoa);
  EXPECT_THAT(warnings_,
              ElementsAre(HasSubstr("audioObject AO_1001 (HOA): positionOffset is not applied to "
                                    "HOA (a sound field has no position to offset); ignored"),
                          HasSubstr("audioObject AO_1001 (HOA): position, width, diffuse, "
                                    "channelLock, objectDivergence, zoneExclusion, height, depth "
                                    "are Objects elements, not applied to HOA; ignored")));
  // adm-info lists each once as well.
  const std::string info = describeAdm(dir_ / "h.wav");
  EXPECT_THAT(info, HasSubstr("  audioObject AO_1001 (HOA): positionOffset is not applied"));
}

// An HOA object's binaural mode comes from its blocks' headphoneVirtualise by the rules an
// Objects channel's follows: the first block that has one (a channel asking for another mode is
// named); none: mid. adm-info gives it on the object's line.
TEST_F(AdmBs2127, HoaHeadphoneVirtualiseIsTheTracksBinauralMode) {
  test::HoaMaster m = test::hoaMaster({{0, 0}, {1, -1}, {1, 0}, {1, 1}}, "");
  Session s = import(m.doc, m.chna, 0.1);
  EXPECT_EQ(s.tracks.at(0).binauralMode, BinauralMode::Mid);
  for (adm::ChannelFormat& c : m.doc.channels)
    c.blocks[0].headphoneVirtualise = adm::headphoneVirtualiseOf(BinauralMode::Off);
  s = import(m.doc, m.chna, 0.1);
  EXPECT_THAT(warnings_, ElementsAre());
  EXPECT_EQ(s.tracks.at(0).binauralMode, BinauralMode::Off);
  EXPECT_THAT(describeAdm(dir_ / "m.wav"),
              HasSubstr("object AO_1001 \"scene\": HOA, pack AP_00041001, binaural off\n"));

  m.doc.channels[2].blocks[0].headphoneVirtualise = adm::headphoneVirtualiseOf(BinauralMode::Far);
  s = import(m.doc, m.chna, 0.1);
  EXPECT_EQ(s.tracks.at(0).binauralMode, BinauralMode::Off);
  EXPECT_THAT(warnings_,
              ElementsAre(HasSubstr("headphoneVirtualise asks for binauralMode \"far\"; "
                                    "a track has one mode: the first block's, \"off\"")));
  // Without any: mid, as adm-info says.
  for (adm::ChannelFormat& c : m.doc.channels) c.blocks[0].headphoneVirtualise.reset();
  import(m.doc, m.chna, 0.1);
  EXPECT_THAT(describeAdm(dir_ / "m.wav"), HasSubstr(": HOA, pack AP_00041001, binaural mid\n"));
}

// BS.2076: audioTrackUIDRef ATU_00000000 is a silent track (a channel of the pack without audio;
// the EBU reference renderer reads it as one). BS.2127 renders an Objects channel only within its
// blocks, so one with no audioBlockFormat is silent. libadm writes both (its
// write_objects_silent_track_ref and write_simple_object documents); vkmix refused the first
// ("chna does not map to a track") and played the second front centre.
TEST_F(AdmBs2127, SilentTrackUidsAndObjectsWithoutBlocksAreSilent) {
  adm::DocumentBuilder b({"effects"});
  b.object("moves", 0, {test::polarBlock(30, 0, 0, 0.1)});
  b.object("no blocks", 0, {test::polarBlock(-30, 0, 0, 0.1)});
  ASSERT_TRUE(b.commonBed("Bed", *findLayout("5.1"), 0));
  adm::Document doc = b.document();
  doc.channels[1].blocks.clear();
  ASSERT_EQ(doc.objects.size(), 3u);
  adm::Object& bed = doc.objects[2];
  ASSERT_EQ(bed.trackUidRefs.size(), 6u);
  bed.trackUidRefs[4] = "ATU_00000000";  // Ls: a silent track
  adm::Object allSilent = doc.objects[0];
  allSilent.id = "AO_1099";
  allSilent.trackUidRefs = {"ATU_00000000"};
  doc.objects.push_back(allSilent);
  doc.contents[0].objectRefs.push_back("AO_1099");
  const Session s = import(doc, b.chna(), 0.1);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[0].name, "moves");
  EXPECT_DOUBLE_EQ(s.tracks[0].position.azimuthDeg, 30);
  // The bed plays L, R, C, LFE and Rs from their file tracks (3..8); Ls is silent.
  const Track& t = s.tracks[1];
  ASSERT_EQ(t.type, TrackType::Bed);
  EXPECT_EQ(t.bedLayout, "5.1");
  EXPECT_THAT(t.clips.at(0).channels, ElementsAre(2, 3, 4, 5, -1, 7));
  EXPECT_THAT(warnings_,
              Contains(HasSubstr("audioChannelFormat " + doc.channels[1].id +
                                 " (Objects) has no audioBlockFormat; silent, as BS.2127 "
                                 "renders it")));
  EXPECT_THAT(warnings_, Contains(HasSubstr("audioObject AO_1099: its audioTrackUIDRefs are all "
                                            "ATU_00000000 (silent tracks); nothing to play")));

  // A programme of only such objects renders as silence for the master's length (BS.2127's
  // render of it), with a warning; it was refused ("no object or bed vkmix can render").
  doc.contents[0].objectRefs = {doc.objects[1].id, "AO_1099"};
  const Session silent = import(doc, b.chna(), 0.25);
  EXPECT_TRUE(silent.tracks.empty());
  ASSERT_TRUE(silent.lengthSeconds.has_value());
  EXPECT_DOUBLE_EQ(*silent.lengthSeconds, 0.25);
  EXPECT_THAT(warnings_, Contains(HasSubstr("no object of the programme sounds")));
  // What vkmix does not render is still refused rather than played as silence.
  doc.packs.push_back(adm::PackFormat{
      "AP_00051001", "binaural", adm::TypeDefinition::Binaural, {doc.channels[1].id}, {}});
  doc.channels[1].type = adm::TypeDefinition::Binaural;
  doc.objects[1].packRefs = {"AP_00051001"};
  doc.contents[0].objectRefs = {doc.objects[1].id};
  EXPECT_THROW(import(doc, b.chna(), 0.25), InputError);
}

// A chna row that names no track or channel format (the axml's audioTrackUID does; libadm's
// documents leave the reference to one or the other) resolves through the axml, as BS.2127's
// reference renderer resolves it; a UID that neither names is refused, saying so (it said
// "its channel format () is not defined").
TEST_F(AdmBs2127, ChnaRowsWithoutAFormatTakeTheAxmls) {
  adm::DocumentBuilder b({"effects"});
  b.object("a", 0, {test::polarBlock(-30, 0, 0, 0.1)});
  b.object("b", 0, {test::polarBlock(60, 0, 0, 0.1)});
  adm::Document doc = b.document();
  std::vector<wave::ChnaEntry> chna = b.chna();
  chna[1].trackFormatRef.clear();
  doc.uids[1].trackFormatRef.clear();
  doc.uids[1].channelFormatRef = doc.channels[1].id;
  const Session s = import(doc, chna, 0.1);
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[1].clips.at(0).channel, 1);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.azimuthDeg, 60);

  doc.uids[1].channelFormatRef.clear();
  try {
    import(doc, chna, 0.1);
    FAIL() << "imported a track with no format";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chna: audioTrackUID " + doc.uids[1].id +
                                    ": neither its chna row nor the axml names its "
                                    "audioTrackFormat or audioChannelFormat"));
  }
}

// libadm's parser cases that are invalid on purpose: an ID defined twice (any element) and a
// gainUnit that is neither linear nor dB are refused with the line and element, as the EBU
// reference renderer refuses them (a second definition was ignored, "foo" read as linear).
TEST_F(AdmBs2127, DuplicateIdsAndUnknownGainUnitsAreRefused) {
  auto errorOf = [](const std::string& formats) {
    try {
      adm::parseAdm("<ebuCoreMain><coreMetadata><format><audioFormatExtended>\n" + formats +
                        "</audioFormatExtended></format></coreMetadata></ebuCoreMain>",
                    "m.wav");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string channel =
      "<audioChannelFormat audioChannelFormatID=\"AC_00031001\" typeLabel=\"0003\">\n"
      "</audioChannelFormat>\n";
  EXPECT_THAT(errorOf(channel + channel),
              HasSubstr("m.wav: axml: line 4: <audioChannelFormat>: audioChannelFormatID "
                        "AC_00031001 is defined twice (first on line 2)"));
  EXPECT_THAT(errorOf("<audioObject audioObjectID=\"AO_1001\"/>\n"
                      "<audioObject audioObjectID=\"AO_1001\"/>\n"),
              HasSubstr("line 3: <audioObject>: audioObjectID AO_1001 is defined twice"));
  EXPECT_THAT(errorOf("<audioTrackUID UID=\"ATU_00000001\"/>\n<audioTrackUID "
                      "UID=\"ATU_00000001\"/>\n"),
              HasSubstr("line 3: <audioTrackUID>: UID ATU_00000001 is defined twice"));
  EXPECT_EQ(errorOf(channel), "accepted");
  const std::string gainBlock =
      "<audioChannelFormat audioChannelFormatID=\"AC_00031001\" typeLabel=\"0003\">\n"
      "<audioBlockFormat audioBlockFormatID=\"AB_00031001_00000001\">\n"
      "<position coordinate=\"azimuth\">0</position><position "
      "coordinate=\"elevation\">0</position>\n<gain gainUnit=\"";
  EXPECT_THAT(errorOf(gainBlock + "foo\">0.8</gain></audioBlockFormat></audioChannelFormat>"),
              HasSubstr("line 5: <gain>: gainUnit \"foo\" is not linear or dB"));
  EXPECT_EQ(errorOf(gainBlock + "linear\">0.8</gain></audioBlockFormat></audioChannelFormat>"),
            "accepted");
  const adm::Document db = adm::parseAdm(
      "<audioFormatExtended>" + gainBlock +
          "dB\">-6</gain></audioBlockFormat></audioChannelFormat></audioFormatExtended>",
      "m.wav");
  EXPECT_NEAR(db.channels.at(0).blocks.at(0).gain, std::pow(10.0, -6.0 / 20.0), 1e-12);
  EXPECT_THAT(errorOf("<audioObject audioObjectID=\"AO_1001\"><gain gainUnit=\"DB\">1</gain>"
                      "</audioObject>\n"),
              HasSubstr("line 2: <gain>: gainUnit \"DB\" is not linear or dB"));
}

// libadm's unresolved-reference cases: a reference to a programme, content, object, pack or
// channel element that the file does not define (and that is not one of BS.2094's common
// definitions) is refused wherever it is, naming the element that holds it, as the EBU reference
// renderer refuses the document; it was found only when rendered, or not at all.
TEST_F(AdmBs2127, DanglingReferencesAreRefusedNamingTheElement) {
  auto errorOf = [](const std::string& formats) {
    try {
      adm::parseAdm("<audioFormatExtended>" + formats + "</audioFormatExtended>", "m.wav");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_THAT(errorOf("<audioObject audioObjectID=\"AO_1001\"><audioPackFormatIDRef>AP_00031001"
                      "</audioPackFormatIDRef></audioObject>"),
              HasSubstr("m.wav: axml: audioObject AO_1001: audioPackFormatIDRef AP_00031001 is "
                        "not defined"));
  EXPECT_THAT(errorOf("<audioPackFormat audioPackFormatID=\"AP_00031001\"><audioChannelFormatIDRef>"
                      "AC_00031001</audioChannelFormatIDRef></audioPackFormat>"),
              HasSubstr("audioPackFormat AP_00031001: audioChannelFormatIDRef AC_00031001 is not "
                        "defined"));
  EXPECT_THAT(errorOf("<audioTrackUID UID=\"ATU_00000001\"><audioPackFormatIDRef>AP_00031001"
                      "</audioPackFormatIDRef></audioTrackUID>"),
              HasSubstr("audioTrackUID ATU_00000001: audioPackFormatIDRef AP_00031001 is not "
                        "defined"));
  EXPECT_THAT(errorOf("<audioProgramme audioProgrammeID=\"APR_1001\"><audioContentIDRef>ACO_1001"
                      "</audioContentIDRef></audioProgramme>"),
              HasSubstr("audioProgramme APR_1001: audioContentIDRef ACO_1001 is not defined"));
  EXPECT_THAT(
      errorOf("<audioStreamFormat audioStreamFormatID=\"AS_00031001\"><audioPackFormatIDRef>"
              "AP_00031001</audioPackFormatIDRef></audioStreamFormat>"),
      HasSubstr("audioStreamFormat AS_00031001: audioPackFormatIDRef AP_00031001 is not "
                "defined"));
  // BS.2094's common packs and channels (yyyy below 1000 hex) need no definition.
  EXPECT_EQ(errorOf("<audioObject audioObjectID=\"AO_1001\"><audioPackFormatIDRef>AP_00010003"
                    "</audioPackFormatIDRef></audioObject><audioPackFormat "
                    "audioPackFormatID=\"AP_00011001\"><audioChannelFormatIDRef>AC_00010001"
                    "</audioChannelFormatIDRef></audioPackFormat>"),
            "accepted");
  EXPECT_THAT(errorOf("<audioObject audioObjectID=\"AO_1001\"><audioPackFormatIDRef>AP_00011000"
                      "</audioPackFormatIDRef></audioObject>"),
              HasSubstr("AP_00011000 is not defined"));
}

// BS.2127's item selection for a master without programmes, contents or objects (the EBU
// reference renderer's "CHNA-only" mode; libadm's fragments are such documents): every chna track
// plays in the pack its row names, rows of one pack in a row being one instance of it. Two
// BS.2094 stereo packs back to back are two beds (a channel coming again starts the second), an
// Objects pack an object at its block's position. They were refused ("no object or bed").
TEST_F(AdmBs2127, MastersOfChnaRowsAlonePlayEveryTrackInItsPack) {
  adm::DocumentBuilder b({"effects"});
  ASSERT_TRUE(b.commonBed("Front", *findLayout("2.0"), 0));
  ASSERT_TRUE(b.commonBed("Back", *findLayout("2.0"), 0));
  b.object("fly", 0, {test::polarBlock(-110, 0, 0, 0.1)});
  adm::Document doc = b.document();
  doc.programmes.clear();
  doc.contents.clear();
  doc.objects.clear();
  const Session s = import(doc, b.chna(), 0.1);
  ASSERT_EQ(s.tracks.size(), 3u);
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(s.tracks[i].type, TrackType::Bed);
    EXPECT_EQ(s.tracks[i].bedLayout, "2.0");
    const int first = static_cast<int>(2 * i);
    EXPECT_THAT(s.tracks[i].clips.at(0).channels, ElementsAre(first, first + 1));
  }
  EXPECT_EQ(s.tracks[2].type, TrackType::Object);
  EXPECT_EQ(s.tracks[2].clips.at(0).channel, 4);
  EXPECT_DOUBLE_EQ(s.tracks[2].position.azimuthDeg, -110);
  EXPECT_THAT(warnings_, Contains(HasSubstr("no audioProgramme, audioContent or audioObject: "
                                            "every chna track plays in its audioPackFormat")));

  // Rows that name no pack play nothing (named); with none left the render is silent.
  std::vector<wave::ChnaEntry> chna = b.chna();
  for (wave::ChnaEntry& e : chna) e.packFormatRef.clear();
  for (adm::TrackUid& u : doc.uids) u.packRef.clear();
  const Session silent = import(doc, chna, 0.1);
  EXPECT_TRUE(silent.tracks.empty());
  EXPECT_THAT(warnings_, Contains(HasSubstr("chna: audioTrackUID " + chna[0].uid +
                                            " names no audioPackFormat")));
  EXPECT_THAT(warnings_, Contains(HasSubstr("nothing to render")));
}

// A DirectSpeakers channel without a speakerLabel (libadm writes them) is placed by its position,
// as BS.2127 places it (no label to route by: its position, through the point-source panner), and
// that is nothing to warn about: the import said "not supported; ignored" while placing it.
TEST_F(AdmBs2127, DirectSpeakersWithoutALabelArePlacedByPositionUnwarned) {
  adm::DocumentBuilder b({"effects"});
  b.bed("Bed", *findLayout("2.0"), 0);
  adm::Document doc = b.document();
  ASSERT_EQ(doc.channels.size(), 2u);
  doc.channels[0].blocks.at(0).speakerLabel.clear();
  doc.channels[0].blocks.at(0).azimuth = 20;
  const Session s = import(doc, b.chna(), 0.1);
  const auto placed = std::find_if(s.tracks.begin(), s.tracks.end(), [](const Track& t) {
    return t.type == TrackType::Object && t.clips.at(0).channel == 0;
  });
  ASSERT_NE(placed, s.tracks.end());
  EXPECT_DOUBLE_EQ(placed->position.azimuthDeg, 20);
  EXPECT_DOUBLE_EQ(placed->position.elevationDeg, 0);
  EXPECT_THAT(warnings_, Not(Contains(HasSubstr("speakerLabel"))));
}

// libadm's HOA blocks carry an equation (sink.xml: "cos(p)*cos(t)") beside order and degree.
// BS.2076 lets it override them but gives it no syntax; the EBU reference renderer refuses the
// block. vkmix decodes the channel by order and degree and says exactly that (it said "equation is
// not supported; ignored").
TEST_F(AdmBs2127, HoaEquationIsNamedAndTheChannelDecodedByOrderAndDegree) {
  const adm::Document doc = adm::parseAdm(
      "<audioFormatExtended><audioChannelFormat audioChannelFormatID=\"AC_00041001\" "
      "typeDefinition=\"HOA\"><audioBlockFormat audioBlockFormatID=\"AB_00041001_00000001\">"
      "<equation>cos(p)*cos(t)</equation><order>1</order><degree>1</degree></audioBlockFormat>"
      "</audioChannelFormat></audioFormatExtended>",
      "m.wav");
  const adm::BlockFormat& b = doc.channels.at(0).blocks.at(0);
  EXPECT_EQ(b.hoaOrder, 1);
  EXPECT_EQ(b.hoaDegree, 1);
  EXPECT_THAT(doc.warnings,
              ElementsAre(HasSubstr("audioBlockFormat AB_00041001_00000001: equation "
                                    "\"cos(p)*cos(t)\" is not read; the channel is decoded by its "
                                    "order and degree")));
  EXPECT_THAT(doc.unsupported, ElementsAre());
  // A pack's screenRef (BS.2076 gives it to HOA packs) is said to be ignored as BS.2127 ignores
  // it, not "not supported".
  const adm::Document pack = adm::parseAdm(
      "<audioFormatExtended><audioPackFormat audioPackFormatID=\"AP_00041001\" "
      "typeDefinition=\"HOA\"><screenRef>1</screenRef></audioPackFormat></audioFormatExtended>",
      "m.wav");
  EXPECT_THAT(pack.warnings, ElementsAre("audioPackFormat AP_00041001: screenRef is not applied "
                                         "to HOA (nor by BS.2127); ignored"));
  EXPECT_THAT(pack.unsupported, ElementsAre());
}

}  // namespace
}  // namespace vkmix
