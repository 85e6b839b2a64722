#include "timeline/automation.hpp"

#include <cmath>

namespace vkmix::timeline {
namespace {

layout::Polar toPolar(const Position& p) {
  if (p.cartesian) return layout::cartesianToPolar(p.x, p.y, p.z);
  return {p.azimuthDeg, p.elevationDeg, p.distance};
}

layout::ObjectShape shapeOf(const Position& p) {
  return {p.widthDeg,
          p.heightDeg,
          p.depth,
          p.divergence,
          p.divergenceAzimuthRangeDeg,
          p.channelLock,
          p.channelLockMaxDistance,
          p.zoneExclusion,
          p.divergencePositionRange,
          p.speakerLabel};
}

double lerp(double a, double b, double f) { return a + (b - a) * f; }

ObjectState stateOf(const Position& p) {
  ObjectState s{toPolar(p), shapeOf(p), p.diffuse};
  if (p.cartesian) s.cartesian = layout::Vec3{p.x, p.y, p.z};
  return s;
}

}  // namespace

bool isAutomated(const Track& track) {
  return track.positionKeys.size() > 1 || !track.gainKeys.empty();
}

ObjectState objectStateAt(const Track& track, double t) {
  const auto& keys = track.positionKeys;
  if (keys.empty()) return stateOf(track.position);
  if (t <= keys.front().timeSeconds) return stateOf(keys.front().position);
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const PositionKey& a = keys[k - 1];
    const PositionKey& b = keys[k];
    if (t >= b.timeSeconds) continue;
    if (b.interpolation == Interpolation::Jump || b.timeSeconds <= a.timeSeconds)
      return stateOf(a.position);
    const double f = (t - a.timeSeconds) / (b.timeSeconds - a.timeSeconds);
    ObjectState s;
    if (a.position.cartesian && b.position.cartesian) {
      const layout::Vec3 p{lerp(a.position.x, b.position.x, f), lerp(a.position.y, b.position.y, f),
                           lerp(a.position.z, b.position.z, f)};
      s.position = layout::cartesianToPolar(p.x, p.y, p.z);
      s.cartesian = p;
    } else {
      const layout::Polar pa = toPolar(a.position), pb = toPolar(b.position);
      s.position = {lerp(pa.azimuthDeg, pb.azimuthDeg, f),
                    lerp(pa.elevationDeg, pb.elevationDeg, f), lerp(pa.distance, pb.distance, f)};
    }
    const layout::ObjectShape sa = shapeOf(a.position), sb = shapeOf(b.position);
    // channelLock and zoneExclusion do not interpolate: the segment's own (its end key's) apply.
    s.shape = {lerp(sa.widthDeg, sb.widthDeg, f),
               lerp(sa.heightDeg, sb.heightDeg, f),
               lerp(sa.depth, sb.depth, f),
               lerp(sa.divergence, sb.divergence, f),
               lerp(sa.divergenceAzimuthRangeDeg, sb.divergenceAzimuthRangeDeg, f),
               sb.channelLock,
               sb.channelLockMaxDistance,
               sb.zoneExclusion,
               lerp(sa.divergencePositionRange, sb.divergencePositionRange, f),
               sb.speakerLabel};
    s.diffuse = lerp(a.position.diffuse, b.position.diffuse, f);
    return s;
  }
  return stateOf(keys.back().position);
}

StateSegment objectSegmentAt(const Track& track, double t) {
  const auto& keys = track.positionKeys;
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const PositionKey& a = keys[k - 1];
    const PositionKey& b = keys[k];
    if (t <= a.timeSeconds) break;
    if (t >= b.timeSeconds) continue;
    if (b.interpolation == Interpolation::Jump || b.timeSeconds <= a.timeSeconds) break;
    return {stateOf(a.position), stateOf(b.position),
            (t - a.timeSeconds) / (b.timeSeconds - a.timeSeconds)};
  }
  const ObjectState s = objectStateAt(track, t);
  return {s, s, 0.0};
}

double automationGainDbAt(const Track& track, double t) {
  const auto& keys = track.gainKeys;
  if (keys.empty()) return 0.0;
  if (t <= keys.front().timeSeconds) return keys.front().gainDb;
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const GainKey& a = keys[k - 1];
    const GainKey& b = keys[k];
    if (t >= b.timeSeconds) continue;
    if (b.interpolation == Interpolation::Jump || b.timeSeconds <= a.timeSeconds) return a.gainDb;
    const double f = (t - a.timeSeconds) / (b.timeSeconds - a.timeSeconds);
    if (track.panInterpolation == PanInterpolation::Gains) {
      const double g = lerp(std::pow(10.0, a.gainDb / 20.0), std::pow(10.0, b.gainDb / 20.0), f);
      return g <= 1e-10 ? -200.0 : 20.0 * std::log10(g);
    }
    return lerp(a.gainDb, b.gainDb, f);
  }
  return keys.back().gainDb;
}

}  // namespace vkmix::timeline
