#include "loudness/true_peak.hpp"

#include <cmath>

namespace vkmix::loudness {
namespace {

constexpr double kPi = 3.14159265358979323846;

double besselI0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

}  // namespace

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
  coeffs_.assign(static_cast<std::size_t>(length), 0.0);
  for (int p = 0; p < factor_; ++p) {
    double sum = 0.0;
    for (int k = 0; k < tapsPerPhase_; ++k) sum += proto[k * factor_ + p];
    // Normalise each phase to unity DC gain, so a constant signal reads as itself.
    for (int k = 0; k < tapsPerPhase_; ++k) {
      coeffs_[p * tapsPerPhase_ + k] = proto[k * factor_ + p] / sum;
    }
  }
  history_.assign(static_cast<std::size_t>(2 * tapsPerPhase_), 0.0);
}

double TruePeak::process(double x) {
  if (factor_ == 1) return std::abs(x);
  history_[pos_] = x;
  history_[pos_ + tapsPerPhase_] = x;
  pos_ = (pos_ + 1) % tapsPerPhase_;
  // history_[pos_ .. pos_ + taps) is oldest .. newest.
  const double* h = &history_[pos_];
  double peak = 0.0;
  for (int p = 0; p < factor_; ++p) {
    const double* c = &coeffs_[p * tapsPerPhase_];
    double y = 0.0;
    for (int k = 0; k < tapsPerPhase_; ++k) y += c[k] * h[tapsPerPhase_ - 1 - k];
    peak = std::max(peak, std::abs(y));
  }
  return peak;
}

}  // namespace vkmix::loudness
