// The virtual sources behind an object's extent (object_panner.hpp): a fixed grid of ~1,700
// directions in 5-degree rings, each with the squared point-source gains of its direction. An
// extent's gains are the power sum over the grid points inside its region (width x height around
// the source's direction in the source's own frame, its edges softened over 10 degrees),
// power-normalised.
// gains() is what renders call, once per grid point of every moving object with a size, so it
// decides most points from dot products alone; plainGains() is its specification, the weight of
// every point in the cone around the direction from its angles, and the two agree bit for bit
// (tests/layout/extent_grid_test.cpp).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "layout/geometry.hpp"
#include "layout/point_source_panner.hpp"

namespace vkmix::layout {

class ExtentGrid {
 public:
  explicit ExtentGrid(const PointSourcePanner& psp);

  // `direction` is a unit vector; sizes in degrees, any of them 0 (the region is then the soft
  // edge alone). `out` has one gain per channel; their squares sum to 1.
  void gains(const Vec3& direction, double widthDeg, double heightDeg, std::span<double> out) const;
  void plainGains(const Vec3& direction, double widthDeg, double heightDeg,
                  std::span<double> out) const;

 private:
  int numChannels_;
  std::vector<Vec3> points_;  // unit directions, in rows of one elevation
  struct Row {
    std::size_t first, count;  // points_[first, first + count): azimuths -180 + 360 k / count
    double elevationDeg;
    double cosElevation, sinElevation;  // of elevationDeg, for the rows' azimuth bounds
  };
  std::vector<Row> rows_;
  std::vector<double> power_;  // [point][channel] squared point-source gains
};

}  // namespace vkmix::layout
