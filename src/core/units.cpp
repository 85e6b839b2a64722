#include "core/units.hpp"

#include <cmath>
#include <limits>

namespace vkmix {

double dbToLinear(double gainDb) { return std::pow(10.0, gainDb / 20.0); }

double linearToDb(double gainLinear) {
  if (gainLinear <= 0.0) return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(gainLinear);
}

std::int64_t secondsToFrames(double seconds, int sampleRate) {
  return static_cast<std::int64_t>(std::llround(seconds * static_cast<double>(sampleRate)));
}

}  // namespace vkmix
