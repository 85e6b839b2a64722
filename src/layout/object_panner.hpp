// Gains for an audio object: the BS.2127 point-source panner, widened by the object's extent
// (width and height in degrees, depth as a spread of distance) and split by divergence.
//  - Extent: the point-source gains of a fixed grid of ~1,700 directions (5-degree rings) are
//    precomputed; an object's gains are the power sum over the grid points inside its extent
//    region (width x height around its direction, edges softened over 10 degrees), power-
//    normalised, and blended with the point-source gains for extents under 10 degrees so that
//    zero size is exactly a point source.
//  - Distance (polar, as BS.2127's polar path): a source closer than 1 grows towards surrounding
//    the listener (width -> 360, height -> 180 at distance 0); depth renders the nearest and
//    farthest distance and averages their powers.
//  - Divergence (ADM objectDivergence): the object splits into a centre and two copies at
//    +-azimuthRange, with power shares (1-v)/(1+v) and v/(1+v) each.
// Sum of squared gains is 1 for every input; LFE never receives an object.
#pragma once

#include <span>
#include <vector>

#include "layout/geometry.hpp"
#include "layout/point_source_panner.hpp"
#include "layout/position.hpp"

namespace vkmix::layout {

struct ObjectShape {
  double widthDeg = 0.0;
  double heightDeg = 0.0;
  double depth = 0.0;
  double divergence = 0.0;  // 0..1
  double divergenceAzimuthRangeDeg = 45.0;
  bool isPoint() const { return widthDeg <= 0 && heightDeg <= 0 && depth <= 0 && divergence <= 0; }
};

class ObjectPanner {
 public:
  explicit ObjectPanner(const Layout& layout);

  void gains(const Polar& position, const ObjectShape& shape, std::span<double> out) const;
  void pointGains(const Polar& position, std::span<double> out) const;
  int numChannels() const { return numChannels_; }

 private:
  void extentGains(const Vec3& direction, double widthDeg, double heightDeg,
                   std::span<double> out) const;
  void atDistance(const Polar& position, const ObjectShape& shape, double distance,
                  std::span<double> out) const;

  int numChannels_;
  PointSourcePanner psp_;
  std::vector<Vec3> grid_;         // unit directions
  std::vector<double> gridPower_;  // [point][channel] squared point-source gains
};

}  // namespace vkmix::layout
