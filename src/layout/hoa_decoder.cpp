#include "layout/hoa_decoder.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace vkmix::layout {
namespace {

// The number of virtual loudspeakers: as many as BS.2127's reference design has, far more than
// any order up to 10 needs to be integrated accurately (hoa_decoder_test checks the harmonics'
// orthonormality on them).
constexpr int kVirtualSpeakers = 5200;

double factorialRatio(int n, int m) {  // (n - m)! / (n + m)!
  double r = 1.0;
  for (int k = n - m + 1; k <= n + m; ++k) r /= k;
  return r;
}

// The associated Legendre function P_n^m(x), m >= 0, without the Condon-Shortley phase: from
// P_m^m = (2m - 1)!! (1 - x^2)^(m/2) up in n by the three-term recurrence.
double legendre(int n, int m, double x) {
  const double s = std::sqrt(std::max(0.0, 1.0 - x * x));
  double pmm = 1.0;
  for (int k = 1; k <= m; ++k) pmm *= (2.0 * k - 1.0) * s;
  if (n == m) return pmm;
  double pm1 = x * (2.0 * m + 1.0) * pmm;  // P_{m+1}^m
  for (int l = m + 2; l <= n; ++l) {
    const double pl = ((2.0 * l - 1.0) * x * pm1 - (l + m - 1.0) * pmm) / (l - m);
    pmm = pm1;
    pm1 = pl;
  }
  return pm1;
}

// Furse-Malham's factors over SN3D (each channel's largest value on the sphere 1, W 1/sqrt(2)).
double fumaFactor(int n, int m) {
  if (n == 0) return 1.0 / std::sqrt(2.0);
  if (n == 1) return 1.0;
  if (n == 2) return m == 0 ? 1.0 : 2.0 / std::sqrt(3.0);
  switch (m) {
    case 0:
      return 1.0;
    case 1:
      return std::sqrt(45.0 / 32.0);
    case 2:
      return 3.0 / std::sqrt(5.0);
    default:
      return std::sqrt(8.0 / 5.0);
  }
}

}  // namespace

HoaComponent componentOfAcn(int acn) {
  int n = static_cast<int>(std::sqrt(static_cast<double>(acn)));
  while (n * n > acn) --n;
  while ((n + 1) * (n + 1) <= acn) ++n;
  return {n, acn - n * n - n};
}

double hoaNormalizationFactor(int order, int absDegree, HoaNormalization norm) {
  const double sn3d = std::sqrt(factorialRatio(order, absDegree));
  switch (norm) {
    case HoaNormalization::N3D:
      return std::sqrt(2.0 * order + 1.0) * sn3d;
    case HoaNormalization::FuMa:
      if (order > 3) throw std::invalid_argument("FuMa normalisation is defined up to order 3");
      return fumaFactor(order, absDegree) * sn3d;
    case HoaNormalization::SN3D:
      break;
  }
  return sn3d;
}

double sphericalHarmonic(HoaComponent c, double azimuthDeg, double elevationDeg,
                         HoaNormalization norm) {
  constexpr double kDeg = std::numbers::pi / 180.0;
  const int am = std::abs(c.degree);
  const double az = azimuthDeg * kDeg;
  double angular = 1.0;
  if (c.degree > 0) angular = std::sqrt(2.0) * std::cos(am * az);
  if (c.degree < 0) angular = std::sqrt(2.0) * std::sin(am * az);
  return hoaNormalizationFactor(c.order, am, norm) *
         legendre(c.order, am, std::sin(elevationDeg * kDeg)) * angular;
}

double sphericalHarmonic(HoaComponent c, const Vec3& direction, HoaNormalization norm) {
  return sphericalHarmonic(c, azimuthOf(direction), elevationOf(direction), norm);
}

const std::vector<Vec3>& hoaVirtualSpeakers() {
  // A Fibonacci lattice around the left-right axis on the left half (rings equally spaced in x,
  // successive points a golden angle apart around it), and its mirror image on the right: equal
  // areas per point, and a left-right symmetric layout decodes symmetrically.
  static const std::vector<Vec3> points = [] {
    const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
    std::vector<Vec3> out(kVirtualSpeakers);
    for (int i = 0; i < kVirtualSpeakers / 2; ++i) {
      const double x = 1.0 - (2.0 * i + 1.0) / kVirtualSpeakers;
      const double r = std::sqrt(1.0 - x * x);
      const double phi = golden * i;
      out[static_cast<std::size_t>(i)] = {-x, r * std::cos(phi), r * std::sin(phi)};
      out[static_cast<std::size_t>(kVirtualSpeakers - 1 - i)] = {x, r * std::cos(phi),
                                                                 r * std::sin(phi)};
    }
    return out;
  }();
  return points;
}

HoaDecoder::HoaDecoder(const Layout& layout) : numChannels_(layout.numChannels()) {
  const PointSourcePanner psp(layout);
  const std::vector<Vec3>& points = hoaVirtualSpeakers();
  const auto nc = static_cast<std::size_t>(numChannels_);
  gVirt_.assign(points.size() * nc, 0.0);
  for (std::size_t k = 0; k < points.size(); ++k)
    psp.gains(points[k], std::span<double>(gVirt_.data() + k * nc, nc));
}

std::vector<std::vector<double>> HoaDecoder::matrix(std::span<const HoaComponent> channels,
                                                    HoaNormalization norm) const {
  const std::vector<Vec3>& points = hoaVirtualSpeakers();
  const std::size_t np = points.size(), nc = static_cast<std::size_t>(numChannels_);
  // The virtual loudspeakers' N3D harmonics: sampling them decodes (mode matching on a uniform
  // set is its transpose over the number of points).
  std::vector<double> y(channels.size() * np);
  for (std::size_t c = 0; c < channels.size(); ++c) {
    for (std::size_t k = 0; k < np; ++k)
      y[c * np + k] = sphericalHarmonic(channels[c], points[k], HoaNormalization::N3D);
  }
  std::vector<std::vector<double>> d(channels.size(), std::vector<double>(nc, 0.0));
  for (std::size_t c = 0; c < channels.size(); ++c) {
    for (std::size_t k = 0; k < np; ++k) {
      const double w = y[c * np + k] / static_cast<double>(np);
      if (w == 0.0) continue;
      for (std::size_t s = 0; s < nc; ++s) d[c][s] += gVirt_[k * nc + s] * w;
    }
  }
  // Mean power over the virtual loudspeakers' directions of a plane wave from each: the N3D
  // decoder applied to N3D harmonics equals the final decoder applied to the input's own.
  double power = 0.0;
  std::vector<double> out(nc);
  for (std::size_t k = 0; k < np; ++k) {
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t c = 0; c < channels.size(); ++c) {
      const double yc = y[c * np + k];
      for (std::size_t s = 0; s < nc; ++s) out[s] += d[c][s] * yc;
    }
    for (double g : out) power += g * g;
  }
  power /= static_cast<double>(np);
  const double scale = power > 0.0 ? 1.0 / std::sqrt(power) : 0.0;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const int n = channels[c].order, am = std::abs(channels[c].degree);
    const double toNorm =
        hoaNormalizationFactor(n, am, HoaNormalization::N3D) / hoaNormalizationFactor(n, am, norm);
    for (double& g : d[c]) g *= scale * toNorm;
  }
  return d;
}

const HoaDecoder& hoaDecoderFor(const Layout& layout) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<HoaDecoder>> decoders;
  std::ostringstream key;
  key.precision(17);
  for (const Speaker& s : layout.speakers)
    key << s.azimuthDeg << ' ' << s.elevationDeg << ' ' << s.lfe << ' ' << s.label << ';';
  const std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<HoaDecoder>& d = decoders[key.str()];
  if (!d) d = std::make_unique<HoaDecoder>(layout);
  return *d;
}

std::vector<std::vector<double>> hoaDecodeByAcn(const Layout& layout, int order,
                                                HoaNormalization norm,
                                                const std::vector<bool>& present) {
  const int count = (order + 1) * (order + 1);
  std::vector<HoaComponent> components;
  std::vector<int> acns;
  for (int acn = 0; acn < count; ++acn) {
    if (!present.empty() && !present[static_cast<std::size_t>(acn)]) continue;
    components.push_back(componentOfAcn(acn));
    acns.push_back(acn);
  }
  std::vector<std::vector<double>> out(static_cast<std::size_t>(count),
                                       std::vector<double>(layout.speakers.size(), 0.0));
  if (components.empty()) return out;
  const auto m = hoaDecoderFor(layout).matrix(components, norm);
  for (std::size_t i = 0; i < acns.size(); ++i) out[static_cast<std::size_t>(acns[i])] = m[i];
  return out;
}

}  // namespace vkmix::layout
