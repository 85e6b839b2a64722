// Object positions, shapes and gains over time: a track's static position or its positionKeys
// trajectory, and its gainKeys, evaluated at a timeline instant. Linear position keys interpolate
// in the coordinates they were written in (polar: azimuth/elevation degrees, so 0 -> 360 is a full
// turn; Cartesian: x/y/z); size and divergence interpolate linearly; gains interpolate in dB. A
// jump key holds the previous value until its own time. A track whose pan interpolates in gains
// (ADM, BS.2127) interpolates its gain keys in amplitude. channelLock and zoneExclusion hold over
// a segment: those of the key it ends at.
#pragma once

#include <optional>

#include "layout/object_panner.hpp"
#include "vkmix/session.hpp"

namespace vkmix::timeline {

struct ObjectState {
  // A Cartesian position's geometric polar mapping (what the views and stereo sends use; the
  // polar panner converts `cartesian` itself, as BS.2127 §10 does).
  layout::Polar position;
  layout::ObjectShape shape;
  double diffuse = 0.0;  // ADM diffuse: the power share of the decorrelated path
  // Room coordinates when the position was written as Cartesian: the allocentric panner's input.
  std::optional<layout::Vec3> cartesian{};
};

ObjectState objectStateAt(const Track& track, double timeSeconds);
// Where t falls among a track's position keys, for gains that interpolate (PanInterpolation::
// Gains): the states at the two ends of the linear segment t is inside and how far along it is;
// outside one (before the first key, after the last, holding before a jump) both are the state
// at t and the fraction 0.
struct StateSegment {
  ObjectState from, to;
  double fraction = 0.0;
};
StateSegment objectSegmentAt(const Track& track, double timeSeconds);
double automationGainDbAt(const Track& track, double timeSeconds);
// True when the track's gains change over time (moving object or gain automation).
bool isAutomated(const Track& track);

}  // namespace vkmix::timeline
