#include "loudness/k_weighting.hpp"

#include <cmath>

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

template <int Lanes>
void KWeighting::processLanes(KWeighting* const* filters, const float* const* x, std::int64_t n,
                              double* sumSquares) {
  // Local copies, so the states live in registers rather than behind the filters' pointers.
  const Biquad shelf = filters[0]->shelf_, highPass = filters[0]->highPass_;
  State s1[Lanes], s2[Lanes];
  double sum[Lanes];
  for (int l = 0; l < Lanes; ++l) {
    s1[l] = filters[l]->s1_;
    s2[l] = filters[l]->s2_;
    sum[l] = 0.0;
  }
  for (std::int64_t k = 0; k < n; ++k) {
    for (int l = 0; l < Lanes; ++l) {
      const double y = run(highPass, s2[l], run(shelf, s1[l], x[l][k]));
      sum[l] += y * y;
    }
  }
  for (int l = 0; l < Lanes; ++l) {
    filters[l]->s1_ = s1[l];
    filters[l]->s2_ = s2[l];
    sumSquares[l] = sum[l];
  }
}

void KWeighting::processChannels(KWeighting* const* filters, const float* const* x, int count,
                                 std::int64_t n, double* sumSquares) {
  for (int i = 0; i < count; i += 4) {
    switch (count - i) {
      case 1:
        processLanes<1>(filters + i, x + i, n, sumSquares + i);
        break;
      case 2:
        processLanes<2>(filters + i, x + i, n, sumSquares + i);
        break;
      case 3:
        processLanes<3>(filters + i, x + i, n, sumSquares + i);
        break;
      default:
        processLanes<4>(filters + i, x + i, n, sumSquares + i);
        break;
    }
  }
}

}  // namespace vkmix::loudness
