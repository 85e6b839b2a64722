// Audio stays finite: a stage whose output overflows the float range (huge gains on huge samples,
// an IR of 3e38) stops the render with an error naming the stage and the time, the same on every
// backend, instead of writing inf, or NaN that a convolution spreads over the whole mix.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "vkmix/error.hpp"

namespace vkmix::engine {

// A float's magnitude as its bits: for magnitudes, the bits order as the values do, infinity
// is 0x7f800000 and every NaN above it. The scans below take the largest of a row's as an
// integer maximum, which vectorises (a float compare that NaN may answer does not).
constexpr std::uint32_t kInfinityBits = 0x7f800000u;

inline std::uint32_t largestMagnitudeBits(const float* x, std::int64_t n) {
  std::uint32_t largest = 0;
  for (std::int64_t i = 0; i < n; ++i)
    largest = std::max(largest, std::bit_cast<std::uint32_t>(x[i]) & 0x7fffffffu);
  return largest;
}

// The first frame of `channels` rows (n frames, `stride` apart) holding a non-finite sample, or
// -1. The common case, all finite, is one branch-free pass.
inline std::int64_t firstNonFiniteFrame(std::span<const float> planar, int channels,
                                        std::int64_t stride, std::int64_t n) {
  std::uint32_t largest = 0;
  for (int c = 0; c < channels; ++c)
    largest = std::max(largest, largestMagnitudeBits(planar.data() + c * stride, n));
  if (largest < kInfinityBits) return -1;
  std::int64_t first = n;
  for (int c = 0; c < channels; ++c) {
    const float* row = planar.data() + c * stride;
    for (std::int64_t i = 0; i < first; ++i) {
      if (!std::isfinite(row[i])) first = i;
    }
  }
  return first;
}

// Throws InputError(sessionFile, "", ...) when the rows hold a non-finite sample; `stage` names
// what produced them ("stem \"effects\"", "reverb \"hall\""), `startFrame` is their first
// frame's time on the session timeline.
inline void requireFinite(std::span<const float> planar, int channels, std::int64_t stride,
                          std::int64_t n, const std::string& stage, std::int64_t startFrame,
                          int sampleRate, const std::string& sessionFile) {
  const std::int64_t at = firstNonFiniteFrame(planar, channels, stride, n);
  if (at < 0) return;
  const std::int64_t frame = startFrame + at;
  char when[64];
  std::snprintf(when, sizeof when, "%.3f s (frame %lld)", static_cast<double>(frame) / sampleRate,
                static_cast<long long>(frame));
  throw InputError(sessionFile, "",
                   stage + " overflows the float range at " + when +
                       ": samples or gains too large (lower the gains or the media's level)");
}

// Signals entering the FFT stages (reverb sends, denoise inputs) stay within +-1e15, 300 dB over
// full scale: a float FFT of 2^15 points sums that many samples into a bin and squares it, so
// far larger ones overflow on the device's float path where the double reference does not.
// Refused alike on every backend, so all of them give the same answer.
constexpr float kMaxFftInput = 1e15f;

inline void requireWithinFftRange(std::span<const float> samples, const std::string& stage,
                                  const std::string& sessionFile) {
  const auto largest =
      largestMagnitudeBits(samples.data(), static_cast<std::int64_t>(samples.size()));
  if (largest <= std::bit_cast<std::uint32_t>(kMaxFftInput)) return;
  throw InputError(sessionFile, "",
                   stage +
                       " carries samples beyond +-1e15 (300 dB over full scale), more than the "
                       "float FFT stages carry: lower the gains or the media's level");
}

}  // namespace vkmix::engine
