// Unit conversions shared by every module. Times are seconds (double) on the session timeline and
// frames (int64) inside the engine; a frame is one sample on every channel.
#pragma once

#include <cstdint>

namespace vkmix {

double dbToLinear(double gainDb);
double linearToDb(double gainLinear);

// The frame at or after `seconds` at `sampleRate`: round to nearest, so 1.5 s at 48 kHz is 72000.
std::int64_t secondsToFrames(double seconds, int sampleRate);

constexpr double kPi = 3.14159265358979323846;

}  // namespace vkmix
