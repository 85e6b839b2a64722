// Object positions in ADM polar form and the Cartesian room mapping.
#pragma once

namespace vkmix::layout {

// Azimuth degrees positive to the left (any value; wrapped), elevation -90..90, distance >= 0
// (1 = the loudspeaker sphere).
struct Polar {
  double azimuthDeg = 0.0;
  double elevationDeg = 0.0;
  double distance = 1.0;
};

// Cartesian room coordinates (x right, y front, z up, each -1..1) to ADM polar, geometrically:
// azimuth = atan2(-x, y), elevation = atan2(z, hypot(x, y)), distance = |(x, y, z)|. The origin
// maps to front centre at distance 0.
Polar cartesianToPolar(double x, double y, double z);

}  // namespace vkmix::layout
