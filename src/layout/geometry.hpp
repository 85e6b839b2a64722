// 3-D vectors and the ADM polar <-> Cartesian direction mapping used by the panners:
// x = -sin(azimuth) cos(elevation), y = cos(azimuth) cos(elevation), z = sin(elevation)
// (azimuth positive to the left, so a source at +90 is at x = -1).
#pragma once

#include <array>
#include <cmath>

namespace vkmix::layout {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  double dot(const Vec3& o) const { return x * o.x + y * o.y + z * o.z; }
  Vec3 cross(const Vec3& o) const {
    return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x};
  }
  double norm() const { return std::sqrt(dot(*this)); }
  Vec3 normalized() const {
    double n = norm();
    return n > 0 ? *this * (1.0 / n) : *this;
  }
};

inline Vec3 directionOf(double azimuthDeg, double elevationDeg) {
  constexpr double kDeg = 3.14159265358979323846 / 180.0;
  const double az = azimuthDeg * kDeg, el = elevationDeg * kDeg;
  return {-std::sin(az) * std::cos(el), std::cos(az) * std::cos(el), std::sin(el)};
}

inline double azimuthOf(const Vec3& v) {
  return std::atan2(-v.x, v.y) * 180.0 / 3.14159265358979323846;
}
inline double elevationOf(const Vec3& v) {
  return std::atan2(v.z, std::hypot(v.x, v.y)) * 180.0 / 3.14159265358979323846;
}

}  // namespace vkmix::layout
