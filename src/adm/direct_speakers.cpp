#include "adm/direct_speakers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "layout/allocentric_panner.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {
namespace {

// BS.2127 compares speaker angles and positions within this tolerance (degrees / unit distance).
constexpr double kTolerance = 1e-5;

// The loudspeaker roles BS.2127's mapping rules let another speaker play whole (M+110 by M+135,
// U+030 by U+045, ...); vkmix's bed routing applies them to every bed it plays.
bool hasMappingAlternative(const std::string& label) {
  static const char* const roles[] = {"M+110", "M-110", "M+135", "M-135", "U+030", "U-030",
                                      "U+045", "U-045", "U+110", "U-110", "U+135", "U-135"};
  return std::find(std::begin(roles), std::end(roles), label) != std::end(roles);
}

// Is azimuth `x` within [from, to], going anticlockwise (increasing azimuth) from `from`?
bool withinAzimuths(double x, double from, double to, double tol) {
  while (to - 360.0 > from) to -= 360.0;
  while (to < from) to += 360.0;
  const double start = from - tol;
  while (x - 360.0 >= start) x -= 360.0;
  while (x < start) x += 360.0;
  return x <= to + tol;
}

std::array<double, 3> unitVector(double azimuthDeg, double elevationDeg) {
  const double az = azimuthDeg * std::numbers::pi / 180.0,
               el = elevationDeg * std::numbers::pi / 180.0;
  return {-std::sin(az) * std::cos(el), std::cos(az) * std::cos(el), std::sin(el)};
}

// The smallest built-in layout holding every label, with each of its speakers' file channel
// (-1: none); nullptr when no layout holds them all.
const Layout* bedFor(const std::vector<std::pair<std::string, int>>& labelled,
                     std::vector<int>& channels) {
  const Layout* best = nullptr;
  for (const Layout& l : builtinLayouts()) {
    const bool holds = std::all_of(labelled.begin(), labelled.end(), [&](const auto& lc) {
      return l.indexOfLabel(lc.first).has_value();
    });
    if (holds && (best == nullptr || l.numChannels() < best->numChannels())) best = &l;
  }
  if (best == nullptr) return nullptr;
  channels.assign(static_cast<std::size_t>(best->numChannels()), -1);
  for (const auto& [label, ch] : labelled)
    channels[static_cast<std::size_t>(*best->indexOfLabel(label))] = ch;
  return best;
}

const Speaker* speakerLabelled(const std::string& label) {
  for (const Layout& l : builtinLayouts()) {
    if (auto i = l.indexOfLabel(label)) return &l.speakers[static_cast<std::size_t>(*i)];
  }
  return nullptr;
}

}  // namespace

bool isLfeChannel(const ChannelFormat& c, const std::string& normalisedLabel) {
  const bool byFrequency = c.lowPassHz && *c.lowPassHz <= 200.0 && !c.highPassHz;
  return byFrequency || normalisedLabel == "LFE1" || normalisedLabel == "LFE2";
}

bool isCommonDefinition(const std::string& packId) {
  if (packId.size() != 11 || packId.rfind("AP_0001", 0) != 0) return false;
  const std::string yyyy = packId.substr(7);
  if (yyyy.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return false;
  return std::stoul(yyyy, nullptr, 16) < 0x1000;
}

namespace {

// BS.2127 §8.4 for a Cartesian position: among `l`'s loudspeakers whose allocentric positions lie
// within the X/Y/Z bounds, the one closest to the position, if exactly one is; "" otherwise.
std::string closestWithinCartesianBounds(const BlockFormat& b, const Layout& l,
                                         const std::vector<layout::Vec3>& positions) {
  const layout::Vec3 lo{b.xMin.value_or(b.x), b.yMin.value_or(b.y), b.zMin.value_or(b.z)};
  const layout::Vec3 hi{b.xMax.value_or(b.x), b.yMax.value_or(b.y), b.zMax.value_or(b.z)};
  const layout::Vec3 target{b.x, b.y, b.z};
  std::string choice;
  double best = 1e9;
  int ties = 0;
  for (std::size_t i = 0; i < l.speakers.size(); ++i) {
    if (l.speakers[i].lfe) continue;
    const layout::Vec3& p = positions[i];
    const bool within = p.x + kTolerance >= lo.x && p.y + kTolerance >= lo.y &&
                        p.z + kTolerance >= lo.z && p.x - kTolerance <= hi.x &&
                        p.y - kTolerance <= hi.y && p.z - kTolerance <= hi.z;
    if (!within) continue;
    const double d = (p - target).norm();
    if (std::abs(d - best) < kTolerance) {
      ++ties;
    } else if (d < best) {
      best = d;
      ties = 1;
      choice = l.speakers[i].label;
    }
  }
  return ties == 1 ? choice : std::string();
}

}  // namespace

std::optional<std::string> speakerWithinBounds(const BlockFormat& b, const std::string& label) {
  if (b.cartesian) {
    // Only layouts with allocentric positions take part: BS.2127 places Cartesian DirectSpeakers
    // on those alone.
    std::optional<std::string> agreed;
    for (const Layout& l : builtinLayouts()) {
      const std::vector<layout::Vec3> positions = layout::allocentricPositions(l);
      if (positions.empty()) continue;
      const std::string choice = !label.empty() && l.indexOfLabel(label)
                                     ? label
                                     : closestWithinCartesianBounds(b, l, positions);
      if (agreed && *agreed != choice) return std::nullopt;
      agreed = choice;
    }
    return agreed;
  }
  const double azMin = b.azimuthMin.value_or(b.azimuth), azMax = b.azimuthMax.value_or(b.azimuth);
  const double elMin = b.elevationMin.value_or(b.elevation);
  const double elMax = b.elevationMax.value_or(b.elevation);
  const auto target = unitVector(b.azimuth, b.elevation);
  // Every loudspeaker's nominal distance is 1: distance bounds without it hold none.
  const double distMin = b.distanceMin.value_or(b.distance);
  const double distMax = b.distanceMax.value_or(b.distance);
  const bool distanceHolds = distMin - kTolerance < 1.0 && 1.0 < distMax + kTolerance;
  std::optional<std::string> agreed;
  for (const Layout& l : builtinLayouts()) {
    std::string choice;
    if (!label.empty() && l.indexOfLabel(label)) {
      choice = label;
    } else if (distanceHolds) {
      // The closest speaker within the bounds, if exactly one is closest.
      double best = 1e9;
      int ties = 0;
      for (const Speaker& s : l.speakers) {
        if (s.lfe) continue;
        const bool pole = std::abs(s.elevationDeg) >= 90.0 - kTolerance;
        if (!pole && !withinAzimuths(s.azimuthDeg, azMin, azMax, kTolerance)) continue;
        if (s.elevationDeg <= elMin - kTolerance || s.elevationDeg >= elMax + kTolerance) continue;
        const auto p = unitVector(s.azimuthDeg, s.elevationDeg);
        const double d = std::hypot(p[0] - target[0], p[1] - target[1], p[2] - target[2]);
        if (std::abs(d - best) < kTolerance) {
          ++ties;
        } else if (d < best) {
          best = d;
          ties = 1;
          choice = s.label;
        }
      }
      if (ties != 1) choice.clear();
    }
    if (agreed && *agreed != choice) return std::nullopt;
    agreed = choice;
  }
  return agreed;
}

std::vector<Track> directSpeakersTracks(const ResolvedObject& ro, const Track& base,
                                        const std::function<void(const std::string&)>& warn) {
  const bool common = isCommonDefinition(ro.packId);
  std::vector<std::pair<std::string, int>> labelled;                // bed channels by label
  std::vector<std::pair<const ResolvedChannel*, Position>> placed;  // objects
  std::vector<const ResolvedChannel*> lfe;
  for (const ResolvedChannel& ch : ro.channels) {
    const BlockFormat* b = ch.format->blocks.empty() ? nullptr : &ch.format->blocks.front();
    const std::string label = b != nullptr ? normaliseSpeakerLabel(b->speakerLabel) : "";
    // BS.2127's DirectSpeakers panner pans a direction: the distance plays no part.
    Position at = b != nullptr ? positionOf(*b) : Position{};
    at.distance = 1.0;
    if (isLfeChannel(*ch.format, label)) {
      // Every LFE plays into the output's (first) LFE: vkmix has no layout with two.
      lfe.push_back(&ch);
    } else if (b != nullptr && b->hasBounds()) {
      if (auto speaker = speakerWithinBounds(*b, label)) {
        if (speaker->empty()) {
          placed.emplace_back(&ch, at);  // no speaker within the bounds: the panner, as BS.2127
        } else if (*speaker == label) {
          labelled.emplace_back(label, ch.fileChannel);
        } else {
          const Speaker* s = speakerLabelled(*speaker);
          Position p;
          p.azimuthDeg = s->azimuthDeg;
          p.elevationDeg = s->elevationDeg;
          placed.emplace_back(&ch, p);
        }
      } else {
        warn("audioChannelFormat " + ch.format->id +
             ": its bounds choose different speakers in different layouts; placed at its "
             "position");
        placed.emplace_back(&ch, at);
      }
    } else if (label.empty() || (!common && hasMappingAlternative(label))) {
      // BS.2127 matches the label first, in any pack; only a common pack's mapping rules are
      // not for a custom one.
      at.speakerLabel = label;
      placed.emplace_back(&ch, at);
    } else {
      labelled.emplace_back(label, ch.fileChannel);
    }
  }
  // BS.2127's rules for the common 22.2 and 3+7+0 packs play each LFE at -3 dB into LFE1 (vkmix
  // has no layout with two LFEs).
  const bool twoLfeInput = common && (ro.packId == "AP_00010009" || ro.packId == "AP_00010007");
  const bool lfeInBed = lfe.size() == 1 && !twoLfeInput;
  if (lfeInBed) labelled.emplace_back("LFE1", lfe.front()->fileChannel);

  std::vector<Track> out;
  std::vector<int> map;
  const Layout* bed = bedFor(labelled, map);
  if (bed == nullptr && !labelled.empty()) {
    for (const ResolvedChannel& ch : ro.channels) {
      const bool isBed = std::any_of(labelled.begin(), labelled.end(), [&](const auto& lc) {
        return lc.second == ch.fileChannel && lc.first != "LFE1";
      });
      if (isBed) {
        Position p = positionOf(ch.format->blocks.front());
        p.distance = 1.0;
        // An output with a loudspeaker of the channel's label plays it there whole (BS.2127's
        // label match); others pan the position.
        p.speakerLabel = normaliseSpeakerLabel(ch.format->blocks.front().speakerLabel);
        placed.emplace_back(&ch, p);
      }
    }
    labelled.clear();
    if (lfeInBed) labelled.emplace_back("LFE1", lfe.front()->fileChannel);
    bed = labelled.empty() ? nullptr : bedFor(labelled, map);
  }
  auto bedTrack = [&](const std::string& name, const Layout& layout,
                      const std::vector<int>& channels, double gainDb) {
    Track t = base;
    t.name = name;
    t.type = TrackType::Bed;
    t.bedLayout = layout.name;
    t.gainDb += gainDb;
    for (Clip& c : t.clips) c.channels = channels;
    out.push_back(std::move(t));
  };
  if (bed != nullptr) bedTrack(base.name, *bed, map, 0.0);
  if (!lfeInBed) {
    for (const ResolvedChannel* ch : lfe) {
      const Layout* lfeBed = bedFor({{"LFE1", ch->fileChannel}}, map);
      bedTrack(base.name + " " + ch->format->name, *lfeBed, map,
               twoLfeInput ? -10.0 * std::log10(2.0) : 0.0);
    }
  }
  for (const auto& [ch, position] : placed) {
    Track t = base;
    t.name = base.name + " " + ch->format->name;
    t.position = position;
    for (Clip& c : t.clips) c.channel = ch->fileChannel;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace vkmix::adm
