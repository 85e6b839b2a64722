// What the feature-reel generator's parts share (benchmarks/make_feature.cpp): the rate, the seeded
// generator and its draws, and rounding of times, angles and gains.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>

namespace vkmix::feature {

using Rng = std::mt19937;

constexpr int kRate = 48000;

inline double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline int pick(Rng& rng, std::size_t n) {
  return std::uniform_int_distribution<int>(0, static_cast<int>(n) - 1)(rng);
}
inline bool chance(Rng& rng, double p) { return uniform(rng, 0.0, 1.0) < p; }

// Times stay on whole milliseconds (whole frames at 48 kHz), so that an offset plus a length never
// reaches past the end of its media once the engine rounds them to frames.
inline double wholeMs(double seconds) { return std::floor(seconds * 1000.0) / 1000.0; }
inline double nearestMs(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }
// Angles and gains to a tenth, as a mixer would set them.
inline double tenth(double value) { return std::round(value * 10.0) / 10.0; }
inline std::size_t framesOf(double seconds) {
  return static_cast<std::size_t>(std::lround(seconds * kRate));
}

}  // namespace vkmix::feature
