#include "layout/pairwise_panner.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/assert.hpp"
#include "core/units.hpp"

namespace vkmix::layout {
namespace {

constexpr double kUpperLayerMinElevationDeg = 15.0;

// Wraps to (-180, 180].
double wrapAzimuth(double az) {
  double w = std::fmod(az, 360.0);
  if (w <= -180.0) w += 360.0;
  if (w > 180.0) w -= 360.0;
  return w;
}

}  // namespace

Polar cartesianToPolar(double x, double y, double z) {
  Polar p;
  double horiz = std::hypot(x, y);
  p.azimuthDeg = (horiz == 0.0) ? 0.0 : std::atan2(-x, y) * 180.0 / kPi;
  p.elevationDeg = (horiz == 0.0 && z == 0.0) ? 0.0 : std::atan2(z, horiz) * 180.0 / kPi;
  p.distance = std::sqrt(x * x + y * y + z * z);
  return p;
}

PairwisePanner::PairwisePanner(const Layout& layout) : numChannels_(layout.numChannels()) {
  for (int i = 0; i < layout.numChannels(); ++i) {
    const Speaker& s = layout.speakers[i];
    if (s.lfe) continue;
    Ring& ring = s.elevationDeg >= kUpperLayerMinElevationDeg ? upper_ : mid_;
    ring.channels.push_back(i);
  }
  VKMIX_ASSERT(!mid_.channels.empty(), "layout " + layout.name + " has no mid-layer speaker");
  for (Ring* ring : {&mid_, &upper_}) {
    auto az = [&](int ch) { return wrapAzimuth(layout.speakers[ch].azimuthDeg); };
    std::sort(ring->channels.begin(), ring->channels.end(),
              [&](int a, int b) { return az(a) < az(b); });
    ring->azimuthsDeg.clear();
    double elSum = 0.0;
    for (int ch : ring->channels) {
      ring->azimuthsDeg.push_back(az(ch));
      elSum += layout.speakers[ch].elevationDeg;
    }
    if (!ring->channels.empty())
      ring->elevationDeg = elSum / static_cast<double>(ring->channels.size());
  }
}

void PairwisePanner::panRing(const Ring& ring, double azimuthDeg, double scale,
                             std::span<double> out) {
  const std::size_t n = ring.channels.size();
  if (n == 1) {
    out[ring.channels[0]] += scale;
    return;
  }
  double az = wrapAzimuth(azimuthDeg);
  // Find the pair [lo, hi) around az; the last pair wraps from the largest azimuth through 180.
  std::size_t lo = n - 1;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (az >= ring.azimuthsDeg[i] && az < ring.azimuthsDeg[i + 1]) {
      lo = i;
      break;
    }
  }
  std::size_t hi = (lo + 1) % n;
  double from = ring.azimuthsDeg[lo];
  double to = ring.azimuthsDeg[hi];
  if (hi == 0) {  // wrapping pair
    to += 360.0;
    if (az < from) az += 360.0;
  }
  double p = (az - from) / (to - from);
  p = std::clamp(p, 0.0, 1.0);
  out[ring.channels[lo]] += scale * std::cos(p * kPi / 2.0);
  out[ring.channels[hi]] += scale * std::sin(p * kPi / 2.0);
}

void PairwisePanner::gains(const Polar& position, std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  std::fill(out.begin(), out.end(), 0.0);
  double el = position.elevationDeg;
  if (upper_.channels.empty() || el <= 0.0) {
    panRing(mid_, position.azimuthDeg, 1.0, out);
    return;
  }
  double q = std::min(el / upper_.elevationDeg, 1.0);
  double midScale = std::cos(q * kPi / 2.0);
  double upperScale = std::sin(q * kPi / 2.0);
  if (q >= 1.0) midScale = 0.0;  // cos(pi/2) is 6e-17, not 0: keep "upper only" exact
  if (midScale > 0.0) panRing(mid_, position.azimuthDeg, midScale, out);
  panRing(upper_, position.azimuthDeg, upperScale, out);
}

}  // namespace vkmix::layout
