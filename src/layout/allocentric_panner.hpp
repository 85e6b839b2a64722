// BS.2127's allocentric panner (§7.3, the path for audioBlockFormats with cartesian 1): objects
// in room coordinates (x right, y front, z up, each -1..1) are panned over the loudspeakers'
// allocentric positions, corners and edges of that room, by separate balances along z (between
// the loudspeaker planes), y (between the rows of a plane) and x (between the columns of a row).
//  - Point: in each axis the two nearest levels that bracket the coordinate share it as
//    cos/sin of the fraction travelled times 90 degrees; outside every level the nearest level
//    takes it whole. A loudspeaker's gain is the product of its plane's, row's and column's
//    gains, so the sum of squares is 1.
//  - Extent (width, height, depth as BS.2127's renderer passes them: along x, y, z; 0..1): a
//    40 x 40 x (40 or 20) grid of virtual sources weighted by the object's size around its
//    position, summed per axis with an exponent p (6 for small sizes down to 2 for the whole
//    room), plus the room's boundary planes, then cross-faded with the point gains for sizes
//    below 0.2 (docs/panner.md has the formulas).
//  - channelLock: the nearest loudspeaker by a weighted distance (x 1/16, y 4, z 32 on the
//    squared differences), within maxDistance measured unweighted.
//  - zoneExclusion: excluded loudspeakers are left out of the layout the object is panned on (an
//    excluded side loudspeaker, x = +-1 and |y| < 1, takes its whole row with it); with every
//    loudspeaker excluded, none is.
//  - Divergence: copies at x +- positionRange (clipped to the room) with the power shares of the
//    polar path; positionRange 0 leaves the object whole.
// Layouts: the BS.2051 ones vkmix has (0+2+0, 0+5+0, 2+5+0, 4+5+0, 0+7+0, 4+7+0); others have no
// allocentric positions in BS.2127 (allocentricPositions() is empty) and keep the polar path.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "layout/geometry.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::layout {

// The allocentric position of each of `layout`'s channels in channel order (LFE included, at
// BS.2127's front-left floor corner), or empty when BS.2127 gives the layout none.
std::vector<Vec3> allocentricPositions(const Layout& layout);

struct AllocentricShape {
  double width = 0.0, height = 0.0, depth = 0.0;  // along x, y, z (BS.2127's renderer's order)
  double divergence = 0.0;                        // 0..1
  double positionRange = 0.0;                     // the divergent copies' x offset
  bool channelLock = false;
  std::optional<double> channelLockMaxDistance{};
};

class AllocentricPanner {
 public:
  // `layout` must have allocentric positions.
  explicit AllocentricPanner(const Layout& layout);

  // The gains of an object at `position` (clipped to the room) with `shape`; `excluded` (one
  // per channel, or empty) marks the loudspeakers zoneExclusion removes.
  void gains(const Vec3& position, const AllocentricShape& shape, const std::vector<bool>& excluded,
             std::span<double> out) const;
  void pointGains(const Vec3& position, std::span<double> out) const;
  void extentGains(const Vec3& position, double width, double height, double depth,
                   std::span<double> out) const;
  // Which channels an exclusion leaves out of the panning: `excluded` plus the rows of excluded
  // side loudspeakers; none when that would be all.
  std::vector<bool> widenExclusion(const std::vector<bool>& excluded) const;
  // The position channelLock moves `position` to among the channels `used` marks.
  Vec3 lockedPosition(const Vec3& position, std::optional<double> maxDistance,
                      const std::vector<bool>& used) const;
  int numChannels() const { return numChannels_; }

  // The loudspeakers one pan is computed over, with the tables that depend only on them.
  struct Speakers {
    std::vector<int> channel;  // output channel of each
    std::vector<Vec3> position;
    bool allZ = false;               // three or more planes: z spans -1..1 (else 0..1)
    int arrangement = 0;             // 1: a left/right line, 2: one horizontal plane, 3: more
    int dim = 0;                     // axes along which the positions vary
    std::vector<double> xs, ys, zs;  // the extent's virtual source coordinates
    std::vector<double> gx, gy, gz;  // [speaker][virtual coordinate] per-axis point gains
  };

 private:
  Speakers speakersFor(const std::vector<bool>& used) const;
  static void point(const Speakers& s, const Vec3& p, std::span<double> out);
  static void extent(const Speakers& s, Vec3 p, double width, double height, double depth,
                     std::span<double> out);

  int numChannels_;
  std::vector<Vec3> position_;
  std::vector<bool> lfe_;
  std::vector<int> lockPriority_;
  Speakers all_;  // every non-LFE channel
};

}  // namespace vkmix::layout
