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

}  // namespace vkmix::loudness
