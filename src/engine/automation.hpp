// Object positions over time: a track's static position or its positionKeys trajectory,
// evaluated at a timeline instant. Linear keys interpolate in the coordinates they were written in
// (polar: azimuth/elevation degrees, so 0 -> 360 is a full turn; Cartesian: x/y/z); a jump key
// holds the previous position until its own time.
#pragma once

#include "layout/pairwise_panner.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

layout::Polar toPolar(const Position& p);
layout::Polar positionAt(const Track& track, double timeSeconds);
bool isMoving(const Track& track);

}  // namespace vkmix::engine
