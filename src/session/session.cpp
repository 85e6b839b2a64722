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
