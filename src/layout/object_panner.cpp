#include "layout/object_panner.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kGridStepDeg = 5.0;
constexpr double kEdgeDeg = 10.0;        // soft edge of the extent region
constexpr double kPointBlendDeg = 10.0;  // extents below this blend towards the point source

}  // namespace

Polar cartesianToPolar(double x, double y, double z) {
  Polar p;
  const double horiz = std::hypot(x, y);
  p.azimuthDeg = horiz == 0.0 ? 0.0 : std::atan2(-x, y) * 180.0 / kPi;
  p.elevationDeg = (horiz == 0.0 && z == 0.0) ? 0.0 : std::atan2(z, horiz) * 180.0 / kPi;
  p.distance = std::sqrt(x * x + y * y + z * z);
  return p;
}

ObjectPanner::ObjectPanner(const Layout& layout)
    : numChannels_(layout.numChannels()), psp_(layout) {
  std::vector<double> g(static_cast<std::size_t>(numChannels_));
  for (double el = -90; el <= 90 + 1e-9; el += kGridStepDeg) {
    const int n = std::max(
        1, static_cast<int>(std::lround(360.0 / kGridStepDeg * std::cos(el * kPi / 180.0))));
    for (int k = 0; k < n; ++k) {
      Vec3 d = directionOf(-180.0 + 360.0 * k / n, el);
      grid_.push_back(d);
      psp_.gains(d, g);
      for (double x : g) gridPower_.push_back(x * x);
    }
  }
}

void ObjectPanner::pointGains(const Polar& position, std::span<double> out) const {
  psp_.gains(directionOf(position.azimuthDeg, position.elevationDeg), out);
}

void ObjectPanner::extentGains(const Vec3& d, double widthDeg, double heightDeg,
                               std::span<double> out) const {
  // The source's own frame: forward d, up towards the zenith, right = forward x up.
  Vec3 up = Vec3{0, 0, 1} - d * d.z;
  if (up.norm() < 1e-9)
    up = Vec3{0, d.z > 0 ? -1.0 : 1.0, 0};  // straight up or down: up is back/front
  up = up.normalized();
  const Vec3 right = d.cross(up);
  const double halfW = std::min(widthDeg, 360.0) / 2.0, halfH = std::min(heightDeg, 180.0) / 2.0;
  const double innerW = std::max(halfW, 1e-6), innerH = std::max(halfH, 1e-6);
  const double outerW = halfW + kEdgeDeg, outerH = halfH + kEdgeDeg;
  std::vector<double> power(static_cast<std::size_t>(numChannels_), 0.0);
  double total = 0.0;
  // Every point of the region lies within the cone of the outer half-axes' larger angle (an
  // angle along either axis never exceeds the great-circle distance): a dot product rejects the
  // rest before any trigonometry.
  const double coneDeg = std::min(180.0, std::max(outerW, outerH));
  const double cosCone = coneDeg >= 180.0 ? -2.0 : std::cos(coneDeg * kPi / 180.0);
  for (std::size_t p = 0; p < grid_.size(); ++p) {
    const Vec3& v = grid_[p];
    if (v.dot(d) < cosCone) continue;
    const double az = std::atan2(-v.dot(right), v.dot(d)) * 180.0 / kPi;
    const double el = std::asin(std::clamp(v.dot(up), -1.0, 1.0)) * 180.0 / kPi;
    const double rOuter = std::hypot(az / outerW, el / outerH);
    if (rOuter >= 1.0) continue;
    const double rInner = std::hypot(az / innerW, el / innerH);
    const double w = rInner <= 1.0 ? 1.0 : std::clamp((1.0 - rOuter) / (rInner - rOuter), 0.0, 1.0);
    if (w <= 0.0) continue;
    const double* g2 = &gridPower_[p * numChannels_];
    for (int c = 0; c < numChannels_; ++c) power[c] += w * g2[c];
    total += w;
  }
  // The grid is dense enough that the source's 10-degree neighbourhood always has points.
  VKMIX_ASSERT(total > 0.0, "extent region holds no grid point");
  for (int c = 0; c < numChannels_; ++c) out[c] = std::sqrt(power[c] / total);
}

void ObjectPanner::atDistance(const Polar& position, const ObjectShape& shape, double distance,
                              std::span<double> out) const {
  // Closer than the loudspeakers: the source grows until it surrounds the listener at 0.
  const double closeness = std::clamp(1.0 - distance, 0.0, 1.0);
  const double width = shape.widthDeg + (360.0 - shape.widthDeg) * closeness;
  const double height = shape.heightDeg + (180.0 - shape.heightDeg) * closeness;
  const Vec3 d = directionOf(position.azimuthDeg, position.elevationDeg);
  const double size = std::max(width, height);
  std::vector<double> point(static_cast<std::size_t>(numChannels_));
  psp_.gains(d, point);
  if (size <= 0.0) {
    std::copy(point.begin(), point.end(), out.begin());
    return;
  }
  extentGains(d, width, height, out);
  const double beta = std::min(1.0, size / kPointBlendDeg);
  for (int c = 0; c < numChannels_; ++c) {
    out[c] = std::sqrt((1.0 - beta) * point[c] * point[c] + beta * out[c] * out[c]);
  }
}

void ObjectPanner::gains(const Polar& position, const ObjectShape& shape,
                         std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  const bool usesDistance = position.distance < 1.0 || shape.depth > 0.0;
  if (shape.isPoint() && !usesDistance) {
    pointGains(position, out);
    return;
  }
  std::vector<double> power(static_cast<std::size_t>(numChannels_), 0.0), g(power.size());
  auto add = [&](const Polar& p, double share) {
    // Depth: the nearest and farthest distances, equal power.
    const double nearD = std::max(0.0, p.distance - shape.depth / 2.0),
                 farD = p.distance + shape.depth / 2.0;
    const int n = shape.depth > 0.0 ? 2 : 1;
    for (int k = 0; k < n; ++k) {
      atDistance(p, shape, k == 0 ? (n == 1 ? p.distance : nearD) : farD, g);
      for (int c = 0; c < numChannels_; ++c) power[c] += share / n * g[c] * g[c];
    }
  };
  const double v = std::clamp(shape.divergence, 0.0, 1.0);
  if (v > 0.0) {
    const double range = shape.divergenceAzimuthRangeDeg;
    add(position, (1.0 - v) / (1.0 + v));
    add({position.azimuthDeg + range, position.elevationDeg, position.distance}, v / (1.0 + v));
    add({position.azimuthDeg - range, position.elevationDeg, position.distance}, v / (1.0 + v));
  } else {
    add(position, 1.0);
  }
  double total = 0.0;
  for (double p : power) total += p;
  for (int c = 0; c < numChannels_; ++c) out[c] = std::sqrt(power[c] / total);
}

}  // namespace vkmix::layout
