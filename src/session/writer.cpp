// Session file v1 writer: the inverse of parser.cpp. Writes only what differs from a default, so a
// saved session reads like one written by hand, and parseSession(sessionToJson(s)) gives back s.
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "vkmix/error.hpp"
#include "vkmix/session.hpp"

namespace vkmix {
namespace {

using Json = nlohmann::ordered_json;

const char* fadeName(FadeShape s) {
  switch (s) {
    case FadeShape::EqualPower:
      return "equalPower";
    case FadeShape::SCurve:
      return "sCurve";
    default:
      return "linear";
  }
}

void putShape(Json& j, const Position& p, const Position& inherited) {
  if (p.widthDeg != inherited.widthDeg) j["width"] = p.widthDeg;
  if (p.heightDeg != inherited.heightDeg) j["height"] = p.heightDeg;
  if (p.depth != inherited.depth) j["depth"] = p.depth;
  if (p.divergence != inherited.divergence) j["divergence"] = p.divergence;
  if (p.divergenceAzimuthRangeDeg != inherited.divergenceAzimuthRangeDeg)
    j["divergenceAzimuthRange"] = p.divergenceAzimuthRangeDeg;
  if (p.divergencePositionRange != inherited.divergencePositionRange)
    j["divergencePositionRange"] = p.divergencePositionRange;
}

// channelLock, zoneExclusion and diffuse where they differ from what the position inherits.
void putAdmRender(Json& j, const Position& p, const Position& inherited) {
  if (p.channelLock != inherited.channelLock ||
      p.channelLockMaxDistance != inherited.channelLockMaxDistance) {
    if (p.channelLock && p.channelLockMaxDistance) {
      j["channelLock"] = Json{{"maxDistance", *p.channelLockMaxDistance}};
    } else {
      j["channelLock"] = p.channelLock;
    }
  }
  if (p.zoneExclusion != inherited.zoneExclusion) {
    Json zones = Json::array();
    for (const ExclusionZone& z : p.zoneExclusion) {
      Json zj;
      if (z.cartesian) {
        zj = Json{{"minX", z.minX}, {"maxX", z.maxX}, {"minY", z.minY},
                  {"maxY", z.maxY}, {"minZ", z.minZ}, {"maxZ", z.maxZ}};
      } else {
        zj = Json{{"minAzimuth", z.minAzimuth},
                  {"maxAzimuth", z.maxAzimuth},
                  {"minElevation", z.minElevation},
                  {"maxElevation", z.maxElevation}};
      }
      zones.push_back(zj);
    }
    j["zoneExclusion"] = zones;
  }
  if (p.diffuse != inherited.diffuse) j["diffuse"] = p.diffuse;
  if (p.speakerLabel != inherited.speakerLabel) j["speakerLabel"] = p.speakerLabel;
}

// A position's coordinates (always all of them: a key needs at least one) and its shape where it
// differs from what it inherits.
void putPosition(Json& j, const Position& p, const Position& inherited) {
  if (p.cartesian) {
    j["x"] = p.x;
    j["y"] = p.y;
    j["z"] = p.z;
  } else {
    j["azimuth"] = p.azimuthDeg;
    j["elevation"] = p.elevationDeg;
    if (p.distance != 1.0) j["distance"] = p.distance;
  }
  putShape(j, p, inherited);
  putAdmRender(j, p, inherited);
}

Json clipJson(const Clip& c) {
  Json j;
  j["file"] = c.file;
  if (c.startSeconds != 0.0) j["start"] = c.startSeconds;
  if (c.offsetSeconds != 0.0) j["offset"] = c.offsetSeconds;
  if (c.lengthSeconds) j["length"] = *c.lengthSeconds;
  if (c.gainDb != 0.0) j["gainDb"] = c.gainDb;
  if (c.invert) j["invert"] = true;
  if (c.fadeInSeconds != 0.0) j["fadeIn"] = c.fadeInSeconds;
  if (c.fadeOutSeconds != 0.0) j["fadeOut"] = c.fadeOutSeconds;
  if (c.fadeInShape != FadeShape::Linear) j["fadeInShape"] = fadeName(c.fadeInShape);
  if (c.fadeOutShape != FadeShape::Linear) j["fadeOutShape"] = fadeName(c.fadeOutShape);
  if (c.channel) j["channel"] = *c.channel;
  if (!c.channels.empty()) j["channels"] = c.channels;
  return j;
}

Json denoiseJson(const Denoise& d) {
  const Denoise defaults;
  Json j = Json::object();
  if (!d.enabled) j["enabled"] = false;
  if (d.reductionDb != defaults.reductionDb) j["reductionDb"] = d.reductionDb;
  if (d.smoothing != defaults.smoothing) j["smoothing"] = d.smoothing;
  if (d.learnStartSeconds && d.learnEndSeconds)
    j["learn"] = {{"start", *d.learnStartSeconds}, {"end", *d.learnEndSeconds}};
  if (d.humHz) {
    j["hum"] = {
        {"frequency", *d.humHz}, {"harmonics", d.humHarmonics}, {"bandwidth", d.humBandwidthHz}};
  }
  return j;
}

Json trackJson(const Track& t) {
  Json j;
  j["name"] = t.name;
  j["stem"] = t.stem;
  j["type"] = t.type == TrackType::Bed ? "bed" : (t.type == TrackType::Hoa ? "hoa" : "object");
  if (t.type == TrackType::Bed) j["bed"] = t.bedLayout;
  if (t.type == TrackType::Hoa) {
    j["order"] = t.hoaOrder;
    if (t.hoaNormalization != HoaNormalization::SN3D)
      j["normalization"] = hoaNormalizationName(t.hoaNormalization);
  }
  if (t.gainDb != 0.0) j["gainDb"] = t.gainDb;
  if (t.mute) j["mute"] = true;
  if (t.binauralMode != BinauralMode::Mid) j["binauralMode"] = binauralModeName(t.binauralMode);
  if (t.panInterpolation == PanInterpolation::Gains) j["panInterpolation"] = "gains";
  if (t.type == TrackType::Object) {
    Json pos = Json::object();
    putPosition(pos, t.position, Position{});
    j["position"] = pos;
    if (!t.positionKeys.empty()) {
      Json keys = Json::array();
      for (const PositionKey& k : t.positionKeys) {
        Json key;
        key["time"] = k.timeSeconds;
        putPosition(key, k.position, t.position);
        if (k.interpolation == Interpolation::Jump) key["interpolation"] = "jump";
        keys.push_back(key);
      }
      j["positionKeys"] = keys;
    }
  }
  if (!t.gainKeys.empty()) {
    Json keys = Json::array();
    for (const GainKey& k : t.gainKeys) {
      Json key = {{"time", k.timeSeconds}, {"gainDb", k.gainDb}};
      if (k.interpolation == Interpolation::Jump) key["interpolation"] = "jump";
      keys.push_back(key);
    }
    j["gainKeys"] = keys;
  }
  if (!t.sends.empty()) {
    Json sends = Json::array();
    for (const Send& s : t.sends) {
      Json send = {{"reverb", s.reverb}, {"levelDb", s.levelDb}};
      if (s.preFader) send["preFader"] = true;
      sends.push_back(send);
    }
    j["sends"] = sends;
  }
  if (t.denoise) j["denoise"] = denoiseJson(*t.denoise);
  Json clips = Json::array();
  for (const Clip& c : t.clips) clips.push_back(clipJson(c));
  j["clips"] = clips;
  return j;
}

}  // namespace

std::string sessionToJson(const Session& session) {
  Json j;
  j["vkmix"] = 1;
  j["sampleRate"] = session.sampleRate;
  j["layout"] = session.layout;
  if (session.pictureStartSeconds != 0.0) j["pictureStart"] = session.pictureStartSeconds;
  if (session.lengthSeconds) j["length"] = *session.lengthSeconds;
  if (!session.reverbs.empty()) {
    Json reverbs = Json::array();
    for (const Reverb& r : session.reverbs) {
      Json rv = {{"name", r.name}, {"ir", r.ir}};
      if (r.wetDb != 0.0) rv["wetDb"] = r.wetDb;
      if (r.predelayMs != 0.0) rv["predelayMs"] = r.predelayMs;
      reverbs.push_back(rv);
    }
    j["reverbs"] = reverbs;
  }
  Json tracks = Json::array();
  for (const Track& t : session.tracks) tracks.push_back(trackJson(t));
  j["tracks"] = tracks;
  // Names from elsewhere (an ADM file's, say) may not be UTF-8: such bytes become U+FFFD rather
  // than an exception (found by tests/fuzz/adm_fuzzer).
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void saveSession(const Session& session, const std::filesystem::path& path) {
  const std::string text = sessionToJson(session);
  std::filesystem::path temp = path;
  temp += ".vkmix-tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      const std::string why = std::strerror(errno);
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      throw IoError(path.string() + ": cannot write the session: " + why);
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError(path.string() + ": cannot write the session: " + ec.message());
  }
}

}  // namespace vkmix
