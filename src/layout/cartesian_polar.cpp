#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <utility>

#include "layout/position.hpp"

namespace vkmix::layout {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

// An angle shifted by whole turns so that it is not below `from` and below from + 360.
double turnsFrom(double from, double angle) {
  return from + std::fmod(std::fmod(angle - from, 360.0) + 360.0, 360.0);
}

// §10's sectors: the loudspeaker azimuths 0, -30, -110, 110, 30 (anticlockwise order reversed)
// and the cube points they map to.
struct MapPoint {
  double azimuth;
  double x, y;
};
constexpr std::array<MapPoint, 5> kMap = {{{0.0, 0.0, 1.0},
                                           {-30.0, 1.0, 1.0},
                                           {-110.0, 1.0, -1.0},
                                           {110.0, -1.0, -1.0},
                                           {30.0, -1.0, 1.0}}};
constexpr double kTop = 30.0, kTopCube = 45.0;

// Whether `angle` is within the anticlockwise range from `start` to `end`.
bool within(double angle, double start, double end) {
  return turnsFrom(start, angle) <= turnsFrom(start, end);
}

double planeAzimuth(double x, double y) { return -std::atan2(x, y) / kDeg; }

// The sector (left point, right point) holding `azimuth`: by the points' azimuths, or (cube)
// by the azimuths of their cube positions.
std::pair<const MapPoint*, const MapPoint*> sector(double azimuth, bool cube) {
  for (std::size_t i = 0; i < kMap.size(); ++i) {
    const MapPoint& left = kMap[i];
    const MapPoint& right = kMap[(i + 1) % kMap.size()];
    const double l = cube ? planeAzimuth(left.x, left.y) : left.azimuth;
    const double r = cube ? planeAzimuth(right.x, right.y) : right.azimuth;
    if (within(azimuth, r, l)) return {&left, &right};
  }
  return {&kMap[0], &kMap[1]};  // not reached: the sectors cover the circle
}

// §10's sizes of a polar extent along its own axes (right, towards it, up) from its width and
// height in degrees and its depth.
Vec3 localSizesOf(double widthDeg, double heightDeg, double depth) {
  const double x = widthDeg < 180.0 ? std::sin(widthDeg / 2.0 * kDeg) : 1.0;
  const double z = heightDeg < 180.0 ? std::sin(heightDeg / 2.0 * kDeg) : 1.0;
  const double yWidth = (1.0 - std::cos(widthDeg / 2.0 * kDeg)) / 2.0;
  const double yHeight = (1.0 - std::cos(heightDeg / 2.0 * kDeg)) / 2.0;
  return {x, std::max({yWidth, yHeight, depth}), z};
}

}  // namespace

Vec3 cartesianOfPolarPoint(const Polar& p) {
  double z = 0.0, radius = 0.0;  // radius: in the horizontal plane, on the cube's scale
  if (std::abs(p.elevationDeg) > kTop) {
    const double cube =
        kTopCube + (90.0 - kTopCube) * (std::abs(p.elevationDeg) - kTop) / (90.0 - kTop);
    z = p.distance * (p.elevationDeg < 0.0 ? -1.0 : 1.0);
    radius = p.distance * std::tan((90.0 - cube) * kDeg);
  } else {
    z = std::tan(kTopCube * p.elevationDeg / kTop * kDeg) * p.distance;
    radius = p.distance;
  }
  const auto [left, right] = sector(p.azimuthDeg, false);
  // Within the sector, the azimuth's place between its loudspeakers is a tangent-law pan
  // position, and the point sits as far along the cube's edge.
  const double leftAz = turnsFrom(right->azimuth, left->azimuth);
  const double az = turnsFrom(right->azimuth, p.azimuthDeg);
  const double mid = (leftAz + right->azimuth) / 2.0, range = right->azimuth - mid;
  const double gainRight = 0.5 + 0.5 * std::tan((az - mid) * kDeg) / std::tan(range * kDeg);
  const double along = std::atan2(gainRight, 1.0 - gainRight) * 2.0 / std::numbers::pi;
  return {radius * (left->x + (right->x - left->x) * along),
          radius * (left->y + (right->y - left->y) * along), z};
}

Polar polarOfCartesianPoint(const Vec3& p) {
  constexpr double kEps = 1e-10;
  if (std::abs(p.x) < kEps && std::abs(p.y) < kEps) {
    if (std::abs(p.z) < kEps) return {0.0, 0.0, 0.0};
    return {0.0, p.z < 0.0 ? -90.0 : 90.0, std::abs(p.z)};
  }
  const auto [left, right] = sector(planeAzimuth(p.x, p.y), true);
  // (x, y) = gl * left + gr * right.
  const double det = left->x * right->y - right->x * left->y;
  const double gl = (p.x * right->y - right->x * p.y) / det;
  const double gr = (left->x * p.y - p.x * left->y) / det;
  const double radius = gl + gr;
  const double leftAz = turnsFrom(right->azimuth, left->azimuth);
  const double mid = (leftAz + right->azimuth) / 2.0, range = right->azimuth - mid;
  const double along = gr / radius;
  const double cl = std::cos(along * std::numbers::pi / 2.0);
  const double cr = std::sin(along * std::numbers::pi / 2.0);
  const double gainRight = cr / (cl + cr);
  const double az = mid + std::atan(2.0 * (gainRight - 0.5) * std::tan(range * kDeg)) / kDeg;
  Polar out;
  out.azimuthDeg = turnsFrom(-180.0, az);
  const double cube = std::atan(p.z / radius) / kDeg;
  if (std::abs(cube) > kTopCube) {
    out.elevationDeg = (cube < 0.0 ? -1.0 : 1.0) *
                       (kTop + (90.0 - kTop) * (std::abs(cube) - kTopCube) / (90.0 - kTopCube));
    out.distance = std::abs(p.z);
  } else {
    out.elevationDeg = kTop * cube / kTopCube;
    out.distance = radius;
  }
  return out;
}

PolarExtent polarOfCartesianExtent(const Vec3& p, double xSize, double ySize, double zSize) {
  PolarExtent out;
  out.position = polarOfCartesianPoint(p);
  const Polar& q = out.position;
  // The room's sizes seen along the object's own axes: each axis takes the room sizes weighted
  // by its direction's components.
  const Vec3 s{std::clamp(xSize, 0.0, 1.0), std::clamp(ySize, 0.0, 1.0),
               std::clamp(zSize, 0.0, 1.0)};
  auto along = [&](const Vec3& axis) {
    return std::min(1.0, std::hypot(axis.x * s.x, axis.y * s.y, axis.z * s.z));
  };
  const double sx = along(directionOf(q.azimuthDeg - 90.0, 0.0));
  const double sy = along(directionOf(q.azimuthDeg, q.elevationDeg));
  const double sz = along(directionOf(q.azimuthDeg, q.elevationDeg + 90.0));
  // The width that spans sx across, raised towards the width whose bulge spans sy as sx grows;
  // height likewise from sz.
  const double fromY = 2.0 * std::acos(1.0 - 2.0 * sy) / kDeg;
  const double fromX = 2.0 * std::asin(sx) / kDeg;
  const double fromZ = 2.0 * std::asin(sz) / kDeg;
  out.widthDeg = fromX + sx * std::max(fromY - fromX, 0.0);
  out.heightDeg = fromZ + sz * std::max(fromY - fromZ, 0.0);
  // Depth: what of sy the width and height leave.
  out.depth = std::max(0.0, sy - localSizesOf(out.widthDeg, out.heightDeg, 0.0).y);
  return out;
}

}  // namespace vkmix::layout
