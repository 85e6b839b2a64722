#include "loudness/k_weighting.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vkmix::loudness {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Analog prototype of the BS.1770 pre-filter (the values that reproduce its 48 kHz table).
constexpr double kShelfHz = 1681.974450955533;
constexpr double kShelfGainDb = 3.999843853973347;
constexpr double kShelfQ = 0.7071752369554196;
constexpr double kHighPassHz = 38.13547087602444;
constexpr double kHighPassQ = 0.5003270373238773;

}  // namespace

Biquad kWeightingShelf(double fs) {
  const double k = std::tan(kPi * kShelfHz / fs);
  const double vh = std::pow(10.0, kShelfGainDb / 20.0);
  const double vb = std::pow(vh, 0.4996667741545416);
  const double a0 = 1.0 + k / kShelfQ + k * k;
  return {.b0 = (vh + vb * k / kShelfQ + k * k) / a0,
          .b1 = 2.0 * (k * k - vh) / a0,
          .b2 = (vh - vb * k / kShelfQ + k * k) / a0,
          .a1 = 2.0 * (k * k - 1.0) / a0,
          .a2 = (1.0 - k / kShelfQ + k * k) / a0};
}

Biquad kWeightingHighPass(double fs) {
  const double k = std::tan(kPi * kHighPassHz / fs);
  const double a0 = 1.0 + k / kHighPassQ + k * k;
  // The standard normalises the numerator to 1, -2, 1 (unity gain at Nyquist).
  return {.b0 = 1.0,
          .b1 = -2.0,
          .b2 = 1.0,
          .a1 = 2.0 * (k * k - 1.0) / a0,
          .a2 = (1.0 - k / kHighPassQ + k * k) / a0};
}

KWeighting::KWeighting(double sampleRate)
    : shelf_(kWeightingShelf(sampleRate)), highPass_(kWeightingHighPass(sampleRate)) {}

double KWeighting::run(const Biquad& f, State& s, double x) {
  double y = f.b0 * x + f.b1 * s.x1 + f.b2 * s.x2 - f.a1 * s.y1 - f.a2 * s.y2;
  s.x2 = s.x1;
  s.x1 = x;
  s.y2 = s.y1;
  s.y1 = y;
  return y;
}

double KWeighting::process(double x) { return run(highPass_, s2_, run(shelf_, s1_, x)); }

void KWeighting::state(double* out) const {
  const double s[kStateSize] = {s1_.x1, s1_.x2, s1_.y1, s1_.y2, s2_.x1, s2_.x2, s2_.y1, s2_.y2};
  std::memcpy(out, s, sizeof s);
}

void KWeighting::setState(const double* in) {
  s1_ = State{in[0], in[1], in[2], in[3]};
  s2_ = State{in[4], in[5], in[6], in[7]};
}

VKMIX_SIMD_CLONES void KWeighting::processLanes(KWeighting* const* filters, const float* const* x,
                                                int lanes, std::int64_t n, double* sumSquares) {
  using Vec = double __attribute__((vector_size(kLanes * sizeof(double))));
  const Biquad f = filters[0]->shelf_, h = filters[0]->highPass_;
  // Unused lanes filter zeros and are never stored.
  Vec x1 = {}, x2 = {}, y1 = {}, y2 = {}, u1 = {}, u2 = {}, v1 = {}, v2 = {}, sum = {};
  for (int l = 0; l < lanes; ++l) {
    x1[l] = filters[l]->s1_.x1;
    x2[l] = filters[l]->s1_.x2;
    y1[l] = filters[l]->s1_.y1;
    y2[l] = filters[l]->s1_.y2;
    u1[l] = filters[l]->s2_.x1;
    u2[l] = filters[l]->s2_.x2;
    v1[l] = filters[l]->s2_.y1;
    v2[l] = filters[l]->s2_.y2;
    sum[l] = sumSquares[l];
  }
  // The lanes' samples are gathered a chunk at a time into frame-major rows, so the filter loop
  // loads one vector per frame: inserting each lane's sample in the loop cost more than the
  // filters.
  constexpr int kChunk = 64;
  alignas(64) double in[kChunk][kLanes] = {};
  for (std::int64_t k0 = 0; k0 < n; k0 += kChunk) {
    const int m = static_cast<int>(std::min<std::int64_t>(kChunk, n - k0));
    for (int l = 0; l < lanes; ++l) {
      const float* src = x[l] + k0;
      for (int k = 0; k < m; ++k) in[k][l] = src[k];
    }
    for (int k = 0; k < m; ++k) {
      Vec vin;
      std::memcpy(&vin, in[k], sizeof(Vec));
      // run()'s expression, term for term: the shelf, then the high-pass.
      const Vec y = f.b0 * vin + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
      x2 = x1;
      x1 = vin;
      y2 = y1;
      y1 = y;
      const Vec z = h.b0 * y + h.b1 * u1 + h.b2 * u2 - h.a1 * v1 - h.a2 * v2;
      u2 = u1;
      u1 = y;
      v2 = v1;
      v1 = z;
      sum += z * z;
    }
  }
  for (int l = 0; l < lanes; ++l) {
    filters[l]->s1_ = State{x1[l], x2[l], y1[l], y2[l]};
    filters[l]->s2_ = State{u1[l], u2[l], v1[l], v2[l]};
    sumSquares[l] = sum[l];
  }
}

void KWeighting::processChannels(KWeighting* const* filters, const float* const* x, int count,
                                 std::int64_t n, double* sumSquares) {
  for (int i = 0; i < count; i += kLanes)
    processLanes(filters + i, x + i, std::min(kLanes, count - i), n, sumSquares + i);
}

}  // namespace vkmix::loudness
