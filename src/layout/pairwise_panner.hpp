// The walking skeleton's panner: energy-preserving pairwise panning, first between the two
// adjacent speakers of a ring (the mid layer, then the upper layer) with a sine/cosine law, then
// between the two rings by elevation. Sum of squared gains is 1; a source at a speaker's position
// plays from that speaker alone; LFE never receives a source. (The BS.2127 panner replaces it.)
#pragma once

#include <span>
#include <vector>

#include "vkmix/layout.hpp"

namespace vkmix::layout {

// A position in ADM polar form: azimuth positive left (any value, wrapped), elevation -90..90.
struct Polar {
  double azimuthDeg = 0.0;
  double elevationDeg = 0.0;
  double distance = 1.0;
};

// Cartesian room coordinates (x right, y front, z up) to ADM polar, geometrically:
// azimuth = atan2(-x, y), elevation = atan2(z, hypot(x, y)). The origin maps to front centre.
Polar cartesianToPolar(double x, double y, double z);

class PairwisePanner {
 public:
  explicit PairwisePanner(const Layout& layout);

  // Writes one gain per layout channel into `out` (size numChannels).
  void gains(const Polar& position, std::span<double> out) const;
  int numChannels() const { return numChannels_; }

 private:
  struct Ring {
    std::vector<int> channels;        // layout channel indices, sorted by azimuth
    std::vector<double> azimuthsDeg;  // ascending, in (-180, 180]
    double elevationDeg = 0.0;        // mean elevation of the ring
  };
  static void panRing(const Ring& ring, double azimuthDeg, double scale, std::span<double> out);

  int numChannels_;
  Ring mid_;
  Ring upper_;
};

}  // namespace vkmix::layout
