#include "layout/layout_file.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/files.hpp"
#include "core/json_duplicates.hpp"
#include "core/units.hpp"
#include "layout/point_source_panner.hpp"
#include "vkmix/error.hpp"

namespace vkmix::layout {
namespace {

// WAVE_FORMAT_EXTENSIBLE bits by BS.2051 label, for user layouts whose order allows a mask.
const std::map<std::string, std::uint32_t>& maskBits() {
  static const std::map<std::string, std::uint32_t> bits = {
      {"M+030", 0x1},     {"M-030", 0x2},    {"M+000", 0x4},    {"LFE1", 0x8},
      {"M+110", 0x10},    {"M-110", 0x20},   {"M+135", 0x10},   {"M-135", 0x20},
      {"M+180", 0x100},   {"M+090", 0x200},  {"M-090", 0x400},  {"T+000", 0x800},
      {"U+030", 0x1000},  {"U+045", 0x1000}, {"U+000", 0x2000}, {"U-030", 0x4000},
      {"U-045", 0x4000},  {"U+110", 0x8000}, {"U+135", 0x8000}, {"U+180", 0x10000},
      {"U-110", 0x20000}, {"U-135", 0x20000}};
  return bits;
}

// Directions closer than this are one direction: a measured room's speakers are never that close.
constexpr double kCoincidentDeg = 0.5;

double angleBetweenDeg(const Speaker& a, const Speaker& b) {
  auto unit = [](const Speaker& s) {
    const double az = s.azimuthDeg * kPi / 180.0, el = s.elevationDeg * kPi / 180.0;
    return std::array<double, 3>{std::cos(el) * std::cos(az), std::cos(el) * std::sin(az),
                                 std::sin(el)};
  };
  const auto u = unit(a), v = unit(b);
  const double dot = std::clamp(u[0] * v[0] + u[1] * v[1] + u[2] * v[2], -1.0, 1.0);
  return std::acos(dot) * 180.0 / kPi;
}

}  // namespace

Layout loadLayoutFile(const std::filesystem::path& path) {
  const std::string file = path.string();
  if (requireRegularFile(path) > (1u << 20))
    throw InputError(file, "", "is larger than 1 MiB: not a layout file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(file, "", "cannot open the layout file");
  std::stringstream text;
  text << in.rdbuf();
  if (const auto nul = text.str().find('\0'); nul != std::string::npos)
    throw InputError(file, "",
                     "holds a NUL byte at offset " + std::to_string(nul) + ": not a text file");
  nlohmann::json j;
  DuplicateKeyCheck<nlohmann::json> duplicates(file);
  try {
    j = nlohmann::json::parse(
        text.str(),
        [&duplicates](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return duplicates(depth, event, parsed);
        });
  } catch (const nlohmann::json::parse_error&) {
    throw InputError(file, "", "not valid JSON");
  } catch (const nlohmann::json::out_of_range&) {
    throw InputError(file, duplicates.currentPath(), "holds a number too large for a double");
  }
  if (!j.is_object()) throw InputError(file, "(root)", "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "name" && it.key() != "speakers")
      throw InputError(file, it.key(), "unknown key");
  }
  Layout l;
  if (j.contains("name") && !j["name"].is_string())
    throw InputError(file, "name", "expected a string");
  l.name = j.value("name", path.stem().string());
  if (!j.contains("speakers") || !j["speakers"].is_array() || j["speakers"].empty()) {
    throw InputError(file, "speakers", "expected a non-empty array");
  }
  std::set<std::string> labels;
  for (std::size_t i = 0; i < j["speakers"].size(); ++i) {
    const nlohmann::json& s = j["speakers"][i];
    const std::string at = "speakers[" + std::to_string(i) + "]";
    if (!s.is_object()) throw InputError(file, at, "expected an object");
    for (auto it = s.begin(); it != s.end(); ++it) {
      static const std::set<std::string> known = {"label", "name", "azimuth", "elevation", "lfe"};
      if (!known.contains(it.key())) throw InputError(file, at + "." + it.key(), "unknown key");
    }
    if (!s.contains("label") || !s["label"].is_string())
      throw InputError(file, at + ".label", "is required (a BS.2051 label such as M+030)");
    Speaker sp;
    sp.label = s["label"].get<std::string>();
    if (!labels.insert(sp.label).second)
      throw InputError(file, at + ".label", "\"" + sp.label + "\" appears twice");
    if (s.contains("name") && !s["name"].is_string())
      throw InputError(file, at + ".name", "expected a string");
    if (s.contains("lfe") && !s["lfe"].is_boolean())
      throw InputError(file, at + ".lfe", "expected true or false");
    sp.name = s.contains("name") ? s["name"].get<std::string>() : sp.label;
    sp.lfe = s.value("lfe", false) || sp.label.rfind("LFE", 0) == 0;
    double naz = 0, nel = 0;
    const bool nominal = nominalPositionOfLabel(sp.label, naz, nel);
    for (const char* key : {"azimuth", "elevation"}) {
      if (s.contains(key) && !s[key].is_number())
        throw InputError(file, at + "." + key, "expected a number");
    }
    if (!sp.lfe && !nominal && !(s.contains("azimuth") && s.contains("elevation"))) {
      throw InputError(
          file, at + ".azimuth",
          "a speaker whose label is not a BS.2051 position needs azimuth and elevation");
    }
    sp.azimuthDeg = s.value("azimuth", naz);
    sp.elevationDeg = s.value("elevation", nel);
    if (!std::isfinite(sp.azimuthDeg) || std::abs(sp.azimuthDeg) > 180.0)
      throw InputError(file, at + ".azimuth", "must be within -180..180");
    if (!std::isfinite(sp.elevationDeg) || std::abs(sp.elevationDeg) > 90.0)
      throw InputError(file, at + ".elevation", "must be within -90..90");
    // Two loudspeakers in one direction leave the panner's triangulation degenerate.
    for (std::size_t k = 0; k < l.speakers.size(); ++k) {
      const Speaker& o = l.speakers[k];
      if (o.lfe || sp.lfe) continue;
      if (angleBetweenDeg(o, sp) < kCoincidentDeg)
        throw InputError(file, at,
                         sp.label + " is in the same direction as speakers[" + std::to_string(k) +
                             "] (" + o.label + ")");
    }
    l.speakers.push_back(sp);
  }
  if (l.numChannels() > kMaxOutputChannels) {
    throw InputError(file, "speakers",
                     "vkmix renders at most " + std::to_string(kMaxOutputChannels) + " channels");
  }
  // A WAV mask only when every speaker has a bit and the order is ascending; else mask 0.
  std::uint32_t last = 0;
  bool ascending = true;
  for (Speaker& sp : l.speakers) {
    auto it = maskBits().find(sp.label);
    sp.wavMaskBit = it == maskBits().end() ? 0 : it->second;
    ascending = ascending && sp.wavMaskBit > last;
    last = sp.wavMaskBit;
  }
  if (!ascending) {
    for (Speaker& sp : l.speakers) sp.wavMaskBit = 0;
  }
  try {
    PointSourcePanner check(l);  // rejects layouts that leave directions uncovered
  } catch (const InputError& e) {
    throw InputError(file, "speakers", e.problem());
  }
  return l;
}

Layout resolveLayout(const std::string& nameOrPath, const std::string& whereFile,
                     const std::string& whereField) {
  if (const Layout* builtin = findLayout(nameOrPath)) return *builtin;
  if (nameOrPath.size() > 5 && nameOrPath.ends_with(".json")) return loadLayoutFile(nameOrPath);
  throw InputError(
      whereFile, whereField,
      "unknown layout \"" + nameOrPath + "\"; see 'vkmix layouts', or give a layout file (.json)");
}

}  // namespace vkmix::layout
