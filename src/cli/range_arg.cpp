#include "cli/range_arg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "core/units.hpp"
#include "vkmix/error.hpp"

namespace vkmix::cli {
namespace {

// A plain decimal number (digits, one point), nothing else: no sign, exponent, "inf" or "nan".
std::optional<double> decimal(const std::string& text) {
  bool digits = false, point = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return std::strtod(text.c_str(), nullptr);
}

// One side of the range: seconds, or HH:MM:SS(.fff) as three parts.
double seconds(const std::vector<std::string>& parts, const std::string& text,
               const std::string& side) {
  const std::string form = side + " must be seconds (12.5) or HH:MM:SS.fff (00:01:02.500)";
  if (parts.size() == 1) {
    if (!parts[0].empty() && parts[0][0] == '-')
      throw InputError("--range", text, side + " must not be negative");
    const std::optional<double> s = decimal(parts[0]);
    if (!s) throw InputError("--range", text, form);
    return *s;
  }
  const std::optional<double> h = decimal(parts[0]), m = decimal(parts[1]), s = decimal(parts[2]);
  const bool whole =
      parts[0].find('.') == std::string::npos && parts[1].find('.') == std::string::npos;
  if (!h || !m || !s || !whole || *m >= 60.0 || *s >= 60.0) throw InputError("--range", text, form);
  return *h * 3600.0 + *m * 60.0 + *s;
}

}  // namespace

FrameRange parseRange(const std::string& text, int sampleRate) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == ':') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  const bool open = parts.size() > 1 && parts.back().empty();
  if (open) parts.pop_back();
  std::vector<std::string> start, end;
  if (open && (parts.size() == 1 || parts.size() == 3)) {
    start = parts;
  } else if (!open && (parts.size() == 2 || parts.size() == 6)) {
    const std::size_t half = parts.size() / 2;
    start.assign(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(half));
    end.assign(parts.begin() + static_cast<std::ptrdiff_t>(half), parts.end());
  } else {
    throw InputError("--range", text,
                     "expected START:END or START: (to the end), both as seconds (12.5:20) or "
                     "both as HH:MM:SS.fff (00:00:12.500:00:00:20.000)");
  }
  // Past a billion seconds is past any render's end (and keeps the frame count an int64).
  auto frames = [&](double s) { return secondsToFrames(std::min(s, 1e9), sampleRate); };
  FrameRange range;
  range.start = frames(seconds(start, text, "START"));
  range.end =
      end.empty() ? std::numeric_limits<std::int64_t>::max() : frames(seconds(end, text, "END"));
  return range;
}

}  // namespace vkmix::cli
