// The point-source panner of ITU-R BS.2127 (§6.1.3): VBAP over the convex hull of the layout's
// nominal loudspeaker directions, extended so that every direction has a region:
//  - extra loudspeakers copy each mid-layer speaker into an empty upper/lower layer (or outside
//    the azimuth range the layer covers, plus 40 degrees) and are downmixed back to it;
//  - a virtual speaker below (and above, when the layout has no T+000) is the centre of a
//    "virtual n-gon" whose gain goes in equal power to the real speakers around it;
//  - hull facets are triplets (VBAP) or coplanar quads (two-axis linear panning).
// Gains are computed with the real positions, then downmixed and power-normalised: the sum of
// squares is 1, gains are never negative, a source at a speaker plays from it alone and LFE is
// never used. 0+2+0 pans as 0+5+0 and downmixes (centre at -4.8 dB, surrounds at -3 dB, velocity
// preserved), levelled from 0 dB at the front to -3 dB at the back, as BS.2127 specifies.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "layout/geometry.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::layout {

class PointSourcePanner {
 public:
  // Throws InputError naming the layout when its speakers leave directions uncovered.
  explicit PointSourcePanner(const Layout& layout);
  ~PointSourcePanner();
  PointSourcePanner(PointSourcePanner&&) noexcept;

  // Gains for a direction (need not be normalised); `out` has one value per layout channel.
  void gains(const Vec3& direction, std::span<double> out) const;
  int numChannels() const { return numChannels_; }

 private:
  struct Impl;
  int numChannels_;
  std::unique_ptr<Impl> impl_;
};

// Nominal direction of a BS.2051 label ("M+030" -> azimuth 30, elevation 0; U = 30, B = -30,
// T = 90, UH = 45), if it is one.
bool nominalPositionOfLabel(const std::string& label, double& azimuthDeg, double& elevationDeg);

}  // namespace vkmix::layout
