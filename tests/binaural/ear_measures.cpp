#include "binaural/ear_measures.hpp"

#include <gtest/gtest.h>
#include <mysofa.h>

#include <cmath>
#include <complex>
#include <numbers>

namespace vkmix::test {
namespace {

// Iterative radix-2 decimation-in-time FFT (forward), n a power of two.
void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> w = std::polar(1.0, angle * static_cast<double>(k));
        const std::complex<double> u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

}  // namespace

double itdSeconds(const std::vector<float>& left, const std::vector<float>& right,
                  double sampleRateHz, double maxLagSeconds) {
  const auto maxLag = static_cast<long>(std::ceil(maxLagSeconds * sampleRateHz));
  const auto n = static_cast<long>(std::min(left.size(), right.size()));
  auto corr = [&](long lag) {  // sum left[i] right[i + lag]
    double s = 0.0;
    for (long i = std::max(0L, -lag); i < n && i + lag < n; ++i)
      s += static_cast<double>(left[static_cast<std::size_t>(i)]) *
           right[static_cast<std::size_t>(i + lag)];
    return s;
  };
  std::vector<double> r(static_cast<std::size_t>(2 * maxLag + 1));
  long best = 0;
  for (long lag = -maxLag; lag <= maxLag; ++lag) {
    r[static_cast<std::size_t>(lag + maxLag)] = corr(lag);
    if (r[static_cast<std::size_t>(lag + maxLag)] > r[static_cast<std::size_t>(best + maxLag)])
      best = lag;
  }
  double offset = 0.0;
  if (best > -maxLag && best < maxLag) {
    const double a = r[static_cast<std::size_t>(best - 1 + maxLag)];
    const double b = r[static_cast<std::size_t>(best + maxLag)];
    const double c = r[static_cast<std::size_t>(best + 1 + maxLag)];
    const double d = a - 2.0 * b + c;
    if (d < 0.0) offset = 0.5 * (a - c) / d;
  }
  return (static_cast<double>(best) + offset) / sampleRateHz;
}

std::vector<double> bandLevelsDb(const std::vector<float>& x, double sampleRateHz,
                                 const std::vector<double>& centresHz, int bandsPerOctave) {
  std::size_t n = 1;
  while (n < x.size()) n <<= 1;
  std::vector<std::complex<double>> a(n);
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = x[i];
  fft(a);
  const double half = std::pow(2.0, 1.0 / (2.0 * bandsPerOctave));
  std::vector<double> out;
  for (double fc : centresHz) {
    const double lo = fc / half, hi = fc * half;
    double e = 0.0;
    for (std::size_t k = 1; k < n / 2; ++k) {
      const double f = static_cast<double>(k) * sampleRateHz / static_cast<double>(n);
      if (f >= lo && f < hi) e += std::norm(a[k]);
    }
    out.push_back(10.0 * std::log10(e + 1e-30));
  }
  return out;
}

std::vector<double> octaveCentresHz() { return {250, 500, 1000, 2000, 4000, 8000}; }

std::vector<double> thirdOctaveCentresHz() {
  std::vector<double> out;
  for (int i = 20; i <= 42; ++i) out.push_back(std::pow(10.0, i / 10.0));  // 100 Hz .. 15.8 kHz
  return out;
}

RawPair rawSofaPair(const std::string& path, double azimuthDeg, double elevationDeg) {
  int err = 0;
  MYSOFA_HRTF* h = mysofa_load(path.c_str(), &err);
  RawPair out;
  if (h == nullptr || err != MYSOFA_OK) {
    ADD_FAILURE() << "mysofa_load " << path << ": error " << err;
    return out;
  }
  mysofa_tospherical(h);
  const auto wrap = [](double d) { return std::remainder(d, 360.0); };
  for (unsigned m = 0; m < h->M; ++m) {
    const float* p = h->SourcePosition.values + m * h->C;
    if (std::abs(wrap(p[0] - azimuthDeg)) > 0.01 || std::abs(p[1] - elevationDeg) > 0.01) continue;
    out.sampleRateHz = h->DataSamplingRate.values[0];
    for (unsigned ear = 0; ear < 2; ++ear) {
      const float* ir = h->DataIR.values + (m * h->R + ear) * h->N;
      // Data.Delay is in frames, one per receiver or per measurement and receiver (dims IR or MR).
      double delay = 0.0;
      if (h->DataDelay.elements == 2 * h->M)
        delay = h->DataDelay.values[m * 2 + ear];
      else if (h->DataDelay.elements >= 2)
        delay = h->DataDelay.values[ear];
      std::vector<float>& dst = ear == 0 ? out.left : out.right;
      dst.assign(static_cast<std::size_t>(std::lround(delay)), 0.0f);
      dst.insert(dst.end(), ir, ir + h->N);
    }
    const std::size_t len = std::max(out.left.size(), out.right.size());
    out.left.resize(len, 0.0f);
    out.right.resize(len, 0.0f);
    break;
  }
  mysofa_free(h);
  if (out.left.empty())
    ADD_FAILURE() << path << " has no measurement at " << azimuthDeg << ", " << elevationDeg;
  return out;
}

}  // namespace vkmix::test
