#include "binaural/room.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace vkmix::binaural {
namespace {

// Directions the reflections arrive from: a Fibonacci sphere, its points below -40 degrees
// (under MIT KEMAR's lowest measurement) raised to it. 48 is dense enough that no two
// neighbouring reflections come from one direction often.
constexpr int kDirections = 48;
constexpr double kLowestElevationDeg = -40.0;

std::vector<HrirPair> directionPool(const Hrtf& hrtf, bool interpolate) {
  std::vector<HrirPair> pool;
  const double golden = 180.0 * (3.0 - std::sqrt(5.0));  // the golden angle, degrees
  for (int k = 0; k < kDirections; ++k) {
    const double z = 1.0 - 2.0 * (k + 0.5) / kDirections;
    const double elevationDeg =
        std::max(kLowestElevationDeg, std::asin(z) * 180.0 / std::numbers::pi);
    pool.push_back(hrtf.pair(std::fmod(k * golden, 360.0), elevationDeg, interpolate));
  }
  return pool;
}

double energy(const std::vector<double>& left, const std::vector<double>& right) {
  double e = 0.0;
  for (double v : left) e += v * v;
  for (double v : right) e += v * v;
  return e;
}

}  // namespace

RoomParams roomFor(BinauralMode mode) {
  switch (mode) {
    case BinauralMode::Mid:
      return {.drrDb = 9.0, .rt60Seconds = 0.25, .predelayMs = 3.0, .lowpassHz = 0.0};
    case BinauralMode::Far:
      return {.drrDb = 0.0, .rt60Seconds = 0.5, .predelayMs = 8.0, .lowpassHz = 6000.0};
    case BinauralMode::Off:
    case BinauralMode::Near:
      break;
  }
  return {};
}

void addRoom(HrirPair& pair, const Hrtf& hrtf, const RoomParams& room, std::uint32_t seed,
             bool interpolate) {
  if (room.rt60Seconds <= 0.0) return;
  const double rate = hrtf.sampleRateHz();
  // The direct sound's onset: the first frame either ear reaches a tenth of the pair's peak.
  float peak = 0.0f;
  for (std::int64_t i = 0; i < pair.numFrames(); ++i)
    peak = std::max({peak, std::abs(pair.left[i]), std::abs(pair.right[i])});
  std::int64_t onset = 0;
  while (onset < pair.numFrames() && std::abs(pair.left[onset]) < 0.1f * peak &&
         std::abs(pair.right[onset]) < 0.1f * peak)
    ++onset;

  const std::vector<HrirPair> pool = directionPool(hrtf, interpolate);
  std::int64_t poolFrames = 0;
  for (const HrirPair& p : pool) poolFrames = std::max(poolFrames, p.numFrames());
  const std::int64_t start = onset + std::llround(room.predelayMs * 1e-3 * rate);
  const std::int64_t tailFrames = std::llround(room.rt60Seconds * rate);
  const std::int64_t total = std::max(pair.numFrames(), start + tailFrames + poolFrames);
  std::vector<double> tailL(static_cast<std::size_t>(total)), tailR(tailL.size());

  // Reflections at exponentially distributed gaps (a Poisson process of the given density),
  // random signs, amplitudes on the exponential decay; the generator's raw 32-bit outputs are
  // used directly, so the tail is the same with any standard library.
  std::mt19937 rng(seed);
  const auto uniform = [&rng] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  const double decayPerSecond = std::log(1000.0) / room.rt60Seconds;  // -60 dB at rt60
  for (double t = 0.0; t < room.rt60Seconds;
       t += -std::log(uniform()) / room.reflectionsPerSecond) {
    const double amplitude = std::exp(-decayPerSecond * t) * ((rng() & 1u) != 0u ? 1.0 : -1.0);
    const HrirPair& from = pool[rng() % pool.size()];
    const auto at = static_cast<std::size_t>(start + std::llround(t * rate));
    for (std::size_t i = 0; i < from.left.size(); ++i) {
      tailL[at + i] += amplitude * from.left[i];
      tailR[at + i] += amplitude * from.right[i];
    }
  }
  if (room.lowpassHz > 0.0) {
    const double a = std::exp(-2.0 * std::numbers::pi * room.lowpassHz / rate);
    for (std::vector<double>* ear : {&tailL, &tailR}) {
      double y = 0.0;
      for (double& v : *ear) v = y = (1.0 - a) * v + a * y;
    }
  }

  std::vector<double> directL(pair.left.begin(), pair.left.end());
  std::vector<double> directR(pair.right.begin(), pair.right.end());
  const double direct = energy(directL, directR);
  const double tailGain =
      std::sqrt(direct / energy(tailL, tailR) / std::pow(10.0, room.drrDb / 10.0));
  directL.resize(tailL.size());
  directR.resize(tailR.size());
  for (std::size_t i = 0; i < tailL.size(); ++i) {
    directL[i] += tailGain * tailL[i];
    directR[i] += tailGain * tailR[i];
  }
  // The pair with its room carries the direct pair's energy: a mode changes the DRR, not the
  // level (the direct part is what the scale lowers).
  const double scale = std::sqrt(direct / energy(directL, directR));
  pair.left.resize(tailL.size());
  pair.right.resize(tailR.size());
  for (std::size_t i = 0; i < tailL.size(); ++i) {
    pair.left[i] = static_cast<float>(scale * directL[i]);
    pair.right[i] = static_cast<float>(scale * directR[i]);
  }
}

}  // namespace vkmix::binaural
