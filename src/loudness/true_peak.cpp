#include "loudness/true_peak.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/assert.hpp"

namespace vkmix::loudness {
namespace {

constexpr double kPi = 3.14159265358979323846;
// A filter output summed in float (32 products) is within 32 x 2^-24 x sum |c x| <= 2e-6 x L1 x
// max |x| of its exact value, and so is a bound's near-tap sum: each bound adds kBoundSlack x L1 x
// max |x| for both, and is scaled up by kBoundMargin for its own last roundings, so a skipped
// stretch never hides a larger computed output.
constexpr double kBoundSlack = 1e-5;
constexpr float kBoundMargin = 1.0f + 1e-5f;

constexpr int kMaxTaps = 32;
constexpr int kLanes = 16;  // points a vector: one AVX-512 register, two AVX2 or four SSE2 ones
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

// Output points i0 .. i0 + kLanes - 1 of one phase: the sum over k of c[k] x run[i + k], taps in
// process()'s order (so its bits). Inlined into each caller's clone, so it takes that clone's
// vector width.
// (Through a reference: a vector returned by value would change the ABI between clones.)
[[gnu::always_inline]] inline void phaseSums(const float* c, int taps, const float* run, int i0,
                                             Vec& acc) {
  acc = Vec{};
  for (int k = 0; k < taps; ++k) {
    Vec r;
    std::memcpy(&r, &run[k + i0], sizeof r);
    acc += c[k] * r;
  }
}

// The largest bound, over a chunk's outputs 0 .. n - 1 of one phase, on |output|: the sum of the
// phase's `nearCount` largest taps (indices `near` into its taps `c`), plus the other taps' L1
// norm `farL1` x `window` (>= max |x| over the span), with the slack of the float sums (see
// kBoundSlack). Inlined into each caller's clone, as phaseSums.
[[gnu::always_inline]] inline double phaseBound(const float* c, const int* near, int nearCount,
                                                double farL1, double l1, const float* run,
                                                std::int64_t n, double window) {
  const Vec lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const auto far = static_cast<float>((farL1 + kBoundSlack * l1) * window * (1.0 + 1e-6));
  // The largest bound over the chunk, reduced across lanes once (a per-vector test of each lane
  // cost more than the bounds themselves).
  Vec worst = {};
  for (int i0 = 0; i0 < n; i0 += kLanes) {
    Vec acc = {};
    for (int j = 0; j < nearCount; ++j) {
      Vec r;
      std::memcpy(&r, &run[near[j] + i0], sizeof r);
      acc += c[near[j]] * r;
    }
    const Vec bound = ((acc < 0.0f ? -acc : acc) + far) * kBoundMargin;
    const Vec counted = lane + static_cast<float>(i0) < static_cast<float>(n) ? bound : 0.0f;
    worst = counted > worst ? counted : worst;
  }
  double mayReach = 0.0;
  for (int l = 0; l < kLanes; ++l) mayReach = std::max(mayReach, static_cast<double>(worst[l]));
  return mayReach;
}

double besselI0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

}  // namespace

// Four lanes (one SSE register, what the baseline build has), two accumulators.
// Out of line: inlined at a call with a constant count, GCC warns of a loop it cannot reach.
[[gnu::noinline]] float largestMagnitude(const float* x, std::int64_t n) {
  using Vec = float __attribute__((vector_size(4 * sizeof(float))));
  using Bits = std::uint32_t __attribute__((vector_size(4 * sizeof(float))));
  const Bits magnitude = {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu};
  Vec a = {}, b = {};
  std::int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    Bits u, v;
    std::memcpy(&u, x + k, sizeof u);
    std::memcpy(&v, x + k + 4, sizeof v);
    const Vec p = std::bit_cast<Vec>(u & magnitude), q = std::bit_cast<Vec>(v & magnitude);
    a = p > a ? p : a;
    b = q > b ? q : b;
  }
  a = b > a ? b : a;
  float m = std::max(std::max(a[0], a[1]), std::max(a[2], a[3]));
  for (; k < n; ++k) m = std::max(m, std::abs(x[k]));
  return m;
}

TruePeak::TruePeak(double sampleRate)
    : factor_(sampleRate < 96000 ? 4 : (sampleRate < 192000 ? 2 : 1)), tapsPerPhase_(32) {
  // Kaiser-windowed sinc low-pass at the input's Nyquist, split into `factor_` phases. 32 taps
  // per phase and beta 8 keep the pass-band ripple far inside Tech 3341's +0.2/-0.4 dB.
  const int length = factor_ * tapsPerPhase_;
  const double beta = 8.0;
  const double centre = (length - 1) / 2.0;
  std::vector<double> proto(length);
  for (int n = 0; n < length; ++n) {
    double t = (n - centre) / factor_;
    double sinc = t == 0.0 ? 1.0 : std::sin(kPi * t) / (kPi * t);
    double r = (n - centre) / centre;
    double w = besselI0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / besselI0(beta);
    proto[n] = sinc * w;
  }
  // Tap-major with four phase slots, so process() accumulates the phases side by side (the
  // compiler vectorises that without reassociating any sum).
  coeffs_.assign(static_cast<std::size_t>(tapsPerPhase_ * 4), 0.0f);
  for (int p = 0; p < factor_; ++p) {
    double sum = 0.0;
    for (int k = 0; k < tapsPerPhase_; ++k) sum += proto[k * factor_ + p];
    // Normalise each phase to unity DC gain, so a constant signal reads as itself. Tap k of the
    // phase multiplies x[n - k]; stored oldest-first to walk the history forwards.
    for (int k = 0; k < tapsPerPhase_; ++k) {
      coeffs_[(tapsPerPhase_ - 1 - k) * 4 + p] = static_cast<float>(proto[k * factor_ + p] / sum);
    }
  }
  phaseCoeffs_.assign(static_cast<std::size_t>(factor_ * tapsPerPhase_), 0.0f);
  for (int p = 0; p < factor_; ++p) {
    for (int k = 0; k < tapsPerPhase_; ++k)
      phaseCoeffs_[static_cast<std::size_t>(p * tapsPerPhase_ + k)] = coeffs_[k * 4 + p];
  }
  history_.assign(static_cast<std::size_t>(2 * tapsPerPhase_), 0.0f);
  l1_ = 0.0;
  for (int p = 0; p < factor_; ++p) {
    double sum = 0.0;
    for (int k = 0; k < tapsPerPhase_; ++k)
      sum += std::abs(static_cast<double>(coeffs_[k * 4 + p]));
    l1_ = std::max(l1_, sum);
  }
  for (int p = 0; p < factor_; ++p) {
    std::vector<int> order(static_cast<std::size_t>(tapsPerPhase_));
    for (int k = 0; k < tapsPerPhase_; ++k) order[static_cast<std::size_t>(k)] = k;
    const float* c = &phaseCoeffs_[static_cast<std::size_t>(p * tapsPerPhase_)];
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return std::abs(c[a]) > std::abs(c[b]); });
    double far = 0.0;
    for (int k = 0; k < tapsPerPhase_; ++k) {
      if (k < kNearTaps) {
        nearTaps_.push_back(order[static_cast<std::size_t>(k)]);
      } else {
        far += std::abs(static_cast<double>(c[order[static_cast<std::size_t>(k)]]));
      }
    }
    farL1_.push_back(far);
  }
}

double TruePeak::processRun(const float* x, std::int64_t n, double peakSoFar) {
  // Every chunk's bound below is at most the run's largest |sample| or recentMax_: when that
  // cannot pass peakSoFar, no chunk is filtered, and the run needs only the state the chunks
  // would leave (the history, and recentMax_ from the last chunk or two).
  if (factor_ != 1 && n > 0) {
    const double runMax = largestMagnitude(x, n);
    if (std::max(runMax, recentMax_) * l1_ * (1.0 + 2 * kBoundSlack) <= peakSoFar) {
      const std::int64_t last = (n - 1) / kChunkFrames * kChunkFrames;
      const auto lastMax = static_cast<double>(largestMagnitude(x + last, n - last));
      if (n - last >= tapsPerPhase_) {
        recentMax_ = lastMax;
      } else if (last > 0) {  // the chunk before is whole: kChunkFrames >= tapsPerPhase_
        const auto before =
            static_cast<double>(largestMagnitude(x + last - kChunkFrames, kChunkFrames));
        recentMax_ = std::max(before, lastMax);
      } else {
        recentMax_ = std::max(recentMax_, lastMax);
      }
      advanceHistory(x, n);
      return peakSoFar;
    }
  }
  for (std::int64_t at = 0; at < n; at += kChunkFrames) {
    const std::int64_t len = std::min<std::int64_t>(kChunkFrames, n - at);
    // Points completed in this chunk depend on the last tapsPerPhase_ samples before it, too.
    double chunkMax = 0.0;
    for (std::int64_t i = 0; i < len; ++i)
      chunkMax = std::max(chunkMax, static_cast<double>(std::abs(x[at + i])));
    const double bound = std::max(chunkMax, recentMax_);
    recentMax_ = len >= tapsPerPhase_ ? chunkMax : std::max(recentMax_, chunkMax);
    if (factor_ == 1) {
      peakSoFar = std::max(peakSoFar, chunkMax);
      continue;
    }
    if (bound * l1_ * (1.0 + 2 * kBoundSlack) > peakSoFar)
      peakSoFar = filterChunk(x + at, len, bound, peakSoFar);
    advanceHistory(x + at, len);
  }
  return peakSoFar;
}

void TruePeak::advanceHistory(const float* x, std::int64_t n) {
  if (n >= tapsPerPhase_) {  // the history is the last taps samples, oldest at 0
    const float* last = x + n - tapsPerPhase_;
    std::copy(last, last + tapsPerPhase_, history_.begin());
    std::copy(last, last + tapsPerPhase_, history_.begin() + tapsPerPhase_);
    pos_ = 0;
  } else {
    for (std::int64_t i = 0; i < n; ++i) push(x[i]);
  }
}

void TruePeak::peaksOfRun(const float* x, std::int64_t n, double* peaks, double floor) {
  // Below a limiter's ceiling most runs cannot reach the floor anywhere: their largest |sample|
  // and the history's, times the largest phase's L1 norm (and the float sums' slack), bound every
  // output, so the run needs no chunk's bounds.
  if (floor >= 0.0 && factor_ != 1 && n > 0) {
    const double span =
        std::max(largestMagnitude(x, n), largestMagnitude(history_.data(), tapsPerPhase_));
    if (span * l1_ * (1.0 + 2 * kBoundSlack) <= floor) {
      std::fill(peaks, peaks + n, 0.0);
      advanceHistory(x, n);
      return;
    }
  }
  for (std::int64_t at = 0; at < n; at += kChunkFrames) {
    const std::int64_t len = std::min<std::int64_t>(kChunkFrames, n - at);
    if (factor_ == 1) {
      for (std::int64_t i = 0; i < len; ++i) peaks[at + i] = std::abs(x[at + i]);
    } else {
      chunkPeaks(x + at, len, floor, peaks + at);
    }
    advanceHistory(x + at, len);
  }
}

// process()'s sums for each sample of the chunk (taps in the same order, so the same bits),
// sixteen points at a time as filterChunk makes them, each sample's largest kept. A phase is
// filtered only if filterChunk's bound lets one of its outputs exceed `floor`: a skipped phase's
// outputs are all <= floor, so a sample's largest is exact wherever it exceeds the floor.
VKMIX_SIMD_CLONES void TruePeak::chunkPeaks(const float* x, std::int64_t n, double floor,
                                            double* peaks) {
  alignas(64) float run[kRunFloats];
  alignas(64) float best[kChunkFrames + kLanes] = {};
  fillRun(x, n, run);
  const int taps = tapsPerPhase_;
  double window = 0.0;  // the largest |sample| an output of the chunk reads
  for (int k = 0; k < taps - 1 + n; ++k)
    window = std::max(window, static_cast<double>(std::abs(run[k])));
  // NaN or infinity in the span: no bound holds, every phase is filtered.
  const bool bounded = floor >= 0.0 && window <= std::numeric_limits<float>::max();
  for (int p = 0; p < factor_; ++p) {
    const float* c = &phaseCoeffs_[static_cast<std::size_t>(p * tapsPerPhase_)];
    if (bounded && !(phaseBound(c, &nearTaps_[static_cast<std::size_t>(p * kNearTaps)], kNearTaps,
                                farL1_[static_cast<std::size_t>(p)], l1_, run, n, window) > floor))
      continue;
    for (int i0 = 0; i0 < n; i0 += kLanes) {
      Vec acc;
      phaseSums(c, tapsPerPhase_, run, i0, acc);
      Vec b;
      std::memcpy(&b, &best[i0], sizeof b);
      const Vec magnitude = acc < 0.0f ? -acc : acc;
      b = magnitude > b ? magnitude : b;
      std::memcpy(&best[i0], &b, sizeof b);
    }
  }
  for (std::int64_t i = 0; i < n; ++i) peaks[i] = static_cast<double>(best[i]);
}

// The taps - 1 samples before the chunk (the history), then the chunk's n, then zeros.
void TruePeak::fillRun(const float* x, std::int64_t n, float* run) const {
  static_assert(kRunFloats == kMaxTaps - 1 + kChunkFrames + kLanes, "the run's size");
  VKMIX_ASSERT(n <= kChunkFrames && tapsPerPhase_ <= kMaxTaps, "true-peak chunk too large");
  const int taps = tapsPerPhase_;
  std::copy(history_.begin() + pos_ + 1, history_.begin() + pos_ + taps, run);
  std::copy(x, x + n, run + taps - 1);
  std::fill(run + taps - 1 + n, run + kRunFloats, 0.0f);
}

void TruePeak::push(float x) {
  history_[pos_] = x;
  history_[pos_ + tapsPerPhase_] = x;
  if (++pos_ == tapsPerPhase_) pos_ = 0;
}

// The same sums as process() for each sample of the chunk (taps in the same order, so the same
// bits), sixteen outputs at a time in a vector (GCC/Clang vector extensions: one AVX-512
// register, two AVX2 or four SSE2 ones, whichever clone runs) that stays in registers across the
// taps.
// `run` holds the taps - 1 samples before the chunk, then the chunk, then zeros; output i of a
// phase is the sum over k of coefficient k x run[i + k]. Outputs past n are masked out.
// A phase is filtered only if some output may exceed peakSoFar: its near taps' sum (four of 32
// multiply-adds) plus the far taps' L1 norm x `window` bounds every output. On a steady mix this
// skips most of the work; when a phase is filtered its outputs are exactly process()'s.
VKMIX_SIMD_CLONES double TruePeak::filterChunk(const float* x, std::int64_t n, double window,
                                               double peakSoFar) {
  alignas(64) float run[kRunFloats];
  fillRun(x, n, run);
  const int taps = tapsPerPhase_;
  const Vec lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  Vec peak = {};
  for (int p = 0; p < factor_; ++p) {
    const float* c = &phaseCoeffs_[static_cast<std::size_t>(p * taps)];
    if (!(phaseBound(c, &nearTaps_[static_cast<std::size_t>(p * kNearTaps)], kNearTaps,
                     farL1_[static_cast<std::size_t>(p)], l1_, run, n, window) > peakSoFar))
      continue;
    for (int i0 = 0; i0 < n; i0 += kLanes) {
      Vec acc;
      phaseSums(c, taps, run, i0, acc);
      const Vec magnitude = acc < 0.0f ? -acc : acc;
      const Vec counted = lane + static_cast<float>(i0) < static_cast<float>(n) ? magnitude : 0.0f;
      peak = counted > peak ? counted : peak;
    }
  }
  double out = peakSoFar;
  for (int l = 0; l < kLanes; ++l) out = std::max(out, static_cast<double>(peak[l]));
  return out;
}

double TruePeak::process(double x) {
  if (factor_ == 1) return std::abs(x);
  history_[pos_] = static_cast<float>(x);
  history_[pos_ + tapsPerPhase_] = static_cast<float>(x);
  pos_ = (pos_ + 1) % tapsPerPhase_;
  // history_[pos_ .. pos_ + taps) is oldest .. newest.
  const float* h = &history_[pos_];
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int k = 0; k < tapsPerPhase_; ++k) {
    const float hk = h[k];
    const float* c = &coeffs_[k * 4];
    for (int p = 0; p < 4; ++p) acc[p] += c[p] * hk;
  }
  double peak = 0.0;
  for (int p = 0; p < factor_; ++p) peak = std::max(peak, static_cast<double>(std::abs(acc[p])));
  return peak;
}

}  // namespace vkmix::loudness
