#include "layout/object_panner.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/assert.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLockTolerance = 1e-5;  // BS.2127: distances this close are equal
constexpr double kZoneEpsilon = 1e-6;    // BS.2127: zone bounds and neighbour keys

// BS.2127's layers for zone exclusion: bottom, middle, upper, top (by nominal elevation).
int layerOf(double elevationDeg) {
  if (elevationDeg < -10.0) return 0;
  if (elevationDeg < 10.0) return 1;
  if (elevationDeg < 75.0) return 2;
  return 3;
}

int signWithTolerance(double v) { return v > kZoneEpsilon ? 1 : (v < -kZoneEpsilon ? -1 : 0); }

// Is azimuth `x` within the range from `start` anticlockwise (increasing azimuth) to `end`?
bool insideAzimuthRange(double x, double start, double end, double tol) {
  if (end - start >= 360.0) return true;
  auto wrap = [](double a) { return a - 360.0 * std::floor(a / 360.0); };
  const double width = wrap(end - start);
  return wrap(x - start + tol) <= width + 2.0 * tol;
}

// A per-call vector of channel values, zeroed: on the stack up to 64 channels (every built-in
// layout), since the panner runs at every grid point of every moving object.
class ChannelScratch {
 public:
  explicit ChannelScratch(int numChannels) : n_(static_cast<std::size_t>(numChannels)) {
    if (n_ > small_.size()) large_.resize(n_);
    std::fill_n(data(), n_, 0.0);
  }
  double* data() { return n_ > small_.size() ? large_.data() : small_.data(); }
  std::span<double> span() { return {data(), n_}; }
  double& operator[](std::size_t i) { return data()[i]; }

 private:
  std::size_t n_;
  std::array<double, 64> small_;
  std::vector<double> large_;
};

}  // namespace

Polar cartesianToPolar(double x, double y, double z) {
  Polar p;
  const double horiz = std::hypot(x, y);
  p.azimuthDeg = horiz == 0.0 ? 0.0 : std::atan2(-x, y) * 180.0 / kPi;
  p.elevationDeg = (horiz == 0.0 && z == 0.0) ? 0.0 : std::atan2(z, horiz) * 180.0 / kPi;
  p.distance = std::sqrt(x * x + y * y + z * z);
  return p;
}

ObjectPanner::ObjectPanner(const Layout& layout)
    : numChannels_(layout.numChannels()), psp_(layout), extent_(psp_) {
  if (!allocentricPositions(layout).empty()) allo_.emplace(layout);
  const int n = numChannels_;
  std::vector<std::array<double, 4>> keys;  // for channelLock's priority order
  for (const Speaker& sp : layout.speakers) {
    lfe_.push_back(sp.lfe);
    labels_.push_back(sp.label);
    realDirection_.push_back(directionOf(sp.azimuthDeg, sp.elevationDeg));
    double az = sp.azimuthDeg, el = sp.elevationDeg;
    nominalPositionOfLabel(sp.label, az, el);  // a layout file's measured angles: its label's
    nominalAzimuth_.push_back(az);
    nominalElevation_.push_back(el);
    nominalDirection_.push_back(directionOf(az, el));
    keys.push_back(
        {std::abs(sp.elevationDeg), sp.elevationDeg, std::abs(sp.azimuthDeg), sp.azimuthDeg});
  }
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int c = 0; c < n; ++c) order[static_cast<std::size_t>(c)] = c;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return keys[static_cast<std::size_t>(a)] < keys[static_cast<std::size_t>(b)];
  });
  lockPriority_.assign(static_cast<std::size_t>(n), 0);
  for (int r = 0; r < n; ++r) lockPriority_[static_cast<std::size_t>(order[r])] = r;

  // Zone exclusion's neighbour groups: for each channel, every other non-LFE channel keyed by
  // (layer change priority, front/back side change, distance, front/back distance), channels
  // whose keys agree within 1e-6 grouped, groups sorted by key.
  static constexpr int kLayerPriority[4][4] = {
      {0, 1, 2, 3}, {3, 0, 1, 2}, {3, 2, 0, 1}, {3, 2, 1, 0}};
  exclusionGroups_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (lfe_[static_cast<std::size_t>(i)]) continue;
    const Vec3& pi = nominalDirection_[static_cast<std::size_t>(i)];
    std::vector<std::pair<std::array<double, 4>, std::vector<int>>> groups;
    for (int j = 0; j < n; ++j) {
      if (lfe_[static_cast<std::size_t>(j)]) continue;
      const Vec3& pj = nominalDirection_[static_cast<std::size_t>(j)];
      const std::array<double, 4> key = {
          static_cast<double>(
              kLayerPriority[layerOf(nominalElevation_[static_cast<std::size_t>(i)])]
                            [layerOf(nominalElevation_[static_cast<std::size_t>(j)])]),
          static_cast<double>(std::abs(signWithTolerance(pi.y) - signWithTolerance(pj.y))),
          (pi - pj).norm(), std::abs(pi.y - pj.y)};
      bool placed = false;
      for (auto& [k, members] : groups) {
        bool same = true;
        for (int e = 0; e < 4; ++e) same = same && std::abs(k[e] - key[e]) < kZoneEpsilon;
        if (same) {
          members.push_back(j);
          placed = true;
          break;
        }
      }
      if (!placed) groups.push_back({key, {j}});
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& group : groups)
      exclusionGroups_[static_cast<std::size_t>(i)].push_back(group.second);
  }
}

Polar ObjectPanner::lockedPosition(const Polar& position, std::optional<double> maxDistance) const {
  const Vec3 p = directionOf(position.azimuthDeg, position.elevationDeg) * position.distance;
  std::vector<double> distance(static_cast<std::size_t>(numChannels_), -1.0);
  double nearest = std::numeric_limits<double>::infinity();
  for (int c = 0; c < numChannels_; ++c) {
    if (lfe_[static_cast<std::size_t>(c)]) continue;
    const double d = (p - realDirection_[static_cast<std::size_t>(c)]).norm();
    if (maxDistance && !(d < *maxDistance + kLockTolerance)) continue;
    distance[static_cast<std::size_t>(c)] = d;
    nearest = std::min(nearest, d);
  }
  int chosen = -1;
  for (int c = 0; c < numChannels_; ++c) {
    const double d = distance[static_cast<std::size_t>(c)];
    if (d < 0.0 || d >= nearest + kLockTolerance) continue;
    if (chosen < 0 || lockPriority_[static_cast<std::size_t>(c)] <
                          lockPriority_[static_cast<std::size_t>(chosen)])
      chosen = c;
  }
  if (chosen < 0) return position;
  const Vec3& d = realDirection_[static_cast<std::size_t>(chosen)];
  return {azimuthOf(d), elevationOf(d), 1.0};
}

std::vector<bool> ObjectPanner::excludedChannels(const std::vector<ExclusionZone>& zones) const {
  std::vector<bool> excluded(static_cast<std::size_t>(numChannels_), false);
  const double e = kZoneEpsilon;
  for (int c = 0; c < numChannels_; ++c) {
    const auto i = static_cast<std::size_t>(c);
    if (lfe_[i]) continue;
    const Vec3& p = nominalDirection_[i];
    const double az = nominalAzimuth_[i], el = nominalElevation_[i];
    for (const ExclusionZone& z : zones) {
      bool in = false;
      if (z.cartesian) {
        in = p.x - e < z.maxX && p.y - e < z.maxY && p.z - e < z.maxZ && p.x + e > z.minX &&
             p.y + e > z.minY && p.z + e > z.minZ;
      } else {
        // A loudspeaker at a pole has every azimuth.
        in = el - e < z.maxElevation && el + e > z.minElevation &&
             (std::abs(el) > 90.0 - e || insideAzimuthRange(az, z.minAzimuth, z.maxAzimuth, e));
      }
      if (in) {
        excluded[i] = true;
        break;
      }
    }
  }
  return excluded;
}

void ObjectPanner::excludeZones(const std::vector<ExclusionZone>& zones,
                                std::span<double> g) const {
  const std::vector<bool> excluded = excludedChannels(zones);
  int used = 0, total = 0;
  for (int c = 0; c < numChannels_; ++c) {
    if (lfe_[static_cast<std::size_t>(c)]) continue;
    ++total;
    used += excluded[static_cast<std::size_t>(c)] ? 0 : 1;
  }
  if (used == 0 || used == total) return;
  std::vector<double> power(static_cast<std::size_t>(numChannels_), 0.0);
  for (int i = 0; i < numChannels_; ++i) {
    if (lfe_[static_cast<std::size_t>(i)]) continue;
    const double p = g[static_cast<std::size_t>(i)] * g[static_cast<std::size_t>(i)];
    for (const std::vector<int>& group : exclusionGroups_[static_cast<std::size_t>(i)]) {
      int open = 0;
      for (int j : group) open += excluded[static_cast<std::size_t>(j)] ? 0 : 1;
      if (open == 0) continue;
      for (int j : group) {
        if (!excluded[static_cast<std::size_t>(j)]) power[static_cast<std::size_t>(j)] += p / open;
      }
      break;
    }
  }
  for (int c = 0; c < numChannels_; ++c)
    g[static_cast<std::size_t>(c)] = std::sqrt(power[static_cast<std::size_t>(c)]);
}

void ObjectPanner::pointGains(const Polar& position, std::span<double> out) const {
  psp_.gains(directionOf(position.azimuthDeg, position.elevationDeg), out);
}

void ObjectPanner::atDistance(const Polar& position, const ObjectShape& shape, double distance,
                              std::span<double> out) const {
  // BS.2127's polar extent: the sizes as seen from `distance` (360 at 0, as given at 1).
  extent_.gains(psp_, directionOf(position.azimuthDeg, position.elevationDeg),
                extentAtDistance(shape.widthDeg, distance),
                extentAtDistance(shape.heightDeg, distance), out);
}

bool ObjectPanner::labelledGains(const ObjectShape& shape, std::span<double> out) const {
  if (shape.speakerLabel.empty()) return false;
  for (std::size_t c = 0; c < labels_.size(); ++c) {
    if (lfe_[c] || labels_[c] != shape.speakerLabel) continue;
    std::fill(out.begin(), out.end(), 0.0);
    out[c] = 1.0;
    return true;
  }
  return false;
}

void ObjectPanner::gains(const Polar& position, const ObjectShape& shape,
                         std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  if (labelledGains(shape, out)) return;
  shapedGains(shape.channelLock ? lockedPosition(position, shape.channelLockMaxDistance) : position,
              shape, out);
  if (!shape.zoneExclusion.empty()) excludeZones(shape.zoneExclusion, out);
}

void ObjectPanner::gains(const Polar& polar, const std::optional<Vec3>& cartesian,
                         const ObjectShape& shape, std::span<double> out) const {
  if (labelledGains(shape, out)) return;
  if (!cartesian) {
    gains(polar, shape, out);
    return;
  }
  if (!allo_) {
    // No allocentric positions: BS.2127 §10's polar equivalent of the position and of the
    // Cartesian sizes (width X, depth Y, height Z, as BS.2076-2 lists them), the rest as it is.
    const PolarExtent e =
        polarOfCartesianExtent(*cartesian, shape.widthDeg, shape.depth, shape.heightDeg);
    ObjectShape polarShape = shape;
    polarShape.widthDeg = e.widthDeg;
    polarShape.heightDeg = e.heightDeg;
    polarShape.depth = e.depth;
    gains(e.position, polarShape, out);
    return;
  }
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  const AllocentricShape allo{shape.widthDeg,
                              shape.heightDeg,
                              shape.depth,
                              shape.divergence,
                              shape.divergencePositionRange,
                              shape.channelLock,
                              shape.channelLockMaxDistance};
  allo_->gains(
      *cartesian, allo,
      shape.zoneExclusion.empty() ? std::vector<bool>{} : excludedChannels(shape.zoneExclusion),
      out);
}

void ObjectPanner::shapedGains(const Polar& authored, const ObjectShape& shape,
                               std::span<double> out) const {
  // At the listener a position has no direction: BS.2127's reference renderer takes the front
  // (its safe_norm_position), for the extent's basis and for the divergent copies alike.
  const Polar position = authored.distance < 1e-10 ? Polar{0.0, 0.0, authored.distance} : authored;
  // A point from distance 1 on keeps no size (extentAtDistance of 0 is 0 there).
  if (shape.isPoint() && position.distance >= 1.0) {
    pointGains(position, out);
    return;
  }
  ChannelScratch power(numChannels_), g(numChannels_);
  auto add = [&](const Polar& p, double share) {
    // Depth: the farthest and nearest distances (not below 0), their powers averaged.
    if (shape.depth <= 0.0) {
      atDistance(p, shape, p.distance, g.span());
      for (std::size_t c = 0; c < static_cast<std::size_t>(numChannels_); ++c)
        power[c] += share * g[c] * g[c];
      return;
    }
    for (const double d :
         {p.distance + shape.depth / 2.0, std::max(0.0, p.distance - shape.depth / 2.0)}) {
      atDistance(p, shape, d, g.span());
      for (std::size_t c = 0; c < static_cast<std::size_t>(numChannels_); ++c)
        power[c] += share / 2.0 * g[c] * g[c];
    }
  };
  const double v = std::clamp(shape.divergence, 0.0, 1.0);
  if (v > 0.0) {
    // The copies lie at +-azimuthRange in the source's own basis (its right and forward), so
    // on the great circle through the source that is level with its right-left axis.
    const double range = shape.divergenceAzimuthRangeDeg * kPi / 180.0;
    const Vec3 right = directionOf(position.azimuthDeg - 90.0, 0.0);
    const Vec3 forward = directionOf(position.azimuthDeg, position.elevationDeg);
    auto copy = [&](double sign) {
      const Vec3 u = right * (-sign * std::sin(range)) + forward * std::cos(range);
      return Polar{azimuthOf(u), elevationOf(u), position.distance};
    };
    add(copy(1.0), v / (1.0 + v));
    add(position, (1.0 - v) / (1.0 + v));
    add(copy(-1.0), v / (1.0 + v));
  } else {
    add(position, 1.0);
  }
  // The shares' powers as they are (BS.2127 does not renormalise them).
  for (int c = 0; c < numChannels_; ++c) out[c] = std::sqrt(power[c]);
}

}  // namespace vkmix::layout
