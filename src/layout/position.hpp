// Object positions in ADM polar form and the Cartesian room mapping.
#pragma once

#include "layout/geometry.hpp"

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

// BS.2127 §10's point mapping between room coordinates (the loudspeaker cube at ±1) and polar:
// the loudspeakers at 0, ±30 and ±110 degrees sit at the cube's front centre and corners, and
// elevation 30 (45 in the cube) is the upper layer. So (1, 1, 0) is azimuth −30 at distance 1.
Vec3 cartesianOfPolarPoint(const Polar& p);
Polar polarOfCartesianPoint(const Vec3& p);

// BS.2127 §10's conversion of a Cartesian object's position and size (its X, Y and Z sizes:
// ADM's width, depth and height, each clipped to 0..1) to a polar one: the point mapping
// above, and the sizes seen along the object's own axes (right, towards it, up) turned into a
// width and height in degrees and a depth (the EBU reference renderer's `to_polar`).
struct PolarExtent {
  Polar position;
  double widthDeg = 0.0, heightDeg = 0.0, depth = 0.0;
};
PolarExtent polarOfCartesianExtent(const Vec3& p, double xSize, double ySize, double zSize);

}  // namespace vkmix::layout
