#include "engine/automation.hpp"

namespace vkmix::engine {

layout::Polar toPolar(const Position& p) {
  if (p.cartesian) return layout::cartesianToPolar(p.x, p.y, p.z);
  return {p.azimuthDeg, p.elevationDeg, p.distance};
}

bool isMoving(const Track& track) { return track.positionKeys.size() > 1; }

layout::Polar positionAt(const Track& track, double t) {
  const auto& keys = track.positionKeys;
  if (keys.empty()) return toPolar(track.position);
  if (t <= keys.front().timeSeconds) return toPolar(keys.front().position);
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const PositionKey& a = keys[k - 1];
    const PositionKey& b = keys[k];
    if (t >= b.timeSeconds) continue;
    if (b.interpolation == Interpolation::Jump || b.timeSeconds <= a.timeSeconds) {
      return toPolar(a.position);
    }
    double f = (t - a.timeSeconds) / (b.timeSeconds - a.timeSeconds);
    if (a.position.cartesian && b.position.cartesian) {
      return layout::cartesianToPolar(a.position.x + (b.position.x - a.position.x) * f,
                                      a.position.y + (b.position.y - a.position.y) * f,
                                      a.position.z + (b.position.z - a.position.z) * f);
    }
    layout::Polar pa = toPolar(a.position), pb = toPolar(b.position);
    return {pa.azimuthDeg + (pb.azimuthDeg - pa.azimuthDeg) * f,
            pa.elevationDeg + (pb.elevationDeg - pa.elevationDeg) * f,
            pa.distance + (pb.distance - pa.distance) * f};
  }
  return toPolar(keys.back().position);
}

}  // namespace vkmix::engine
