// Session parsing: the documented example parses to the documented model; every kind of bad input
// is an InputError naming the file and the key's path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <utility>

#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/session.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The example from issue 2 / docs/session-format.md, verbatim.
constexpr const char* kExample = R"({"vkmix": 1, "sampleRate": 48000, "layout": "7.1.4",
 "tracks": [
   {"name": "DX 1", "stem": "dialogue", "type": "object", "gainDb": 0,
    "position": {"azimuth": 30, "elevation": 0, "distance": 1},
    "clips": [{"file": "media/dx1.wav", "start": 1.5, "offset": 0.0, "length": 3.2,
               "gainDb": -3, "fadeIn": 0.01, "fadeOut": 0.05, "channel": 0}]},
   {"name": "FX car", "stem": "effects", "type": "object", "position": {"x": -1, "y": 1, "z": 0},
    "clips": [{"file": "media/car.flac", "start": 0}]},
   {"name": "Score", "stem": "music", "type": "bed", "bed": "2.0",
    "clips": [{"file": "media/score.wav", "start": 0}]}]})";

TEST(Session, ParsesTheDocumentedExample) {
  Session s = parseSession(kExample, "/mix/reel1.json");
  EXPECT_EQ(s.sampleRate, 48000);
  EXPECT_EQ(s.layout, "7.1.4");
  ASSERT_EQ(s.tracks.size(), 3u);
  const Track& dx = s.tracks[0];
  EXPECT_EQ(dx.name, "DX 1");
  EXPECT_EQ(dx.stem, "dialogue");
  EXPECT_EQ(dx.type, TrackType::Object);
  EXPECT_FALSE(dx.position.cartesian);
  EXPECT_DOUBLE_EQ(dx.position.azimuthDeg, 30.0);
  ASSERT_EQ(dx.clips.size(), 1u);
  const Clip& c = dx.clips[0];
  EXPECT_EQ(c.resolvedPath, std::filesystem::path("/mix/media/dx1.wav"));
  EXPECT_DOUBLE_EQ(c.startSeconds, 1.5);
  ASSERT_TRUE(c.lengthSeconds.has_value());
  EXPECT_DOUBLE_EQ(*c.lengthSeconds, 3.2);
  EXPECT_DOUBLE_EQ(c.gainDb, -3.0);
  EXPECT_DOUBLE_EQ(c.fadeInSeconds, 0.01);
  EXPECT_DOUBLE_EQ(c.fadeOutSeconds, 0.05);
  EXPECT_EQ(c.channel, 0);
  EXPECT_TRUE(s.tracks[1].position.cartesian);
  EXPECT_DOUBLE_EQ(s.tracks[1].position.x, -1.0);
  EXPECT_FALSE(s.tracks[1].clips[0].lengthSeconds.has_value());
  EXPECT_EQ(s.tracks[2].type, TrackType::Bed);
  EXPECT_EQ(s.tracks[2].bedLayout, "2.0");
}

TEST(Session, DefaultsApplyWhenKeysAreAbsent) {
  Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "a", "clips": []}]})", "s.json");
  EXPECT_EQ(s.sampleRate, 48000);
  EXPECT_EQ(s.layout, "7.1.4");
  EXPECT_EQ(s.tracks[0].stem, "effects");
  EXPECT_EQ(s.tracks[0].type, TrackType::Object);
  EXPECT_DOUBLE_EQ(s.tracks[0].gainDb, 0.0);
  EXPECT_EQ(s.tracks[0].binauralMode, BinauralMode::Mid);
  EXPECT_FALSE(s.lengthSeconds.has_value());
}

TEST(Session, ReadsEachBinauralMode) {
  for (const auto& [name, mode] :
       {std::pair{"off", BinauralMode::Off}, std::pair{"near", BinauralMode::Near},
        std::pair{"mid", BinauralMode::Mid}, std::pair{"far", BinauralMode::Far}}) {
    const Session s = parseSession(std::string(R"({"vkmix": 1, "tracks": [{"name": "a", )") +
                                       R"("binauralMode": ")" + name + R"(", "clips": []}]})",
                                   "s.json");
    EXPECT_EQ(s.tracks[0].binauralMode, mode) << name;
    EXPECT_STREQ(binauralModeName(mode), name);
  }
}

// panInterpolation: "position" (the default: the object moves) or "gains" (BS.2127: the
// loudspeaker gains move; what an ADM import sets); saved only when not the default.
TEST(Session, ReadsAndSavesPanInterpolation) {
  const Session plain =
      parseSession(R"({"vkmix": 1, "tracks": [{"name": "a", "clips": []}]})", "s.json");
  EXPECT_EQ(plain.tracks[0].panInterpolation, PanInterpolation::Position);
  EXPECT_EQ(sessionToJson(plain).find("panInterpolation"), std::string::npos);
  const Session gains = parseSession(
      R"({"vkmix": 1, "tracks": [{"name": "a", "panInterpolation": "gains", "clips": []}]})",
      "s.json");
  EXPECT_EQ(gains.tracks[0].panInterpolation, PanInterpolation::Gains);
  EXPECT_EQ(parseSession(sessionToJson(gains), "s.json").tracks[0].panInterpolation,
            PanInterpolation::Gains);
}

TEST(Session, ParsesPositionKeysAndFadeShapes) {
  Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "fly",
      "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 2.0, "azimuth": 30, "elevation": 10},
                       {"time": 3.0, "x": 1, "y": 0, "z": 0, "interpolation": "jump"}],
      "clips": [{"file": "a.wav", "fadeInShape": "equalPower", "fadeOutShape": "sCurve"}]}]})",
                           "s.json");
  const Track& t = s.tracks[0];
  ASSERT_EQ(t.positionKeys.size(), 3u);
  EXPECT_DOUBLE_EQ(t.positionKeys[1].position.elevationDeg, 10.0);
  EXPECT_TRUE(t.positionKeys[2].position.cartesian);
  EXPECT_EQ(t.positionKeys[2].interpolation, Interpolation::Jump);
  EXPECT_EQ(t.clips[0].fadeInShape, FadeShape::EqualPower);
  EXPECT_EQ(t.clips[0].fadeOutShape, FadeShape::SCurve);
}

TEST(Session, ParsesSizeDivergenceAndGainKeys) {
  Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "wide",
      "position": {"azimuth": 10, "width": 40, "height": 10, "divergence": 0.2, "divergenceAzimuthRange": 30},
      "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 1, "azimuth": 90, "width": 120, "depth": 0.5}],
      "gainKeys": [{"time": 0, "gainDb": -6}, {"time": 2, "gainDb": 0, "interpolation": "jump"}],
      "clips": []}]})",
                           "s.json");
  const Track& t = s.tracks[0];
  EXPECT_DOUBLE_EQ(t.position.widthDeg, 40.0);
  EXPECT_DOUBLE_EQ(t.position.divergenceAzimuthRangeDeg, 30.0);
  EXPECT_DOUBLE_EQ(t.positionKeys[0].position.widthDeg, 40.0) << "keys inherit the track's size";
  EXPECT_DOUBLE_EQ(t.positionKeys[0].position.divergence, 0.2);
  EXPECT_DOUBLE_EQ(t.positionKeys[1].position.widthDeg, 120.0);
  EXPECT_DOUBLE_EQ(t.positionKeys[1].position.depth, 0.5);
  ASSERT_EQ(t.gainKeys.size(), 2u);
  EXPECT_DOUBLE_EQ(t.gainKeys[0].gainDb, -6.0);
  EXPECT_EQ(t.gainKeys[1].interpolation, Interpolation::Jump);
}

// A Cartesian position's divergence range (ADM positionRange, along x): read, inherited by keys,
// written back.
TEST(Session, CartesianDivergencePositionRangeRoundTrips) {
  Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "room",
      "position": {"x": 0, "y": 1, "z": 0, "divergence": 0.5, "divergencePositionRange": 0.4},
      "positionKeys": [{"time": 0, "x": 0, "y": 1}, {"time": 1, "x": 0, "y": 0, "divergencePositionRange": 1.5}],
      "clips": []}]})",
                           "s.json");
  const Track& t = s.tracks[0];
  EXPECT_DOUBLE_EQ(t.position.divergencePositionRange, 0.4);
  EXPECT_DOUBLE_EQ(t.positionKeys[0].position.divergencePositionRange, 0.4);
  EXPECT_DOUBLE_EQ(t.positionKeys[1].position.divergencePositionRange, 1.5);
  const Session back = parseSession(sessionToJson(s), "s.json");
  EXPECT_DOUBLE_EQ(back.tracks[0].position.divergencePositionRange, 0.4);
  EXPECT_DOUBLE_EQ(back.tracks[0].positionKeys[1].position.divergencePositionRange, 1.5);
  EXPECT_THROW(parseSession(R"({"vkmix": 1, "tracks": [{"name": "a",
      "position": {"x": 0, "divergencePositionRange": 2.5}, "clips": []}]})",
                            "s.json"),
               InputError);
}

// Session nits: divergencePositionRange on a polar position is an error naming the key (a polar
// position diverges by divergenceAzimuthRange), as other misplaced keys are; an integral number
// written as a double ("order": 1.0) is that integer; a Cartesian size out of range is not
// "degrees".
TEST(Session, PositionRangeOnPolarIntegralDoublesAndCartesianSizeMessages) {
  auto error = [](const std::string& track) {
    try {
      parseSession(R"({"vkmix": 1, "tracks": [)" + track + "]}", "n.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error(R"({"name": "p", "position": {"azimuth": 0, "divergence": 1,
                       "divergencePositionRange": 1}, "clips": []})"),
              HasSubstr("n.json: tracks[0].position.divergencePositionRange: a polar position "
                        "diverges by divergenceAzimuthRange"));
  EXPECT_THAT(error(R"({"name": "p", "position": {"x": 0, "y": 1},
                       "positionKeys": [{"time": 0, "azimuth": 30, "divergencePositionRange": 1}],
                       "clips": []})"),
              HasSubstr("tracks[0].positionKeys[0].divergencePositionRange: a polar position"));
  const Session s = parseSession(R"({"vkmix": 1, "sampleRate": 48000.0, "tracks": [
      {"name": "a", "type": "hoa", "order": 1.0, "clips": []}]})",
                                 "n.json");
  EXPECT_EQ(s.tracks[0].hoaOrder, 1);
  EXPECT_EQ(s.sampleRate, 48000);
  const Session mapped = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "a", "type": "hoa", "order": 1, "clips": [{"file": "a.wav",
       "channels": [0.0, 1, -1.0, 3e0]}]}]})",
                                      "n.json");
  EXPECT_THAT(mapped.tracks[0].clips[0].channels, ::testing::ElementsAre(0, 1, -1, 3));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1, "clips": [{"file": "a.wav",
                       "channels": [0, 1.5, 2, 3]}]})"),
              HasSubstr("clips[0].channels[1]: expected an integer channel"));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1, "clips": [{"file": "a.wav",
                       "channels": [0, 1e30, 2, 3]}]})"),
              HasSubstr("clips[0].channels[1]: must be within -1.."));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1.5, "clips": []})"),
              HasSubstr("tracks[0].order: expected an integer, got a fraction"));
  const std::string cart = error(R"({"name": "p", "position": {"x": 0, "y": 1, "width": 400},
                                    "clips": []})");
  EXPECT_THAT(cart, HasSubstr("tracks[0].position.width: must be within 0..360"));
  EXPECT_THAT(cart, Not(HasSubstr("degrees")));
  EXPECT_THAT(error(R"({"name": "p", "position": {"azimuth": 0, "height": 400}, "clips": []})"),
              HasSubstr("tracks[0].position.height: must be within 0..360 degrees"));
}

struct BadCase {
  const char* name;
  const char* json;
  const char* expected;  // substring of the message
};

class SessionErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(SessionErrors, NameTheFileAndField) {
  const BadCase& c = GetParam();
  try {
    parseSession(c.json, "reel.json");
    FAIL() << "no error for " << c.name;
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("reel.json: "));
    EXPECT_THAT(e.what(), HasSubstr(c.expected));
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "must be one line";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Bad, SessionErrors,
    ::testing::Values(
        BadCase{"NotJson", "{\"vkmix\": 1,\n \"tracks\": [,]}", "line 2 column"},
        BadCase{"NoVersion", R"({"tracks": []})", "vkmix: is required"},
        BadCase{"WrongVersion", R"({"vkmix": 2, "tracks": []})", "vkmix: this vkmix reads"},
        BadCase{"BinauralMode",
                R"({"vkmix": 1, "tracks": [{"name": "a", "binauralMode": "close", "clips": []}]})",
                "tracks[0].binauralMode: \"close\" is not one of off, near, mid, far"},
        BadCase{
            "PanInterpolation",
            R"({"vkmix": 1, "tracks": [{"name": "a", "panInterpolation": "smooth", "clips": []}]})",
            "tracks[0].panInterpolation: \"smooth\" is not one of position, gains"},
        BadCase{"UnknownTopKey", R"({"vkmix": 1, "tracks": [], "sampelRate": 1})",
                "sampelRate: unknown key"},
        BadCase{"UnknownClipKey",
                R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "gain": 3}]}]})",
                "tracks[0].clips[0].gain: unknown key"},
        BadCase{
            "GainIsText",
            R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x"}, {"file": "y", "gainDb": "loud"}]}]})",
            "tracks[0].clips[1].gainDb: expected a number, got a string"},
        BadCase{
            "ChannelsOnAnObject",
            R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "channels": [0]}]}]})",
            "tracks[0].clips[0].channels: is for bed clips"},
        BadCase{
            "ChannelsOutOfRange",
            R"({"vkmix": 1, "tracks": [{"name": "a", "type": "bed", "bed": "2.0", "clips": [{"file": "x", "channels": [0, 128]}]}]})",
            "tracks[0].clips[0].channels[1]: must be within -1..127"},
        BadCase{
            "ChannelsNotIntegers",
            R"({"vkmix": 1, "tracks": [{"name": "a", "type": "bed", "bed": "2.0", "clips": [{"file": "x", "channels": [0, 1.5]}]}]})",
            "tracks[0].clips[0].channels[1]: expected an integer"},
        BadCase{"NegativeStart",
                R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "start": -1}]}]})",
                "tracks[0].clips[0].start: must not be negative"},
        BadCase{"ZeroLength",
                R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "length": 0}]}]})",
                "clips[0].length: must be positive"},
        BadCase{"HugeGain",
                R"({"vkmix": 1, "tracks": [{"name": "a", "gainDb": 400, "clips": []}]})",
                "tracks[0].gainDb: is above +48 dB"},
        BadCase{
            "FadesLongerThanClip",
            R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "length": 1, "fadeIn": 0.6, "fadeOut": 0.6}]}]})",
            "clips[0].fadeOut: fadeIn + fadeOut is longer"},
        BadCase{
            "PolarAndCartesian",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"azimuth": 3, "x": 1}, "clips": []}]})",
            "tracks[0].position.x: a position is either polar"},
        BadCase{
            "ElevationOutOfRange",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"elevation": 91}, "clips": []}]})",
            "position.elevation: must be within -90..90"},
        BadCase{"CartesianOutOfRange",
                R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"x": 2}, "clips": []}]})",
                "position.x: must be within -1..1"},
        BadCase{"BadTrackType",
                R"({"vkmix": 1, "tracks": [{"name": "a", "type": "aux", "clips": []}]})",
                "tracks[0].type: \"aux\" is not one of object, bed"},
        BadCase{"BedWithoutLayout",
                R"({"vkmix": 1, "tracks": [{"name": "a", "type": "bed", "clips": []}]})",
                "tracks[0].bed: is required"},
        BadCase{
            "BedWithChannel",
            R"({"vkmix": 1, "tracks": [{"name": "a", "type": "bed", "bed": "5.1", "clips": [{"file": "x", "channel": 1}]}]})",
            "clips[0].channel: bed clips play all channels"},
        BadCase{
            "FractionalChannel",
            R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "channel": 1.5}]}]})",
            "clips[0].channel: expected an integer"},
        BadCase{
            "KeysOutOfOrder",
            R"({"vkmix": 1, "tracks": [{"name": "a", "positionKeys": [{"time": 2, "azimuth": 0}, {"time": 1, "azimuth": 9}], "clips": []}]})",
            "positionKeys[1].time: keys must be in time order"},
        BadCase{"OddSampleRate", R"({"vkmix": 1, "sampleRate": 44100.5, "tracks": []})",
                "sampleRate: must be a whole"},
        BadCase{"TracksNotArray", R"({"vkmix": 1, "tracks": {}})",
                "tracks: expected an array, got an object"},
        BadCase{
            "WidthTooLarge",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"width": 400}, "clips": []}]})",
            "tracks[0].position.width: must be within 0..360"},
        BadCase{
            "DivergenceOutOfRange",
            R"({"vkmix": 1, "tracks": [{"name": "a", "positionKeys": [{"time": 0, "azimuth": 0, "divergence": 2}], "clips": []}]})",
            "positionKeys[0].divergence: must be within 0..1"},
        BadCase{
            "GainKeyWithoutGain",
            R"({"vkmix": 1, "tracks": [{"name": "a", "gainKeys": [{"time": 1}], "clips": []}]})",
            "tracks[0].gainKeys[0].gainDb: is required"},
        BadCase{
            "GainKeysOutOfOrder",
            R"({"vkmix": 1, "tracks": [{"name": "a", "gainKeys": [{"time": 2, "gainDb": 0}, {"time": 1, "gainDb": -3}], "clips": []}]})",
            "tracks[0].gainKeys[1].time: keys must be in time order"},
        BadCase{
            "ChannelLockTooFar",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"channelLock": {"maxDistance": 3}}, "clips": []}]})",
            "tracks[0].position.channelLock.maxDistance: must be within 0..2"},
        BadCase{
            "ChannelLockNotAnObject",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"channelLock": 1}, "clips": []}]})",
            "tracks[0].position.channelLock: expected true, false or"},
        BadCase{
            "ZoneBothKinds",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"zoneExclusion": [{"minX": -1, "maxX": 0, "minY": -1, "maxY": 1, "minZ": -1, "maxZ": 1, "minAzimuth": 0}]}, "clips": []}]})",
            "tracks[0].position.zoneExclusion[0].minAzimuth: a zone is either Cartesian"},
        BadCase{
            "ZoneMissingBound",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"zoneExclusion": [{"minX": -1, "maxX": 0}]}, "clips": []}]})",
            "tracks[0].position.zoneExclusion[0].minY: is required"},
        BadCase{
            "ZoneInverted",
            R"({"vkmix": 1, "tracks": [{"name": "a", "position": {"zoneExclusion": [{"minElevation": 30, "maxElevation": 0, "minAzimuth": 0, "maxAzimuth": 10}]}, "clips": []}]})",
            "zoneExclusion[0].maxElevation: is less than minElevation"},
        BadCase{
            "DiffuseOutOfRange",
            R"({"vkmix": 1, "tracks": [{"name": "a", "positionKeys": [{"time": 0, "azimuth": 0, "diffuse": -0.5}], "clips": []}]})",
            "positionKeys[0].diffuse: must be within 0..1"},
        BadCase{"ZeroSessionLength", R"({"vkmix": 1, "length": 0, "tracks": []})",
                "length: must be above 0 seconds"},
        BadCase{"MissingFile",
                R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"start": 1}]}]})",
                "tracks[0].clips[0].file: is required"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

// Everything the model holds survives sessionToJson -> parseSession (what saving does).
TEST(Session, WrittenSessionsReadBackEqual) {
  const Session s = parseSession(R"({"vkmix": 1, "sampleRate": 96000, "layout": "5.1.4",
    "pictureStart": 3600.5, "length": 5400.25,
    "reverbs": [{"name": "room", "ir": "irs/room.wav", "wetDb": -3, "predelayMs": 12}],
    "tracks": [
      {"name": "DX", "stem": "dialogue", "gainDb": -2.5, "mute": true, "binauralMode": "far",
       "position": {"azimuth": 30, "elevation": 10, "distance": 0.5, "width": 20, "divergence": 0.3},
       "positionKeys": [{"time": 1, "azimuth": 0}, {"time": 2.25, "azimuth": -40, "height": 15,
                         "interpolation": "jump"}],
       "gainKeys": [{"time": 0.5, "gainDb": -6, "interpolation": "jump"}, {"time": 1, "gainDb": 0}],
       "sends": [{"reverb": "room", "levelDb": -9, "preFader": true}],
       "denoise": {"reductionDb": 18, "smoothing": 0.2, "learn": {"start": 0.1, "end": 0.9},
                   "hum": {"frequency": 60, "harmonics": 4, "bandwidth": 3}},
       "clips": [{"file": "media/dx.wav", "start": 1.5, "offset": 0.25, "length": 3, "gainDb": -1,
                  "fadeIn": 0.1, "fadeOut": 0.2, "fadeInShape": "equalPower",
                  "fadeOutShape": "sCurve", "channel": 3}]},
      {"name": "Room", "type": "object", "position": {"x": -0.5, "y": 0.25, "z": 1}, "clips": []},
      {"name": "Bed", "stem": "music", "type": "bed", "bed": "5.1",
       "clips": [{"file": "/abs/bed.wav", "channels": [5, 4, -1, 3, 2, 1]}]}]})",
                                 "/mix/reel.json");
  const Session back = parseSession(sessionToJson(s), "/mix/reel.json");
  EXPECT_EQ(sessionToJson(back), sessionToJson(s));
  EXPECT_EQ(back.sampleRate, 96000);
  EXPECT_DOUBLE_EQ(back.pictureStartSeconds, 3600.5);
  ASSERT_TRUE(back.lengthSeconds.has_value());
  EXPECT_DOUBLE_EQ(*back.lengthSeconds, 5400.25);
  ASSERT_EQ(back.tracks.size(), 3u);
  const Track& dx = back.tracks[0];
  EXPECT_TRUE(dx.mute);
  EXPECT_EQ(dx.binauralMode, BinauralMode::Far);
  EXPECT_DOUBLE_EQ(dx.position.distance, 0.5);
  EXPECT_DOUBLE_EQ(dx.positionKeys[1].position.heightDeg, 15);
  EXPECT_DOUBLE_EQ(dx.positionKeys[1].position.widthDeg, 20);  // inherited, still
  EXPECT_EQ(dx.positionKeys[1].interpolation, Interpolation::Jump);
  EXPECT_EQ(dx.gainKeys[0].interpolation, Interpolation::Jump);
  EXPECT_TRUE(dx.sends[0].preFader);
  ASSERT_TRUE(dx.denoise.has_value());
  EXPECT_DOUBLE_EQ(*dx.denoise->humHz, 60);
  EXPECT_EQ(dx.denoise->humHarmonics, 4);
  EXPECT_DOUBLE_EQ(*dx.denoise->learnEndSeconds, 0.9);
  EXPECT_EQ(dx.clips[0].fadeInShape, FadeShape::EqualPower);
  EXPECT_EQ(dx.clips[0].channel, 3);
  EXPECT_EQ(dx.clips[0].resolvedPath, "/mix/media/dx.wav");
  EXPECT_TRUE(back.tracks[1].position.cartesian);
  EXPECT_EQ(back.tracks[2].clips[0].channels, (std::vector<int>{5, 4, -1, 3, 2, 1}));

  test::ScratchDir dir;
  saveSession(s, dir / "saved.json");
  EXPECT_EQ(sessionToJson(loadSession(dir / "saved.json")), sessionToJson(back));
  EXPECT_FALSE(std::filesystem::exists(dir / "saved.json.vkmix-tmp"));
  EXPECT_THROW(saveSession(s, dir / "no-such-folder" / "x.json"), IoError);

  // A name that is not UTF-8 (Latin-1 from an ADM file) is written with U+FFFD, not thrown.
  Session latin = s;
  latin.tracks[0].name = "Caf\xE9";
  EXPECT_EQ(parseSession(sessionToJson(latin), "/mix/reel.json").tracks[0].name, "Caf\xEF\xBF\xBD");
}

// A clip's polarity inversion ("invert": true): read, written back only when set, and a value
// that is not a boolean is a one-line error naming the file and the field.
TEST(Session, ClipInvertReadsWritesAndIsChecked) {
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [
      {"file": "x.wav", "invert": true, "gainDb": -3}, {"file": "y.wav"},
      {"file": "z.wav", "invert": false}]}]})",
                                 "reel.json");
  ASSERT_EQ(s.tracks[0].clips.size(), 3u);
  EXPECT_TRUE(s.tracks[0].clips[0].invert);
  EXPECT_DOUBLE_EQ(s.tracks[0].clips[0].gainDb, -3.0);
  EXPECT_FALSE(s.tracks[0].clips[1].invert);
  EXPECT_FALSE(s.tracks[0].clips[2].invert);
  const std::string json = sessionToJson(s);
  EXPECT_THAT(json, HasSubstr("\"invert\": true"));
  EXPECT_EQ(json.find("\"invert\": false"), std::string::npos);
  const Session back = parseSession(json, "reel.json");
  EXPECT_TRUE(back.tracks[0].clips[0].invert);
  EXPECT_FALSE(back.tracks[0].clips[2].invert);
  try {
    parseSession(
        R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "x", "invert": 1}]}]})",
        "reel.json");
    FAIL() << "no error for a numeric invert";
  } catch (const InputError& e) {
    EXPECT_THAT(
        e.what(),
        HasSubstr("reel.json: tracks[0].clips[0].invert: expected true or false, got a number"));
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "must be one line";
  }
}

// ADM's channelLock, zoneExclusion and diffuse on a position and its keys: keys inherit them,
// may turn them off, and they survive a save.
TEST(Session, AdmRenderingControlsReadAndWriteBack) {
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [{"name": "o",
    "position": {"azimuth": 0, "channelLock": {"maxDistance": 0.5}, "diffuse": 0.25,
                 "zoneExclusion": [{"minX": -1, "maxX": -0.1, "minY": -1, "maxY": 1, "minZ": -1,
                                    "maxZ": 1},
                                   {"minAzimuth": 100, "maxAzimuth": -100, "minElevation": -10,
                                    "maxElevation": 10}]},
    "positionKeys": [{"time": 0, "azimuth": 10},
                     {"time": 1, "azimuth": 20, "channelLock": false, "zoneExclusion": [],
                      "diffuse": 0},
                     {"time": 2, "azimuth": 30, "channelLock": true}],
    "clips": []}]})",
                                 "/mix/reel.json");
  const Track& t = s.tracks.at(0);
  EXPECT_TRUE(t.position.channelLock);
  EXPECT_EQ(t.position.channelLockMaxDistance, 0.5);
  ASSERT_EQ(t.position.zoneExclusion.size(), 2u);
  EXPECT_TRUE(t.position.zoneExclusion[0].cartesian);
  EXPECT_EQ(t.position.zoneExclusion[0].maxX, -0.1);
  EXPECT_FALSE(t.position.zoneExclusion[1].cartesian);
  EXPECT_EQ(t.position.zoneExclusion[1].minAzimuth, 100);
  EXPECT_EQ(t.position.zoneExclusion[1].maxAzimuth, -100);
  EXPECT_EQ(t.position.diffuse, 0.25);
  const auto& k = t.positionKeys;
  EXPECT_TRUE(k[0].position.channelLock);  // inherited
  EXPECT_EQ(k[0].position.zoneExclusion.size(), 2u);
  EXPECT_EQ(k[0].position.diffuse, 0.25);
  EXPECT_FALSE(k[1].position.channelLock);
  EXPECT_TRUE(k[1].position.zoneExclusion.empty());
  EXPECT_EQ(k[1].position.diffuse, 0.0);
  EXPECT_TRUE(k[2].position.channelLock);
  EXPECT_FALSE(k[2].position.channelLockMaxDistance.has_value());
  const Session back = parseSession(sessionToJson(s), "/mix/reel.json");
  EXPECT_EQ(sessionToJson(back), sessionToJson(s));
  EXPECT_EQ(back.tracks[0].positionKeys[1].position.zoneExclusion.size(), 0u);
  EXPECT_EQ(back.tracks[0].positionKeys[2].position.zoneExclusion, t.position.zoneExclusion);
  EXPECT_FALSE(back.tracks[0].positionKeys[2].position.channelLockMaxDistance.has_value());
}

TEST(Session, LoadReportsAMissingFile) {
  EXPECT_THAT(
      [] { loadSession("/nonexistent/reel.json"); },
      ::testing::ThrowsMessage<InputError>(HasSubstr("/nonexistent/reel.json: cannot open")));
}

TEST(Session, LoadResolvesMediaAgainstTheSessionFolder) {
  test::ScratchDir dir;
  test::writeText(dir / "s.json",
                  R"({"vkmix": 1, "tracks": [{"name": "a", "clips": [{"file": "m/a.wav"}]}]})");
  Session s = loadSession(dir / "s.json");
  EXPECT_EQ(s.tracks[0].clips[0].resolvedPath, dir.path() / "m/a.wav");
}

// Inputs the fuzzer (tests/fuzz/session_fuzzer) once crashed on: each must now be accepted or be
// an InputError, never another exception.
TEST(Session, FuzzFindingsAreInputErrors) {
  const auto dir = std::filesystem::path(VKMIX_SOURCE_DIR) / "tests/fuzz/regressions/session";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    try {
      parseSession(text, entry.path());
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << entry.path();
    }
    ++count;
  }
  EXPECT_GE(count, 1);
  EXPECT_THAT([] { parseSession(R"({"vkmix": 1, "sampleRate": 4e8000, "tracks": []})", "n.json"); },
              ::testing::ThrowsMessage<InputError>(
                  HasSubstr("n.json: sampleRate: holds a number too large")));
  // Deep in the file, the message names the key's path.
  EXPECT_THAT(
      [] {
        parseSession(R"({"vkmix": 1, "tracks": [{"name": "a", "clips": []},
          {"name": "b", "gainKeys": [{"time": 0, "gainDb": -1e400}], "clips": []}]})",
                     "k.json");
      },
      ::testing::ThrowsMessage<InputError>(
          HasSubstr("k.json: tracks[1].gainKeys[0].gainDb: holds a number too large")));
  EXPECT_THAT(
      [] { parseSession(R"({"vkmix": 1, "sampleRate": 4.8e100, "tracks": []})", "r.json"); },
      ::testing::ThrowsMessage<InputError>(HasSubstr("r.json: sampleRate: must be")));
}

// An hoa track (docs/session-format.md): its order, normalization (SN3D by default) and the
// clips' channels in ACN order (a map's -1 leaves a channel out); written back as read.
TEST(Session, ParsesHoaTracks) {
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [
     {"name": "scene", "type": "hoa", "order": 1, "normalization": "FuMa",
      "clips": [{"file": "amb.wav", "channels": [0, 3, -1, 1]}]},
     {"name": "scene 2", "type": "hoa", "order": 3, "gainDb": -3,
      "clips": [{"file": "amb3.wav"}]}]})",
                                 "h.json");
  ASSERT_EQ(s.tracks.size(), 2u);
  EXPECT_EQ(s.tracks[0].type, TrackType::Hoa);
  EXPECT_EQ(s.tracks[0].hoaOrder, 1);
  EXPECT_EQ(s.tracks[0].hoaNormalization, HoaNormalization::FuMa);
  EXPECT_EQ(s.tracks[0].clips[0].channels, (std::vector<int>{0, 3, -1, 1}));
  EXPECT_EQ(s.tracks[1].hoaOrder, 3);
  EXPECT_EQ(s.tracks[1].hoaNormalization, HoaNormalization::SN3D);
  const Session back = parseSession(sessionToJson(s), "h.json");
  EXPECT_EQ(back.tracks[0].type, TrackType::Hoa);
  EXPECT_EQ(back.tracks[0].hoaNormalization, HoaNormalization::FuMa);
  EXPECT_EQ(back.tracks[0].clips[0].channels, s.tracks[0].clips[0].channels);
  EXPECT_EQ(back.tracks[1].hoaOrder, 3);
  EXPECT_THAT(sessionToJson(s), HasSubstr("\"type\": \"hoa\""));
}

TEST(Session, HoaTrackErrorsNameTheKey) {
  auto error = [](const std::string& track) {
    try {
      parseSession(R"({"vkmix": 1, "reverbs": [{"name": "hall", "ir": "h.wav"}], "tracks": [)" +
                       track + "]}",
                   "h.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string clip = R"("clips": [{"file": "a.wav"}])";
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", )" + clip + "}"),
              HasSubstr("h.json: tracks[0].order"));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 11, )" + clip + "}"),
              HasSubstr("tracks[0].order: must be within 0..10"));
  EXPECT_THAT(
      error(R"({"name": "a", "type": "hoa", "order": 4, "normalization": "FuMa", )" + clip + "}"),
      HasSubstr("tracks[0].order: FuMa normalization is defined up to order 3"));
  EXPECT_THAT(
      error(R"({"name": "a", "type": "hoa", "order": 1, "normalization": "SN2D", )" + clip + "}"),
      HasSubstr("tracks[0].normalization: \"SN2D\" is not one of SN3D, N3D, FuMa"));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1, "position": {"azimuth": 0}, )" +
                    clip + "}"),
              HasSubstr("tracks[0].position: hoa tracks have no position"));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1,
                       "clips": [{"file": "a.wav", "channel": 0}]})"),
              HasSubstr("tracks[0].clips[0].channel: hoa clips play all channels"));
  EXPECT_THAT(error(R"({"name": "a", "type": "hoa", "order": 1,
                       "sends": [{"reverb": "hall"}], )" +
                    clip + "}"),
              HasSubstr("tracks[0].sends: hoa tracks have no sends"));
  EXPECT_THAT(error(R"({"name": "a", "type": "scene", )" + clip + "}"),
              HasSubstr("\"scene\" is not one of object, bed, hoa"));
  EXPECT_THAT(error(R"({"name": "a", "type": "object", "order": 1, )" + clip + "}"),
              HasSubstr("order"));
}

}  // namespace
}  // namespace vkmix
