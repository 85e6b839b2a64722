// Gains for an audio object: the BS.2127 point-source panner, widened by the object's extent
// and split by divergence, as BS.2127 §7.3.8-7.3.9 specify (the EBU reference renderer's
// PolarExtentHandler and diverge; docs/panner.md):
//  - Extent (width, height in degrees): polar_extent.hpp's spread, the point-source amplitude
//    gains of an even grid weighted by a stadium around the source and scaled to unit length,
//    blended in power with the point source below 10 degrees (zero size is the point source).
//  - Distance: the sizes as seen from the object's distance (extentAtDistance: unchanged at 1,
//    360 at 0, smaller beyond 1); depth renders distance +- depth/2 (not below 0) and averages
//    their powers.
//  - Divergence (ADM objectDivergence): a centre and two copies at +-azimuthRange in the
//    source's own basis (turned with its elevation), power shares (1-v)/(1+v) and v/(1+v)
//    each, summed as they are (not rescaled).
//  - channelLock (BS.2127 §7.3.6, the egocentric handler): before anything else the position
//    moves to the nearest loudspeaker (Euclidean distance from the position, distance included,
//    to the loudspeaker's unit vector) within maxDistance; ties (within 1e-5) go to the one with
//    the lowest |elevation|, then elevation, |azimuth|, azimuth.
//  - zoneExclusion (BS.2127 §7.3.12): after panning, the power of each loudspeaker inside a zone
//    (by its nominal position) goes in equal shares to the first group of its neighbours, in
//    BS.2127's order, that has one outside every zone: same layer first (then up before down),
//    same side of front/back, nearest, least front/back change. With every loudspeaker excluded
//    nothing changes.
// A Cartesian object (room coordinates) goes to BS.2127's allocentric panner
// (allocentric_panner.hpp) where the layout has allocentric positions, with its zoneExclusion
// tested as above and its width/height/depth read as Cartesian sizes; elsewhere its position
// and sizes are converted to polar as BS.2127 §10 converts them (position.hpp) and take the
// path above.
// Sum of squared gains is 1 wherever the point-source gains have unit power; LFE never
// receives an object.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "layout/allocentric_panner.hpp"
#include "layout/geometry.hpp"
#include "layout/point_source_panner.hpp"
#include "layout/polar_extent.hpp"
#include "layout/position.hpp"

namespace vkmix::layout {

struct ObjectShape {
  double widthDeg = 0.0;
  double heightDeg = 0.0;
  double depth = 0.0;
  double divergence = 0.0;  // 0..1
  double divergenceAzimuthRangeDeg = 45.0;
  bool channelLock = false;
  std::optional<double> channelLockMaxDistance{};  // unset: any distance
  std::vector<ExclusionZone> zoneExclusion{};
  double divergencePositionRange = 0.0;  // Cartesian divergence: the copies' x offset
  // A DirectSpeakers channel's label: a loudspeaker of the layout with this label plays it whole.
  std::string speakerLabel{};
  bool isPoint() const { return widthDeg <= 0 && heightDeg <= 0 && depth <= 0 && divergence <= 0; }
};

class ObjectPanner {
 public:
  explicit ObjectPanner(const Layout& layout);

  void gains(const Polar& position, const ObjectShape& shape, std::span<double> out) const;
  // An object whose position was written in room coordinates: `cartesian` through the
  // allocentric panner where the layout has one, else its §10 polar equivalent (`polar`, the
  // geometric mapping the views use, is then not read) as above.
  void gains(const Polar& polar, const std::optional<Vec3>& cartesian, const ObjectShape& shape,
             std::span<double> out) const;
  // True when the layout has BS.2127 allocentric positions (Cartesian objects use them).
  bool hasAllocentric() const { return allo_.has_value(); }
  // The position channelLock moves an object to: a loudspeaker's (distance 1), or `position`
  // when none is within maxDistance.
  Polar lockedPosition(const Polar& position, std::optional<double> maxDistance) const;
  // Which channels `zones` exclude (LFE never is: it takes no object).
  std::vector<bool> excludedChannels(const std::vector<ExclusionZone>& zones) const;
  // Moves the power of excluded channels to their neighbours (BS.2127's zone exclusion downmix).
  void excludeZones(const std::vector<ExclusionZone>& zones, std::span<double> g) const;
  void pointGains(const Polar& position, std::span<double> out) const;
  int numChannels() const { return numChannels_; }

 private:
  void atDistance(const Polar& position, const ObjectShape& shape, double distance,
                  std::span<double> out) const;
  void shapedGains(const Polar& position, const ObjectShape& shape, std::span<double> out) const;
  // A shape naming a loudspeaker this layout has (ObjectShape::speakerLabel): that one alone.
  bool labelledGains(const ObjectShape& shape, std::span<double> out) const;

  int numChannels_;
  PointSourcePanner psp_;
  std::optional<AllocentricPanner> allo_;
  PolarExtentPanner extent_;
  std::vector<bool> lfe_;
  std::vector<std::string> labels_;
  std::vector<Vec3> realDirection_, nominalDirection_;
  std::vector<double> nominalAzimuth_, nominalElevation_;
  std::vector<int> lockPriority_;  // 0 is chosen first among equally near loudspeakers
  // Per channel: its zone-exclusion neighbour groups, best first (the first is itself).
  std::vector<std::vector<std::vector<int>>> exclusionGroups_;
};

}  // namespace vkmix::layout
