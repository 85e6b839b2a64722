#include "layout/extent_grid.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/assert.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kGridStepDeg = 5.0;
constexpr double kEdgeDeg = 10.0;  // soft edge of the extent region

// The source's own frame (forward d, up towards the zenith, right = forward x up) and its
// region's half-axes: inside the inner ellipse a point weighs 1, outside the outer one 0.
struct Region {
  Vec3 d, up, right;
  double innerW, innerH, outerW, outerH;
};

Region regionOf(const Vec3& d, double widthDeg, double heightDeg) {
  Vec3 up = Vec3{0, 0, 1} - d * d.z;
  if (up.norm() < 1e-9)
    up = Vec3{0, d.z > 0 ? -1.0 : 1.0, 0};  // straight up or down: up is back/front
  up = up.normalized();
  const double halfW = std::min(widthDeg, 360.0) / 2.0, halfH = std::min(heightDeg, 180.0) / 2.0;
  return {d,
          up,
          d.cross(up),
          std::max(halfW, 1e-6),
          std::max(halfH, 1e-6),
          halfW + kEdgeDeg,
          halfH + kEdgeDeg};
}

// The region lies within the cone of the outer half-axes' larger angle (an angle along either
// axis never exceeds the great-circle distance). The points outside it are left out by
// definition: where the region is round and reaches the cone, a point on the edge may have a
// weight of rounding's size on one side of the dot product's rounding and none on the other.
double coneDegOf(const Region& r) { return std::min(180.0, std::max(r.outerW, r.outerH)); }
double cosConeOf(const Region& r) {
  const double coneDeg = coneDegOf(r);
  return coneDeg >= 180.0 ? -2.0 : std::cos(coneDeg * kPi / 180.0);
}

// A point's angles in the source's frame, in degrees, from its dot products with the frame.
double azimuthIn(double rightward, double forward) {
  return std::atan2(-rightward, forward) * 180.0 / kPi;
}
double elevationIn(double upward) { return std::asin(std::clamp(upward, -1.0, 1.0)) * 180.0 / kPi; }

// The weight of a point at (az, el) by its radii in the two ellipses: linear across the edge.
double plainWeight(const Region& r, double az, double el) {
  const double rOuter = std::hypot(az / r.outerW, el / r.outerH);
  if (rOuter >= 1.0) return 0.0;
  const double rInner = std::hypot(az / r.innerW, el / r.innerH);
  return rInner <= 1.0 ? 1.0 : std::clamp((1.0 - rOuter) / (rInner - rOuter), 0.0, 1.0);
}

// plainWeight's value, most points decided without hypot: a sum of squares a millionth from 1
// says which side of 1 the root is (hypot is within an ulp of it); the rest take the radii.
double weight(const Region& r, double az, double el) {
  const double xo = az / r.outerW, yo = el / r.outerH;
  if (xo * xo + yo * yo > 1.0 + 1e-6) return 0.0;
  const double xi = az / r.innerW, yi = el / r.innerH;
  if (xi * xi + yi * yi < 1.0 - 1e-6) return 1.0;
  const double rOuter = std::hypot(xo, yo);
  if (rOuter >= 1.0) return 0.0;
  const double rInner = std::hypot(xi, yi);
  return rInner <= 1.0 ? 1.0 : std::clamp((1.0 - rOuter) / (rInner - rOuter), 0.0, 1.0);
}

// A band of |dot with up| from `lowest` to the next band's: azimuth tangents (times the dot
// with d) beyond which a point weighs 0 and within which it weighs 1.
struct Band {
  double lowest, rejectSlope, acceptSlope;
};
constexpr int kBands = 8;

// Bands of equal width in |dot with up| over [0, maxUpward], for a region whose outer half-axes
// are under 90 degrees.
void bandsOf(const Region& r, double maxUpward, std::array<Band, kBands>& bands) {
  constexpr double kSlack = 1e-4;
  for (int j = 0; j < kBands; ++j) bands[j].lowest = maxUpward * j / kBands;
  for (int j = 0; j < kBands; ++j) {
    const double low = elevationIn(bands[j].lowest);
    const double high = elevationIn(j + 1 < kBands ? bands[j + 1].lowest : maxUpward);
    const double outer = 1.0 + kSlack - (low / r.outerH) * (low / r.outerH);
    const double reject = outer > 0.0 ? r.outerW * std::sqrt(outer) : 0.0;
    bands[j].rejectSlope = std::tan(reject * kPi / 180.0);
    const double inner = 1.0 - kSlack - (high / r.innerH) * (high / r.innerH);
    const double accept = inner > 0.0 ? r.innerW * std::sqrt(inner) : 0.0;
    bands[j].acceptSlope = std::tan(accept * kPi / 180.0);
  }
}

// The band holding |dot with up| `a` (at most maxUpward): the division's guess, corrected.
std::size_t bandOf(const std::array<Band, kBands>& bands, double a, double maxUpward) {
  auto j = static_cast<std::size_t>(std::min(kBands - 1.0, a / maxUpward * kBands));
  while (j > 0 && a < bands[j].lowest) --j;
  while (j + 1 < kBands && a >= bands[j + 1].lowest) ++j;
  return j;
}

}  // namespace

ExtentGrid::ExtentGrid(const PointSourcePanner& psp) : numChannels_(psp.numChannels()) {
  std::vector<double> g(static_cast<std::size_t>(numChannels_));
  for (double el = -90; el <= 90 + 1e-9; el += kGridStepDeg) {
    const int n = std::max(
        1, static_cast<int>(std::lround(360.0 / kGridStepDeg * std::cos(el * kPi / 180.0))));
    rows_.push_back({points_.size(), static_cast<std::size_t>(n), el, std::cos(el * kPi / 180.0),
                     std::sin(el * kPi / 180.0)});
    for (int k = 0; k < n; ++k) {
      Vec3 d = directionOf(-180.0 + 360.0 * k / n, el);
      points_.push_back(d);
      psp.gains(d, g);
      for (double x : g) power_.push_back(x * x);
    }
  }
}

void ExtentGrid::plainGains(const Vec3& d, double widthDeg, double heightDeg,
                            std::span<double> out) const {
  const Region r = regionOf(d, widthDeg, heightDeg);
  const auto nc = static_cast<std::size_t>(numChannels_);
  std::vector<double> power(nc, 0.0);
  double total = 0.0;
  const double cosCone = cosConeOf(r);
  for (std::size_t p = 0; p < points_.size(); ++p) {
    const Vec3& v = points_[p];
    if (v.dot(r.d) < cosCone) continue;
    const double w =
        plainWeight(r, azimuthIn(v.dot(r.right), v.dot(r.d)), elevationIn(v.dot(r.up)));
    if (w <= 0.0) continue;
    for (std::size_t c = 0; c < nc; ++c) power[c] += w * power_[p * nc + c];
    total += w;
  }
  VKMIX_ASSERT(total > 0.0, "extent region holds no grid point");
  for (std::size_t c = 0; c < nc; ++c) out[c] = std::sqrt(power[c] / total);
}

void ExtentGrid::gains(const Vec3& d, double widthDeg, double heightDeg,
                       std::span<double> out) const {
  const Region r = regionOf(d, widthDeg, heightDeg);
  const auto nc = static_cast<std::size_t>(numChannels_);
  std::span<double> power = out.first(nc);  // summed in place, normalised at the end
  std::fill(power.begin(), power.end(), 0.0);
  double total = 0.0;
  // The sums take the points with a weight in grid order, as plainGains does; a point left out
  // must be one plainGains leaves out or weighs 0. Three tests reject points before any
  // trigonometry:
  //  - the cone (plainGains leaves out the points outside it too): a dot product with d;
  //  - |elevation| beyond the outer half-height: |dot with up| beyond its sine;
  //  - |azimuth| beyond the outer half-width: |dot with right| beyond its tangent times the
  //    dot with d (the azimuth's tangent).
  // Each bound is widened by a hundredth of a degree, which puts the rejected points a ten-
  // thousandth or more beyond the outer ellipse, where rounding cannot bring them back.
  const double coneDeg = coneDegOf(r);
  const double cosCone = cosConeOf(r);
  constexpr double kMarginDeg = 0.01;
  const double highest = r.outerH + kMarginDeg, widest = r.outerW + kMarginDeg;
  const double maxUpward = highest < 90.0 ? std::sin(highest * kPi / 180.0) : 2.0;
  const bool azimuthBound = widest < 90.0;
  const double maxSlope = azimuthBound ? std::tan(widest * kPi / 180.0) : 0.0;
  // Where both bounds apply, bands of |elevation| narrow them to the ellipses: in a band, a
  // point whose |azimuth| is beyond the outer ellipse's at the band's lowest elevation weighs 0,
  // and one within the inner ellipse's at the band's highest weighs 1. The bounds are those of
  // ellipses a ten-thousandth larger and smaller in squared radius than the weights' (the weight
  // decides at a millionth), so rounding cannot move a point across them.
  const bool banded = azimuthBound && highest < 90.0;
  std::array<Band, kBands> bands{};
  if (banded) bandsOf(r, maxUpward, bands);
  auto visit = [&](std::size_t p) {
    const Vec3& v = points_[p];
    const double forward = v.dot(r.d);
    if (forward < cosCone) return;
    const double upward = v.dot(r.up);
    if (std::abs(upward) > maxUpward) return;
    const double rightward = v.dot(r.right);
    // forward <= 0 leaves only points on the up axis (azimuth 0), and those straight behind
    // (azimuth 180) rejected.
    if (azimuthBound && std::abs(rightward) > maxSlope * forward) return;
    double w = -1.0;
    if (banded) {
      const Band& band = bands[bandOf(bands, std::abs(upward), maxUpward)];
      if (std::abs(rightward) > band.rejectSlope * forward) return;
      if (std::abs(rightward) < band.acceptSlope * forward) w = 1.0;
    }
    if (w < 0.0) w = weight(r, azimuthIn(rightward, forward), elevationIn(upward));
    if (w <= 0.0) return;
    const double* g2 = &power_[p * nc];
    for (std::size_t c = 0; c < nc; ++c) power[c] += w * g2[c];
    total += w;
  };
  // Only the rows and azimuths the cone can reach are visited: a row's points lie at least the
  // elevations' difference from d, and within a row the points in the cone have an azimuth
  // within `half` of d's (the spherical law of cosines), widened by a grid step and a hundredth
  // of a degree so that rounding never leaves out a point the dot product would keep.
  const bool everywhere = coneDeg >= 180.0;
  const double elevationD = std::asin(std::clamp(d.z, -1.0, 1.0)) * 180.0 / kPi;
  const double azimuthD = d.x == 0.0 && d.y == 0.0 ? 0.0 : std::atan2(-d.x, d.y) * 180.0 / kPi;
  const double cosD = std::cos(elevationD * kPi / 180.0), sinD = std::sin(elevationD * kPi / 180.0);
  for (const Row& row : rows_) {
    if (!everywhere && std::abs(row.elevationDeg - elevationD) > coneDeg + kMarginDeg) continue;
    const auto n = static_cast<std::int64_t>(row.count);
    const auto points = static_cast<double>(row.count);
    double half = 180.0;
    const double across = row.cosElevation * cosD;
    if (!everywhere && across > 1e-6) {
      const double c = (cosCone - row.sinElevation * sinD) / across;
      if (c > -1.0) half = std::acos(std::min(c, 1.0)) * 180.0 / kPi + kMarginDeg + 360.0 / points;
    }
    // Point k's azimuth is -180 + 360 k / n: the k within [azimuthD - half, azimuthD + half],
    // around the circle, in ascending order.
    const auto kLo =
        static_cast<std::int64_t>(std::floor((azimuthD - half + 180.0) * points / 360.0));
    const auto kHi =
        static_cast<std::int64_t>(std::ceil((azimuthD + half + 180.0) * points / 360.0));
    std::int64_t spans[2][2] = {{0, n}, {0, 0}};  // [from, to) in the row, in order
    if (!(half >= 180.0 || kHi - kLo + 1 >= n)) {
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
    // One call of visit, which the compiler then inlines.
    for (const auto& span : spans) {
      for (std::int64_t k = span[0]; k < span[1]; ++k)
        visit(row.first + static_cast<std::size_t>(k));
    }
  }
  // The grid is dense enough that the source's 10-degree neighbourhood always has points.
  VKMIX_ASSERT(total > 0.0, "extent region holds no grid point");
  for (std::size_t c = 0; c < nc; ++c) out[c] = std::sqrt(out[c] / total);
}

}  // namespace vkmix::layout
