// BS.2127's polar extent panner (§7.3.8.2, as the EBU reference renderer implements it): the
// point-source amplitude gains of an even grid of directions (37 rows from -90 to 90 degrees of
// elevation, round(72 cos(elevation)) points a row, at azimuths 360 k / n), weighted by a stadium-
// shaped function around the source and summed, then scaled to unit length.
// The weight is 1 inside a region width x height (halved to half-angles) in the source's own basis
// with its straight edges along the basis's azimuth lines (the basis turned a quarter turn for a
// source taller than wide), its ends circles of the smaller half-angle, its long half-angle
// stretched from 90 degrees on so that a region 360 wide closes at the back, and it falls
// linearly to 0 over the 10 degrees outside the region.
// gains() blends that spread with the point source in power, the spread's share max(width,
// height) / 10 up to 1, the spread taking sizes of at least 5 degrees; a size of 0 is exactly the
// point source.
// It runs at every grid point of every moving object with a size, so each call visits only the
// grid rows and azimuths that the weight's support (a cone around the source) can reach, rejects
// the rest of the cone's candidates by a dot product, and reads precomputed point-source gains.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "layout/geometry.hpp"
#include "layout/point_source_panner.hpp"

namespace vkmix::layout {

// BS.2127's extent at `distance` of an extent `extentDeg` given at distance 1: the angle a size
// (0.2 to 1 for 0 to 360 degrees) subtends at that distance, mapped so that distance 1 keeps
// `extentDeg` and distance 0 gives 360.
double extentAtDistance(double extentDeg, double distance);

class PolarExtentPanner {
 public:
  explicit PolarExtentPanner(const PointSourcePanner& psp);

  // `direction` is a unit vector, sizes in degrees (>= 0); `out` has one gain per channel. `psp`
  // is the panner the grid was built from (for the point source's share).
  void gains(const PointSourcePanner& psp, const Vec3& direction, double widthDeg, double heightDeg,
             std::span<double> out) const;
  // The spread alone (sizes as given, no minimum): unit length.
  void spreadGains(const Vec3& direction, double widthDeg, double heightDeg,
                   std::span<double> out) const;
  // The weight BS.2127 gives grid direction `v` (unit) for that source: 0 to 1.
  double weight(const Vec3& direction, double widthDeg, double heightDeg, const Vec3& v) const;
  std::size_t numPoints() const { return points_.size(); }
  const Vec3& point(std::size_t i) const { return points_[i]; }

 private:
  int numChannels_;
  std::vector<Vec3> points_;  // unit directions, in rows of one elevation
  struct Row {
    std::size_t first, count;  // points_[first, first + count): azimuths 360 k / count
    double elevationDeg, cosElevation, sinElevation;
  };
  std::vector<Row> rows_;
  std::vector<double> gains_;  // [point][channel] point-source amplitude gains
};

}  // namespace vkmix::layout
