// Session file v1 parser (docs/session-format.md). Validates everything before the engine sees it:
// types, unknown keys, ranges. Layout names are checked by the engine, which owns the layout table.
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/files.hpp"
#include "core/json_duplicates.hpp"
#include "core/units.hpp"
#include "session/json_reader.hpp"
#include "vkmix/error.hpp"
#include "vkmix/session.hpp"

namespace vkmix {
namespace {

using nlohmann::json;
using session::ObjectReader;

constexpr double kMaxGainDb = 48.0;            // beyond this a gain is a typo, not a mix decision
constexpr double kMaxTimeSeconds = 48 * 3600;  // two days of timeline
constexpr int kMaxFileChannels = 128;          // what the decoder reads (ADM masters: 128)

std::string indexPath(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

double readTime(const ObjectReader& r, const std::string& key, double fallback) {
  double t = r.number(key, fallback);
  if (t < 0.0) r.fail(key, "must not be negative (got " + std::to_string(t) + ")");
  if (t > kMaxTimeSeconds) r.fail(key, "is beyond 48 hours");
  return t;
}

double readGainDb(const ObjectReader& r, const std::string& key) {
  double g = r.number(key, 0.0);
  if (g > kMaxGainDb) r.fail(key, "is above +48 dB");
  return g;
}

FadeShape readFadeShape(const ObjectReader& r, const std::string& key) {
  std::string s = r.string(key, "linear");
  if (s == "linear") return FadeShape::Linear;
  if (s == "equalPower") return FadeShape::EqualPower;
  if (s == "sCurve") return FadeShape::SCurve;
  r.fail(key, "\"" + s + "\" is not one of linear, equalPower, sCurve");
}

// A key's "time": required, and not before the previous key's.
double readKeyTime(const ObjectReader& r, double& previous) {
  if (!r.has("time")) r.fail("time", "is required");
  const double t = readTime(r, "time", 0.0);
  if (t < previous) r.fail("time", "keys must be in time order");
  previous = t;
  return t;
}

Interpolation readInterpolation(const ObjectReader& r) {
  const std::string s = r.string("interpolation", "linear");
  if (s == "linear") return Interpolation::Linear;
  if (s == "jump") return Interpolation::Jump;
  r.fail("interpolation", "\"" + s + "\" is not one of linear, jump");
}

// Reads width/height/depth/divergence into `pos` (keeping its values for absent keys), for a
// position that is Cartesian or polar as `cartesian` says: a polar one diverges by
// divergenceAzimuthRange (BS.2127 reads positionRange only on Cartesian blocks), so a
// divergencePositionRange on it is a misplaced key; a Cartesian size is not in degrees.
void readShapeFields(const ObjectReader& r, Position& pos, bool cartesian) {
  pos.widthDeg = r.number("width", pos.widthDeg);
  pos.heightDeg = r.number("height", pos.heightDeg);
  pos.depth = r.number("depth", pos.depth);
  pos.divergence = r.number("divergence", pos.divergence);
  pos.divergenceAzimuthRangeDeg = r.number("divergenceAzimuthRange", pos.divergenceAzimuthRangeDeg);
  if (!cartesian && r.has("divergencePositionRange")) {
    r.fail("divergencePositionRange",
           "a polar position diverges by divergenceAzimuthRange; divergencePositionRange is for "
           "Cartesian (x/y/z) positions");
  }
  pos.divergencePositionRange = r.number("divergencePositionRange", pos.divergencePositionRange);
  const std::string sizeRange =
      cartesian ? "must be within 0..360" : "must be within 0..360 degrees";
  if (pos.widthDeg < 0 || pos.widthDeg > 360) r.fail("width", sizeRange);
  if (pos.heightDeg < 0 || pos.heightDeg > 360) r.fail("height", sizeRange);
  if (pos.depth < 0 || pos.depth > 1) r.fail("depth", "must be within 0..1");
  if (pos.divergence < 0 || pos.divergence > 1) r.fail("divergence", "must be within 0..1");
  if (pos.divergenceAzimuthRangeDeg < 0 || pos.divergenceAzimuthRangeDeg > 180) {
    r.fail("divergenceAzimuthRange", "must be within 0..180 degrees");
  }
  if (pos.divergencePositionRange < 0 || pos.divergencePositionRange > 2) {
    r.fail("divergencePositionRange", "must be within 0..2");
  }
}

// Reads the position keys of `r` (azimuth/elevation/distance or x/y/z) into `pos`. Returns false
// when none is present. Mixing the two forms is an error.
bool readPositionFields(const ObjectReader& r, Position& pos) {
  bool polar = r.has("azimuth") || r.has("elevation") || r.has("distance");
  bool cart = r.has("x") || r.has("y") || r.has("z");
  if (polar && cart) {
    r.fail(
        r.has("x") ? "x" : (r.has("y") ? "y" : "z"),
        "a position is either polar (azimuth/elevation/distance) or Cartesian (x/y/z), not both");
  }
  readShapeFields(r, pos, cart || (!polar && pos.cartesian));
  if (polar) {
    pos.cartesian = false;
    pos.azimuthDeg = r.number("azimuth", 0.0);
    pos.elevationDeg = r.number("elevation", 0.0);
    pos.distance = r.number("distance", 1.0);
    if (pos.azimuthDeg < -3600.0 || pos.azimuthDeg > 3600.0) r.fail("azimuth", "is out of range");
    if (pos.elevationDeg < -90.0 || pos.elevationDeg > 90.0) {
      r.fail("elevation", "must be within -90..90 degrees");
    }
    if (pos.distance < 0.0 || pos.distance > 1000.0) r.fail("distance", "must be within 0..1000");
  } else if (cart) {
    pos.cartesian = true;
    pos.x = r.number("x", 0.0);
    pos.y = r.number("y", 0.0);
    pos.z = r.number("z", 0.0);
    for (const char* k : {"x", "y", "z"}) {
      double v = r.number(k, 0.0);
      if (v < -1.0 || v > 1.0) r.fail(k, "must be within -1..1");
    }
  }
  return polar || cart;
}

// ADM rendering controls on a position or key: channelLock, zoneExclusion and diffuse (keeping
// `pos`'s values for absent keys).
void readAdmRenderFields(const json& j, const ObjectReader& r, Position& pos,
                         const std::string& file) {
  if (r.has("channelLock")) {
    const json& v = j.at("channelLock");
    if (v.is_boolean()) {
      pos.channelLock = r.boolean("channelLock", false);
      pos.channelLockMaxDistance.reset();
    } else if (v.is_object()) {
      ObjectReader lr(*r.optionalObject("channelLock"), r.pathOf("channelLock"), file);
      pos.channelLock = true;
      pos.channelLockMaxDistance = lr.optionalNumber("maxDistance");
      if (pos.channelLockMaxDistance &&
          (*pos.channelLockMaxDistance < 0.0 || *pos.channelLockMaxDistance > 2.0))
        lr.fail("maxDistance", "must be within 0..2");
      lr.finish();
    } else {
      r.fail("channelLock",
             "expected true, false or {\"maxDistance\": d}, got " + session::describeType(v));
    }
  }
  if (const json* zones = r.optionalArray("zoneExclusion")) {
    pos.zoneExclusion.clear();
    for (std::size_t i = 0; i < zones->size(); ++i) {
      const std::string path = indexPath(r.pathOf("zoneExclusion"), i);
      if (!(*zones)[i].is_object()) {
        throw InputError(file, path,
                         "expected an object, got " + session::describeType((*zones)[i]));
      }
      ObjectReader zr((*zones)[i], path, file);
      ExclusionZone z;
      const bool cart = zr.has("minX") || zr.has("maxX") || zr.has("minY") || zr.has("maxY") ||
                        zr.has("minZ") || zr.has("maxZ");
      const bool polar = zr.has("minAzimuth") || zr.has("maxAzimuth") || zr.has("minElevation") ||
                         zr.has("maxElevation");
      if (cart == polar) {
        zr.fail(cart ? "minAzimuth" : "minX",
                "a zone is either Cartesian (minX..maxZ) or polar (minAzimuth..maxElevation)");
      }
      z.cartesian = cart;
      auto bounds = [&](const char* lo, const char* hi, double& min, double& max, double limit) {
        min = zr.number(lo);
        max = zr.number(hi);
        if (min < -limit || min > limit) zr.fail(lo, "is out of range");
        if (max < -limit || max > limit) zr.fail(hi, "is out of range");
        if (min > max && limit != 180.0) zr.fail(hi, std::string("is less than ") + lo);
      };
      if (cart) {
        bounds("minX", "maxX", z.minX, z.maxX, 1.0);
        bounds("minY", "maxY", z.minY, z.maxY, 1.0);
        bounds("minZ", "maxZ", z.minZ, z.maxZ, 1.0);
      } else {
        bounds("minAzimuth", "maxAzimuth", z.minAzimuth, z.maxAzimuth, 180.0);
        bounds("minElevation", "maxElevation", z.minElevation, z.maxElevation, 90.0);
      }
      zr.finish();
      pos.zoneExclusion.push_back(z);
    }
  }
  pos.diffuse = r.number("diffuse", pos.diffuse);
  if (pos.diffuse < 0.0 || pos.diffuse > 1.0) r.fail("diffuse", "must be within 0..1");
  pos.speakerLabel = r.string("speakerLabel", pos.speakerLabel);
}

Clip readClip(const json& j, const std::string& path, const std::string& file,
              const std::filesystem::path& baseDir, TrackType type) {
  ObjectReader r(j, path, file);
  Clip c;
  c.file = r.string("file");
  if (c.file.empty()) r.fail("file", "must not be empty");
  std::filesystem::path p(c.file);
  c.resolvedPath = p.is_absolute() ? p : baseDir / p;
  c.startSeconds = readTime(r, "start", 0.0);
  c.offsetSeconds = readTime(r, "offset", 0.0);
  if (auto len = r.optionalNumber("length")) {
    if (*len <= 0.0) r.fail("length", "must be positive");
    if (*len > kMaxTimeSeconds) r.fail("length", "is beyond 48 hours");
    c.lengthSeconds = *len;
  }
  c.gainDb = readGainDb(r, "gainDb");
  c.invert = r.boolean("invert", false);
  c.fadeInSeconds = readTime(r, "fadeIn", 0.0);
  c.fadeOutSeconds = readTime(r, "fadeOut", 0.0);
  c.fadeInShape = readFadeShape(r, "fadeInShape");
  c.fadeOutShape = readFadeShape(r, "fadeOutShape");
  if (c.lengthSeconds && c.fadeInSeconds + c.fadeOutSeconds > *c.lengthSeconds + 1e-9) {
    r.fail("fadeOut", "fadeIn + fadeOut is longer than the clip");
  }
  if (auto ch = r.optionalInteger("channel")) {
    if (type == TrackType::Bed)
      r.fail("channel", "bed clips play all channels; channel is for objects");
    if (type == TrackType::Hoa)
      r.fail("channel",
             "hoa clips play all channels (\"channels\" maps them); channel is for objects");
    if (*ch < 0 || *ch >= kMaxFileChannels)
      r.fail("channel", "must be within 0.." + std::to_string(kMaxFileChannels - 1));
    c.channel = *ch;
  }
  if (const json* chans = r.optionalArray("channels")) {
    if (type == TrackType::Object)
      r.fail("channels", "is for bed clips (and hoa clips); objects take \"channel\"");
    if (chans->empty()) r.fail("channels", "must not be empty");
    for (std::size_t i = 0; i < chans->size(); ++i) {
      const json& v = (*chans)[i];
      const std::string at = "channels[" + std::to_string(i) + "]";
      // An integral double (2.0) is that integer, as for any integer key.
      const bool integral = v.is_number_float() && std::floor(v.get<double>()) == v.get<double>();
      if (!v.is_number_integer() && !integral)
        r.fail(at, "expected an integer channel (or -1 for silence)");
      if (integral && (v.get<double>() < -1.0 || v.get<double>() >= kMaxFileChannels))
        r.fail(at, "must be within -1.." + std::to_string(kMaxFileChannels - 1));
      const auto ch = integral ? static_cast<std::int64_t>(v.get<double>()) : v.get<std::int64_t>();
      if (ch < -1 || ch >= kMaxFileChannels)
        r.fail(at, "must be within -1.." + std::to_string(kMaxFileChannels - 1));
      c.channels.push_back(static_cast<int>(ch));
    }
  }
  r.finish();
  return c;
}

// A number within [lo, hi] or the fallback when absent.
double numberIn(const ObjectReader& r, const std::string& key, double fallback, double lo,
                double hi) {
  const double v = r.number(key, fallback);
  if (!(v >= lo && v <= hi)) {
    auto text = [](double x) {
      std::string t = std::to_string(x);
      t.erase(t.find_last_not_of('0') + 1);
      if (t.back() == '.') t.pop_back();
      return t;
    };
    r.fail(key, "must be within " + text(lo) + ".." + text(hi));
  }
  return v;
}

Denoise readDenoise(const json& j, const std::string& path, const std::string& file) {
  ObjectReader r(j, path, file);
  Denoise d;
  d.enabled = r.boolean("enabled", true);
  d.reductionDb = numberIn(r, "reductionDb", d.reductionDb, 0.0, 60.0);
  d.smoothing = numberIn(r, "smoothing", d.smoothing, 0.0, 1.0);
  if (const json* learn = r.optionalObject("learn")) {
    ObjectReader lr(*learn, r.pathOf("learn"), file);
    d.learnStartSeconds = readTime(lr, "start", 0.0);
    if (!lr.has("end")) lr.missing("end");
    d.learnEndSeconds = readTime(lr, "end", 0.0);
    const double length = *d.learnEndSeconds - *d.learnStartSeconds;
    if (length < 0.1) lr.fail("end", "the learn range must be at least 0.1 s long");
    if (length > 600.0) lr.fail("end", "the learn range must be at most 600 s long");
    lr.finish();
  }
  if (const json* hum = r.optionalObject("hum")) {
    ObjectReader hr(*hum, r.pathOf("hum"), file);
    d.humHz = numberIn(hr, "frequency", 50.0, 20.0, 1000.0);
    const auto harmonics = hr.optionalInteger("harmonics");
    d.humHarmonics = harmonics.value_or(8);
    if (d.humHarmonics < 1 || d.humHarmonics > 32) hr.fail("harmonics", "must be within 1..32");
    d.humBandwidthHz = numberIn(hr, "bandwidth", 2.0, 0.5, 20.0);
    hr.finish();
  }
  r.finish();
  return d;
}

Track readTrack(const json& j, const std::string& path, const std::string& file,
                const std::filesystem::path& baseDir, const std::vector<Reverb>& reverbs) {
  ObjectReader r(j, path, file);
  Track t;
  t.name = r.string("name");
  t.stem = r.string("stem", "effects");
  if (t.stem.empty()) r.fail("stem", "must not be empty");
  std::string type = r.string("type", "object");
  if (type == "object") {
    t.type = TrackType::Object;
  } else if (type == "bed") {
    t.type = TrackType::Bed;
  } else if (type == "hoa") {
    t.type = TrackType::Hoa;
  } else {
    r.fail("type", "\"" + type + "\" is not one of object, bed, hoa");
  }
  t.gainDb = readGainDb(r, "gainDb");
  t.mute = r.boolean("mute", false);
  const std::string mode = r.string("binauralMode", "mid");
  if (const auto m = parseBinauralMode(mode)) {
    t.binauralMode = *m;
  } else {
    r.fail("binauralMode", "\"" + mode + "\" is not one of off, near, mid, far");
  }
  const std::string interpolation = r.string("panInterpolation", "position");
  if (interpolation == "gains") {
    t.panInterpolation = PanInterpolation::Gains;
  } else if (interpolation != "position") {
    r.fail("panInterpolation", "\"" + interpolation + "\" is not one of position, gains");
  }

  if (const json* pos = r.optionalObject("position")) {
    if (t.type != TrackType::Object) r.fail("position", type + " tracks have no position");
    ObjectReader pr(*pos, r.pathOf("position"), file);
    readPositionFields(pr, t.position);
    readAdmRenderFields(*pos, pr, t.position, file);
    pr.finish();
  }
  if (const json* keys = r.optionalArray("positionKeys")) {
    if (t.type != TrackType::Object) r.fail("positionKeys", type + " tracks have no position");
    double previous = -1.0;
    for (std::size_t i = 0; i < keys->size(); ++i) {
      ObjectReader kr((*keys)[i], indexPath(r.pathOf("positionKeys"), i), file);
      PositionKey k;
      k.position = t.position;  // keys inherit the track's size and divergence unless they set them
      k.timeSeconds = readKeyTime(kr, previous);
      if (!readPositionFields(kr, k.position)) kr.fail("azimuth", "a key needs a position");
      readAdmRenderFields((*keys)[i], kr, k.position, file);
      k.interpolation = readInterpolation(kr);
      kr.finish();
      t.positionKeys.push_back(k);
    }
  }
  if (const json* sends = r.optionalArray("sends")) {
    // A reverb bus takes a mono or stereo feed; an HOA signal has no such feed of its own yet.
    if (t.type == TrackType::Hoa && !sends->empty())
      r.fail("sends", "hoa tracks have no sends (decode the scene to a bed to send it)");
    for (std::size_t i = 0; i < sends->size(); ++i) {
      ObjectReader sr((*sends)[i], indexPath(r.pathOf("sends"), i), file);
      Send send;
      send.reverb = sr.string("reverb");
      bool known = false;
      for (const Reverb& rv : reverbs) known = known || rv.name == send.reverb;
      if (!known)
        sr.fail("reverb",
                "no reverb named \"" + send.reverb + "\" (see the top-level \"reverbs\")");
      for (const Send& other : t.sends) {
        if (other.reverb == send.reverb)
          sr.fail("reverb", "a track sends to \"" + send.reverb + "\" once");
      }
      send.levelDb = readGainDb(sr, "levelDb");
      send.preFader = sr.boolean("preFader", false);
      sr.finish();
      t.sends.push_back(send);
    }
  }
  if (const json* keys = r.optionalArray("gainKeys")) {
    double previous = -1.0;
    for (std::size_t i = 0; i < keys->size(); ++i) {
      ObjectReader kr((*keys)[i], indexPath(r.pathOf("gainKeys"), i), file);
      GainKey k;
      k.timeSeconds = readKeyTime(kr, previous);
      if (!kr.has("gainDb")) kr.fail("gainDb", "is required");
      k.gainDb = readGainDb(kr, "gainDb");
      if (k.gainDb < -200.0) kr.fail("gainDb", "is below -200 dB (use mute)");
      k.interpolation = readInterpolation(kr);
      kr.finish();
      t.gainKeys.push_back(k);
    }
  }
  if (const json* dn = r.optionalObject("denoise"))
    t.denoise = readDenoise(*dn, r.pathOf("denoise"), file);
  if (t.type == TrackType::Bed) {
    t.bedLayout = r.string("bed");
  }
  if (t.type == TrackType::Hoa) {
    if (!r.has("order")) r.missing("order");
    const auto order = r.optionalInteger("order");
    if (*order < 0 || *order > kMaxHoaOrder)
      r.fail("order", "must be within 0.." + std::to_string(kMaxHoaOrder));
    t.hoaOrder = static_cast<int>(*order);
    const std::string norm = r.string("normalization", "SN3D");
    if (const auto n = parseHoaNormalization(norm)) {
      t.hoaNormalization = *n;
    } else {
      r.fail("normalization", "\"" + norm + "\" is not one of SN3D, N3D, FuMa");
    }
    if (t.hoaNormalization == HoaNormalization::FuMa && t.hoaOrder > 3)
      r.fail("order", "FuMa normalization is defined up to order 3");
  }
  const json& clips = r.array("clips");
  for (std::size_t i = 0; i < clips.size(); ++i) {
    t.clips.push_back(readClip(clips[i], indexPath(r.pathOf("clips"), i), file, baseDir, t.type));
  }
  r.finish();
  return t;
}

}  // namespace

Session parseSession(std::string_view text, const std::filesystem::path& path) {
  const std::string file = path.string();
  if (text.starts_with("RIFF") || text.starts_with("RF64") || text.starts_with("BW64"))
    throw InputError(file, "",
                     "is a WAV file without ADM metadata (no axml/chna chunks); render takes a "
                     "session (.json) or an ADM BWF master");
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw InputError(file, "",
                     "holds a NUL byte at offset " + std::to_string(nul) + ": not a text file");
  json root;
  DuplicateKeyCheck<json> duplicates(file);
  try {
    root = json::parse(text, [&duplicates](int depth, json::parse_event_t event, json& parsed) {
      return duplicates(depth, event, parsed);
    });
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column, which is what an editor shows.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw InputError(file, "line " + std::to_string(line) + " column " + std::to_string(col),
                     "not valid JSON");
  } catch (const json::out_of_range&) {
    // A number no double holds (1e400): found by tests/fuzz/session_fuzzer.
    throw InputError(file, duplicates.currentPath(), "holds a number too large for a double");
  }
  ObjectReader r(root, "", file);
  if (!r.has("vkmix")) r.fail("vkmix", "is required (the format version, 1)");
  if (r.number("vkmix") != 1.0) r.fail("vkmix", "this vkmix reads session format version 1");

  Session s;
  s.path = path;
  double rate = r.number("sampleRate", 48000.0);
  // Range first: converting an out-of-range double to int is undefined (found by the fuzzer).
  if (!(rate >= 8000 && rate <= 384000) || rate != std::floor(rate)) {
    r.fail("sampleRate", "must be a whole number of Hz within 8000..384000");
  }
  s.sampleRate = static_cast<int>(rate);
  s.layout = r.string("layout", "7.1.4");
  s.pictureStartSeconds = readTime(r, "pictureStart", 0.0);
  if (r.has("length")) {
    s.lengthSeconds = readTime(r, "length", 0.0);
    if (*s.lengthSeconds <= 0.0) r.fail("length", "must be above 0 seconds");
  }
  std::filesystem::path baseDir = path.parent_path();
  if (const json* reverbs = r.optionalArray("reverbs")) {
    for (std::size_t i = 0; i < reverbs->size(); ++i) {
      ObjectReader rr((*reverbs)[i], indexPath("reverbs", i), file);
      Reverb rv;
      rv.name = rr.string("name");
      if (rv.name.empty()) rr.fail("name", "must not be empty");
      for (const Reverb& other : s.reverbs) {
        if (other.name == rv.name) rr.fail("name", "\"" + rv.name + "\" is used twice");
      }
      rv.ir = rr.string("ir");
      if (rv.ir.empty()) rr.fail("ir", "must not be empty");
      std::filesystem::path p(rv.ir);
      rv.resolvedIr = p.is_absolute() ? p : baseDir / p;
      rv.wetDb = readGainDb(rr, "wetDb");
      rv.predelayMs = rr.number("predelayMs", 0.0);
      if (rv.predelayMs < 0.0 || rv.predelayMs > 2000.0)
        rr.fail("predelayMs", "must be within 0..2000 ms");
      rr.finish();
      s.reverbs.push_back(rv);
    }
  }
  const json& tracks = r.array("tracks");
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    s.tracks.push_back(readTrack(tracks[i], indexPath("tracks", i), file, baseDir, s.reverbs));
    const std::vector<Clip>& clips = s.tracks.back().clips;
    for (std::size_t c = 0; c < clips.size(); ++c) {
      if (clips[c].lengthSeconds && *clips[c].lengthSeconds * s.sampleRate < 1.0)
        throw InputError(file, indexPath("tracks", i) + "." + indexPath("clips", c) + ".length",
                         "is shorter than one frame at " + std::to_string(s.sampleRate) + " Hz");
    }
  }
  r.finish();
  return s;
}

Session loadSession(const std::filesystem::path& path) {
  // Sessions are text of a few MB at most; a bigger file is not one, and reading it whole first
  // would only run out of memory.
  constexpr std::uint64_t kMaxSessionBytes = 64ull << 20;
  std::uint64_t bytes = 0;
  try {
    bytes = requireRegularFile(path);
  } catch (const InputError& e) {
    throw InputError(path.string(), "", "cannot open the session file: " + e.problem());
  }
  if (bytes > kMaxSessionBytes)
    throw InputError(path.string(), "", "is larger than 64 MiB: not a session file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "", "cannot open the session file");
  std::ostringstream text;
  text << in.rdbuf();
  return parseSession(text.str(), path);
}

}  // namespace vkmix
