#include "layout/polar_extent.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/assert.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr int kRows = 37;              // 5-degree rows
constexpr double kFadeDeg = 10.0;      // the weight's linear fade, and the point/spread blend
constexpr double kMinSpreadDeg = 5.0;  // the spread's smallest width and height

// Piecewise-linear interpolation through (xs, ys), constant beyond the ends (numpy's interp).
template <std::size_t N>
double interp(double x, const double (&xs)[N], const double (&ys)[N]) {
  if (x <= xs[0]) return ys[0];
  for (std::size_t i = 1; i < N; ++i) {
    if (x <= xs[i]) {
      const double span = xs[i] - xs[i - 1];
      return span > 0.0 ? ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / span : ys[i];
    }
  }
  return ys[N - 1];
}

// The weight function of one source: its basis (b1 the source, b0 along the long axis, b2
// across it), its end circles' radius and their centres' angle from the source (radians), and
// the cone, around the source, outside which every weight is 0.
struct Stadium {
  Vec3 b0, b1, b2;
  Vec3 endA, endB;
  double radius, centre;
  double coneRad;  // >= pi: everywhere

  Stadium(const Vec3& d, double widthDeg, double heightDeg) {
    double az = azimuthOf(d);
    const double el = std::asin(std::clamp(d.z, -1.0, 1.0)) / kDeg;
    if (std::abs(el) > 90.0 - 1e-5) az = 0.0;  // a pole's azimuth is indeterminate
    Vec3 x = directionOf(az - 90.0, 0.0), y = directionOf(az, el), z = directionOf(az, el + 90.0);
    double w = widthDeg * kDeg / 2.0, h = heightDeg * kDeg / 2.0;
    radius = std::min(w, h);
    if (h > w) {
      std::swap(w, h);
      std::swap(x, z);
    }
    b0 = x;
    b1 = y;
    b2 = z;
    // From 90 degrees on, the long half-angle grows to reach pi + h (the ends meet behind) at
    // pi; fully so for a short half-angle up to pi/4, not at all from pi/2.
    const double widthMod = interp(w, {0.0, kPi / 2.0, kPi}, {0.0, kPi / 2.0, kPi + h});
    w = interp(h, {0.0, kPi / 4.0, kPi / 2.0, kPi}, {widthMod, widthMod, w, w});
    centre = w - radius;
    endA = b0 * -std::sin(centre) + b1 * std::cos(centre);
    endB = b0 * std::sin(centre) + b1 * std::cos(centre);
    coneRad = centre + radius + kFadeDeg * kDeg;
    bounds();
  }

  // The weight of unit vector v: by its angle outside the stadium. Decided by comparisons of
  // the dot products with the angles' sines and cosines, only the fade band taking an arc sine
  // or cosine.
  double operator()(const Vec3& v) const {
    const double c0 = std::abs(v.dot(b0)), c1 = v.dot(b1);
    // |azimuth in the basis| <= centre: the angle of (c1, |c0|) is within centre of (1, 0).
    const bool straight = centre >= kPi || c1 >= cosCentre * length(c0, c1);
    if (straight) {
      const double up = std::min(1.0, std::abs(v.dot(b2)));
      if (up <= sinRadius) return 1.0;
      if (up >= sinOuter) return 0.0;
      return fade(std::asin(up) - radius);
    }
    const double nearest = std::clamp(std::max(v.dot(endA), v.dot(endB)), -1.0, 1.0);
    if (nearest >= cosRadius) return 1.0;
    if (nearest <= cosOuter) return 0.0;
    return fade(std::acos(nearest) - radius);
  }

  // hypot(c0, c1) where the comparison above needs it exactly: a square root is within an ulp
  // or two of it (the components are at most 1), so only a point whose c1 lies that close to
  // the boundary takes hypot's correctly rounded value; the decisions are hypot's.
  double length(double c0, double c1) const {
    const double near = std::sqrt(c0 * c0 + c1 * c1);
    return std::abs(c1 - cosCentre * near) > 1e-12 ? near : std::hypot(c0, c1);
  }

  static double fade(double outside) {
    if (outside <= 0.0) return 1.0;
    return std::max(0.0, 1.0 - outside / (kFadeDeg * kDeg));
  }

  // Bounds of the comparisons above (an impossible one where the angle is beyond its range).
  double cosCentre = 0.0, sinRadius = 0.0, sinOuter = 0.0, cosRadius = 0.0, cosOuter = 0.0;
  void bounds() {
    const double outer = radius + kFadeDeg * kDeg;
    cosCentre = std::cos(std::min(centre, kPi));
    sinRadius = radius >= kPi / 2.0 ? 2.0 : std::sin(radius);
    sinOuter = outer >= kPi / 2.0 ? 2.0 : std::sin(outer);
    cosRadius = std::cos(std::min(radius, kPi));
    cosOuter = outer >= kPi ? -2.0 : std::cos(outer);
  }
};

}  // namespace

double extentAtDistance(double extentDeg, double distance) {
  constexpr double kMinSize = 0.2;
  const double size = interp(extentDeg, {0.0, 360.0}, {kMinSize, 1.0});
  const double atOne = 4.0 * std::atan2(size, 1.0) / kDeg;
  return interp(4.0 * std::atan2(size, distance) / kDeg, {0.0, atOne, 360.0},
                {0.0, extentDeg, 360.0});
}

PolarExtentPanner::PolarExtentPanner(const PointSourcePanner& psp)
    : numChannels_(psp.numChannels()) {
  std::vector<double> g(static_cast<std::size_t>(numChannels_));
  for (int r = 0; r < kRows; ++r) {
    const double el = -90.0 + 180.0 * r / (kRows - 1);
    const double cosEl = std::cos(el * kDeg);
    const int n = std::max(1, static_cast<int>(std::lround(cosEl * 2.0 * (kRows - 1))));
    rows_.push_back({points_.size(), static_cast<std::size_t>(n), el, cosEl, std::sin(el * kDeg)});
    for (int k = 0; k < n; ++k) {
      const Vec3 d = directionOf(360.0 * k / n, el);
      points_.push_back(d);
      psp.gains(d, g);
      gains_.insert(gains_.end(), g.begin(), g.end());
    }
  }
}

double PolarExtentPanner::weight(const Vec3& direction, double widthDeg, double heightDeg,
                                 const Vec3& v) const {
  return Stadium(direction, widthDeg, heightDeg)(v);
}

void PolarExtentPanner::spreadGains(const Vec3& d, double widthDeg, double heightDeg,
                                    std::span<double> out) const {
  const Stadium s(d, widthDeg, heightDeg);
  const auto nc = static_cast<std::size_t>(numChannels_);
  std::span<double> sum = out.first(nc);
  std::fill(sum.begin(), sum.end(), 0.0);
  // Candidates: the rows within the cone's angle of the source's elevation and, in each, the
  // azimuths within the cone (spherical law of cosines), widened by a grid step and a margin so
  // that rounding never leaves out a point the dot product keeps; the dot product decides.
  constexpr double kMarginRad = 1e-4;
  const bool everywhere = s.coneRad + kMarginRad >= kPi;
  const double cosCone = everywhere ? -2.0 : std::cos(s.coneRad + kMarginRad);
  const double elevationD = std::asin(std::clamp(d.z, -1.0, 1.0));
  const double azimuthD = d.x == 0.0 && d.y == 0.0 ? 0.0 : std::atan2(-d.x, d.y);
  const double cosD = std::cos(elevationD), sinD = std::sin(elevationD);
  for (const Row& row : rows_) {
    if (!everywhere && std::abs(row.elevationDeg * kDeg - elevationD) > s.coneRad + kMarginRad)
      continue;
    const auto n = static_cast<std::int64_t>(row.count);
    const auto points = static_cast<double>(row.count);
    double half = kPi;
    const double across = row.cosElevation * cosD;
    if (!everywhere && across > 1e-6) {
      const double c = (cosCone - row.sinElevation * sinD) / across;
      if (c > -1.0) half = std::acos(std::min(c, 1.0)) + kMarginRad + 2.0 * kPi / points;
    }
    // Point k's azimuth is 2 pi k / n: the k within [azimuthD - half, azimuthD + half].
    std::int64_t spans[2][2] = {{0, n}, {0, 0}};
    if (half < kPi) {
      const auto kLo =
          static_cast<std::int64_t>(std::floor((azimuthD - half) * points / (2 * kPi)));
      const auto kHi = static_cast<std::int64_t>(std::ceil((azimuthD + half) * points / (2 * kPi)));
      if (kHi - kLo + 1 < n) {
        const std::int64_t a = ((kLo % n) + n) % n, b = ((kHi % n) + n) % n;
        if (a <= b) {
          spans[0][0] = a;
          spans[0][1] = b + 1;
        } else {
          spans[0][1] = b + 1;
          spans[1][0] = a;
          spans[1][1] = n;
        }
      }
    }
    for (const auto& span : spans) {
      for (std::int64_t k = span[0]; k < span[1]; ++k) {
        const std::size_t p = row.first + static_cast<std::size_t>(k);
        const Vec3& v = points_[p];
        if (v.dot(d) < cosCone) continue;
        const double w = s(v);
        if (w <= 0.0) continue;
        const double* g = &gains_[p * nc];
        for (std::size_t c = 0; c < nc; ++c) sum[c] += w * g[c];
      }
    }
  }
  double norm = 0.0;
  for (double x : sum) norm += x * x;
  // Sizes of at least 5 degrees always weigh the grid points next to the source.
  VKMIX_ASSERT(norm > 0.0, "extent region holds no grid point");
  const double scale = 1.0 / std::sqrt(norm);
  for (double& x : sum) x *= scale;
}

void PolarExtentPanner::gains(const PointSourcePanner& psp, const Vec3& d, double widthDeg,
                              double heightDeg, std::span<double> out) const {
  const auto nc = static_cast<std::size_t>(numChannels_);
  const double spread = std::clamp(std::max(widthDeg, heightDeg) / kFadeDeg, 0.0, 1.0);
  const double point = 1.0 - spread;
  if (spread <= 1e-10) {
    psp.gains(d, out.first(nc));
    return;
  }
  spreadGains(d, std::max(widthDeg, kMinSpreadDeg), std::max(heightDeg, kMinSpreadDeg), out);
  if (point <= 1e-10) return;
  // On the stack for every built-in layout: this runs at every grid point of a moving object.
  std::array<double, 64> small{};
  std::vector<double> large(nc > small.size() ? nc : 0);
  const std::span<double> p =
      nc > small.size() ? std::span<double>(large) : std::span<double>(small.data(), nc);
  psp.gains(d, p);
  for (std::size_t c = 0; c < nc; ++c)
    out[c] = std::sqrt(point * p[c] * p[c] + spread * out[c] * out[c]);
}

}  // namespace vkmix::layout
