// Audio stays finite: a stage whose output overflows the float range (huge gains on huge samples,
// an IR of 3e38) stops the render with an error naming the stage and the time, the same on every
// backend, instead of writing inf, or NaN that a convolution spreads over the whole mix.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "vkmix/error.hpp"

namespace vkmix::engine {

// The first frame of `channels` rows (n frames, `stride` apart) holding a non-finite sample, or
// -1. The common case, all finite, is one branch-free pass.
inline std::int64_t firstNonFiniteFrame(std::span<const float> planar, int channels,
                                        std::int64_t stride, std::int64_t n) {
  constexpr float kMax = std::numeric_limits<float>::max();
  bool bad = false;
  for (int c = 0; c < channels; ++c) {
    const float* row = planar.data() + c * stride;
    for (std::int64_t i = 0; i < n; ++i) bad |= !(std::abs(row[i]) <= kMax);
  }
  if (!bad) return -1;
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
  bool bad = false;
  for (float x : samples) bad |= !(std::abs(x) <= kMaxFftInput);
  if (!bad) return;
  throw InputError(sessionFile, "",
                   stage +
                       " carries samples beyond +-1e15 (300 dB over full scale), more than the "
                       "float FFT stages carry: lower the gains or the media's level");
}

}  // namespace vkmix::engine
