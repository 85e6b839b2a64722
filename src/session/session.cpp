#include <algorithm>
#include <utility>

#include "vkmix/session.hpp"

namespace vkmix {

namespace {
constexpr std::pair<BinauralMode, std::string_view> kModeNames[] = {{BinauralMode::Off, "off"},
                                                                    {BinauralMode::Near, "near"},
                                                                    {BinauralMode::Mid, "mid"},
                                                                    {BinauralMode::Far, "far"}};
}  // namespace

const char* binauralModeName(BinauralMode mode) {
  for (const auto& [m, name] : kModeNames) {
    if (m == mode) return name.data();
  }
  return "mid";
}

std::optional<BinauralMode> parseBinauralMode(std::string_view name) {
  for (const auto& [m, n] : kModeNames) {
    if (n == name) return m;
  }
  return std::nullopt;
}

const char* hoaNormalizationName(HoaNormalization n) {
  switch (n) {
    case HoaNormalization::N3D:
      return "N3D";
    case HoaNormalization::FuMa:
      return "FuMa";
    case HoaNormalization::SN3D:
      break;
  }
  return "SN3D";
}

std::optional<HoaNormalization> parseHoaNormalization(std::string_view name) {
  for (HoaNormalization n :
       {HoaNormalization::SN3D, HoaNormalization::N3D, HoaNormalization::FuMa}) {
    if (name == hoaNormalizationName(n)) return n;
  }
  return std::nullopt;
}

double sessionNominalEndSeconds(const Session& session) {
  double end = session.lengthSeconds.value_or(0.0);
  for (const Track& t : session.tracks) {
    for (const Clip& c : t.clips) {
      end = std::max(end, c.startSeconds + c.lengthSeconds.value_or(0.0));
    }
  }
  return end;
}

}  // namespace vkmix
