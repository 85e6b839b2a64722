#include "layout/allocentric_panner.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "core/assert.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLockTolerance = 1e-5;  // BS.2127: distances this close are equal
constexpr int kVirtualSources = 40;      // per axis (z: 20 over 0..1 for one or two planes)
constexpr double kFloorExponent = 6.5;   // virtual-source weights below -130 dB count as 0
constexpr double kSizeFade = 0.2;        // effective sizes below this fade towards the point

// The loudspeaker labels of BS.2127's allocentric table and where they sit in the room: the
// front row at y = 1 (L, C, R at x = -1, 0, 1), the side pair at y = 0, the surround/rear pair
// in the back corners (110 and 135 degrees alike), the upper layer at z = 1 in the corners.
const std::map<std::string, Vec3>& allocentricTable() {
  static const std::map<std::string, Vec3> table = {
      {"M+000", {0, 1, 0}},  {"M+030", {-1, 1, 0}},  {"M-030", {1, 1, 0}},  {"M+090", {-1, 0, 0}},
      {"M-090", {1, 0, 0}},  {"M+110", {-1, -1, 0}}, {"M-110", {1, -1, 0}}, {"M+135", {-1, -1, 0}},
      {"M-135", {1, -1, 0}}, {"U+030", {-1, 1, 1}},  {"U-030", {1, 1, 1}},  {"U+045", {-1, 1, 1}},
      {"U-045", {1, 1, 1}},  {"U+110", {-1, -1, 1}}, {"U-110", {1, -1, 1}}, {"U+135", {-1, -1, 1}},
      {"U-135", {1, -1, 1}}, {"LFE1", {-1, 1, -1}}};
  return table;
}

// One axis of the point panning: the gain of a loudspeaker at level `own` for coordinate `v`,
// among the levels of the loudspeakers `keep` accepts (`pick` reads a position's level). The two
// levels nearest v on either side share it; beyond every level the nearest takes it whole.
template <class Keep, class Pick>
double axisGain(const std::vector<Vec3>& positions, Keep keep, Pick pick, double own, double v) {
  bool haveLo = false, haveHi = false;
  double lo = 0.0, hi = 0.0;
  for (const Vec3& q : positions) {
    if (!keep(q)) continue;
    const double l = pick(q);
    if (l <= v && (!haveLo || l > lo)) {
      lo = l;
      haveLo = true;
    }
    if (l >= v && (!haveHi || l < hi)) {
      hi = l;
      haveHi = true;
    }
  }
  if (!haveLo) return own == hi ? 1.0 : 0.0;
  if (!haveHi || lo == hi) return own == lo ? 1.0 : 0.0;
  const double a = (v - lo) / (hi - lo) * kPi / 2.0;
  if (own == lo) return std::cos(a);
  if (own == hi) return std::sin(a);
  return 0.0;
}

// Per-axis gains of the loudspeaker at `own` among `positions`: z between planes, y between the
// rows of its plane, x between the columns of its row.
double zGain(const std::vector<Vec3>& positions, const Vec3& own, double z) {
  return axisGain(
      positions, [](const Vec3&) { return true; }, [](const Vec3& q) { return q.z; }, own.z, z);
}
double yGain(const std::vector<Vec3>& positions, const Vec3& own, double y) {
  return axisGain(
      positions, [&](const Vec3& q) { return q.z == own.z; }, [](const Vec3& q) { return q.y; },
      own.y, y);
}
double xGain(const std::vector<Vec3>& positions, const Vec3& own, double x) {
  return axisGain(
      positions, [&](const Vec3& q) { return q.z == own.z && q.y == own.y; },
      [](const Vec3& q) { return q.x; }, own.x, x);
}

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = a + (b - a) * i / (n - 1);
  return v;
}

// ADM's Cartesian size (0..1, larger values as 1) to the extent's size, piecewise linear.
double scaleSize(double v) {
  static constexpr std::array<double, 5> in = {0.0, 0.2, 0.5, 0.75, 1.0};
  static constexpr std::array<double, 5> out = {0.0, 0.3, 1.0, 1.8, 2.8};
  v = std::clamp(v, 0.0, 1.0);
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (v <= in[i])
      return out[i - 1] + (out[i] - out[i - 1]) * (v - in[i - 1]) / (in[i] - in[i - 1]);
  }
  return out.back();
}

// The extent's normalisation term for one axis of size s at distance dBound from the room's
// nearest wall.
double boundTerm(double s, double dBound) {
  if (dBound >= 2.0 * s && dBound >= 0.4) {
    const double n = std::max(2.0 * s, 0.4);
    return std::cbrt(n * n * n / (0.16 * 2.0 * s));
  }
  const double a = dBound / 0.4;
  return std::cbrt(dBound / 2.0 * a * a);
}

void normalise(std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x * x;
  const double norm = std::sqrt(sum);
  for (double& x : v) x = norm > 1e-16 ? x / norm : 0.0;
}

Vec3 clipToRoom(const Vec3& p) {
  return {std::clamp(p.x, -1.0, 1.0), std::clamp(p.y, -1.0, 1.0), std::clamp(p.z, -1.0, 1.0)};
}

}  // namespace

std::vector<Vec3> allocentricPositions(const Layout& layout) {
  static const std::array<const char*, 6> kLayouts = {"0+2+0", "0+5+0", "2+5+0",
                                                      "4+5+0", "0+7+0", "4+7+0"};
  if (std::find(kLayouts.begin(), kLayouts.end(), layout.itu) == kLayouts.end()) return {};
  std::vector<Vec3> out;
  for (const Speaker& s : layout.speakers) {
    auto it = allocentricTable().find(s.label);
    if (it == allocentricTable().end()) return {};
    out.push_back(it->second);
  }
  return out;
}

AllocentricPanner::AllocentricPanner(const Layout& layout)
    : numChannels_(layout.numChannels()), position_(allocentricPositions(layout)) {
  VKMIX_ASSERT(static_cast<int>(position_.size()) == numChannels_,
               "layout has no allocentric positions");
  std::vector<std::array<double, 4>> keys;
  for (const Speaker& sp : layout.speakers) {
    lfe_.push_back(sp.lfe);
    keys.push_back(
        {std::abs(sp.elevationDeg), sp.elevationDeg, std::abs(sp.azimuthDeg), sp.azimuthDeg});
  }
  std::vector<int> order(static_cast<std::size_t>(numChannels_));
  for (int c = 0; c < numChannels_; ++c) order[static_cast<std::size_t>(c)] = c;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return keys[static_cast<std::size_t>(a)] < keys[static_cast<std::size_t>(b)];
  });
  lockPriority_.assign(static_cast<std::size_t>(numChannels_), 0);
  for (int r = 0; r < numChannels_; ++r)
    lockPriority_[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = r;
  std::vector<bool> used(lfe_.size());
  for (std::size_t c = 0; c < lfe_.size(); ++c) used[c] = !lfe_[c];
  all_ = speakersFor(used);
}

AllocentricPanner::Speakers AllocentricPanner::speakersFor(const std::vector<bool>& used) const {
  Speakers s;
  for (int c = 0; c < numChannels_; ++c) {
    if (!used[static_cast<std::size_t>(c)]) continue;
    s.channel.push_back(c);
    s.position.push_back(position_[static_cast<std::size_t>(c)]);
  }
  VKMIX_ASSERT(!s.position.empty(), "allocentric panning over no loudspeaker");
  const Vec3& first = s.position.front();
  bool sameX = true, sameY = true, sameZ = true;
  std::vector<double> planes;
  for (const Vec3& q : s.position) {
    sameX = sameX && q.x == first.x;
    sameY = sameY && q.y == first.y;
    sameZ = sameZ && q.z == first.z;
    if (std::find(planes.begin(), planes.end(), q.z) == planes.end()) planes.push_back(q.z);
  }
  s.allZ = planes.size() >= 3;
  s.arrangement = sameY && sameZ ? 1 : (sameZ ? 2 : 3);
  s.dim = (sameX ? 0 : 1) + (sameY ? 0 : 1) + (sameZ ? 0 : 1);
  s.xs = linspace(-1.0, 1.0, kVirtualSources);
  s.ys = linspace(-1.0, 1.0, kVirtualSources);
  s.zs = s.allZ ? linspace(-1.0, 1.0, kVirtualSources) : linspace(0.0, 1.0, kVirtualSources / 2);
  for (const Vec3& own : s.position) {
    for (double x : s.xs) s.gx.push_back(xGain(s.position, own, x));
    for (double y : s.ys) s.gy.push_back(yGain(s.position, own, y));
    for (double z : s.zs) s.gz.push_back(zGain(s.position, own, z));
  }
  return s;
}

void AllocentricPanner::point(const Speakers& s, const Vec3& p, std::span<double> out) {
  for (std::size_t i = 0; i < s.position.size(); ++i) {
    const Vec3& own = s.position[i];
    out[static_cast<std::size_t>(s.channel[i])] =
        zGain(s.position, own, p.z) * yGain(s.position, own, p.y) * xGain(s.position, own, p.x);
  }
}

void AllocentricPanner::extent(const Speakers& s, Vec3 p, double width, double height, double depth,
                               std::span<double> out) {
  const auto nx = s.xs.size(), ny = s.ys.size(), nz = s.zs.size();
  if (!s.allZ) p.z = std::max(0.0, p.z);  // one or two planes: the room's lower half is the floor
  const double sx = std::max(scaleSize(width), 2.0 / static_cast<double>(nx - 1));
  const double sy = std::max(scaleSize(height), 2.0 / static_cast<double>(ny - 1));
  const double sz = std::max(scaleSize(depth), 2.0 / static_cast<double>(nz - 1));

  // The effective size sets the exponent p: 6 (a focused sum) up to s_eff 0.5, falling to 2 (a
  // power sum) at the largest size, 2.8; it weighs the sizes along the axes the layout spans.
  std::array<double, 3> sorted = {sx, sy, sz};
  double sEff = sx;
  if (s.arrangement == 2) {
    sEff = 0.75 * std::max(sx, sy) + 0.25 * std::min(sx, sy);
  } else if (s.arrangement == 3) {
    std::sort(sorted.begin(), sorted.end());
    sEff = (6.0 * sorted[2] + 2.0 * sorted[1] + sorted[0]) / 9.0;
  }
  const double pExp = sEff <= 0.5 ? 6.0 : 6.0 - 4.0 * (sEff - 0.5) / (2.8 - 0.5);

  // Virtual source weights per axis: 10^-(1.5 d / extent)^4, floored at -130 dB; z also tapers
  // with height (cos(3 pi z / 7)).
  auto weights = [](const std::vector<double>& at, double centre, double span) {
    std::vector<double> w(at.size());
    for (std::size_t i = 0; i < at.size(); ++i) {
      const double t = std::pow(1.5 * (at[i] - centre) / span, 4.0);
      w[i] = std::pow(10.0, -std::min(t, kFloorExponent));
    }
    return w;
  };
  const std::vector<double> wx = weights(s.xs, p.x, 2.0 * sx), wy = weights(s.ys, p.y, 2.0 * sy);
  std::vector<double> wz = weights(s.zs, p.z, sz);
  for (std::size_t k = 0; k < nz; ++k) wz[k] *= std::cos(s.zs[k] * kPi * 3.0 / 7.0);

  const std::size_t n = s.position.size();
  const double floor = std::pow(10.0, -kFloorExponent);
  // p is 6 for every effective size up to 0.5: multiplications instead of pow there.
  auto powP = [pExp](double v) {
    if (pExp == 6.0) {
      const double v3 = v * v * v;
      return v3 * v3;
    }
    return std::pow(v, pExp);
  };
  auto axisSum = [&](const std::vector<double>& g, const std::vector<double>& w, std::size_t i) {
    double f = 0.0;
    for (std::size_t k = 0; k < w.size(); ++k) {
      const double v = g[i * w.size() + k] * w[k];
      if (v > 0.0) f += powP(v);
    }
    return f < floor ? 0.0 : f;
  };
  auto edge = [&](const std::vector<double>& g, const std::vector<double>& w, std::size_t i,
                  std::size_t k) { return powP(g[i * w.size() + k] * w[k]); };

  std::vector<double> inside(n), bound(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double fx = axisSum(s.gx, wx, i), fy = axisSum(s.gy, wy, i), fz = axisSum(s.gz, wz, i);
    inside[i] = fx * fy * fz;
    // The room's six walls as extra sources, each weighted by the other two axes' sums.
    bound[i] = (edge(s.gx, wx, i, 0) + edge(s.gx, wx, i, nx - 1)) * fy * fz +
               fx * (edge(s.gy, wy, i, 0) + edge(s.gy, wy, i, ny - 1)) * fz +
               fx * fy * (edge(s.gz, wz, i, 0) + edge(s.gz, wz, i, nz - 1));
  }
  normalise(inside);

  // mu scales the inside sum against the walls by how far the object is from the nearest wall
  // along the axes the layout spans.
  double dBound = std::min(p.x + 1.0, 1.0 - p.x);
  if (s.dim >= 2) dBound = std::min({dBound, p.y + 1.0, 1.0 - p.y});
  if (s.dim >= 3) dBound = std::min({dBound, p.z + 1.0, 1.0 - p.z});
  double mu = 0.0;
  if (s.dim <= 1) {
    mu = std::pow(boundTerm(sx, dBound), 3.0);
  } else if (s.dim == 2) {
    mu = std::pow(boundTerm(sx, dBound) * boundTerm(sy, dBound), 1.5);
  } else {
    mu = boundTerm(sx, dBound) * boundTerm(sy, dBound) * boundTerm(sz, dBound);
  }

  std::vector<double> size(n);
  for (std::size_t i = 0; i < n; ++i) size[i] = std::pow(bound[i] + mu * inside[i], 1.0 / pExp);
  normalise(size);

  double alpha = 0.0, beta = 1.0;
  if (sEff < kSizeFade) {
    alpha = std::cos(sEff * kPi / (2.0 * kSizeFade));
    beta = std::sin(sEff * kPi / (2.0 * kSizeFade));
  }
  std::vector<double> pointGains(static_cast<std::size_t>(out.size()), 0.0);
  point(s, p, pointGains);
  std::vector<double> total(n);
  for (std::size_t i = 0; i < n; ++i) {
    total[i] = alpha * pointGains[static_cast<std::size_t>(s.channel[i])] + beta * size[i];
  }
  normalise(total);
  for (std::size_t i = 0; i < n; ++i) out[static_cast<std::size_t>(s.channel[i])] = total[i];
}

void AllocentricPanner::pointGains(const Vec3& position, std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  std::fill(out.begin(), out.end(), 0.0);
  point(all_, clipToRoom(position), out);
}

void AllocentricPanner::extentGains(const Vec3& position, double width, double height, double depth,
                                    std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  std::fill(out.begin(), out.end(), 0.0);
  extent(all_, clipToRoom(position), width, height, depth, out);
}

std::vector<bool> AllocentricPanner::widenExclusion(const std::vector<bool>& excluded) const {
  std::vector<bool> out(static_cast<std::size_t>(numChannels_), false);
  if (excluded.empty()) return out;
  for (int c = 0; c < numChannels_; ++c)
    out[static_cast<std::size_t>(c)] = excluded[static_cast<std::size_t>(c)];
  // A side loudspeaker (on a side wall, not in a corner) leaving would leave its row with one
  // loudspeaker that takes the whole row: the row goes with it.
  for (int c = 0; c < numChannels_; ++c) {
    const Vec3& q = position_[static_cast<std::size_t>(c)];
    if (lfe_[static_cast<std::size_t>(c)] || !excluded[static_cast<std::size_t>(c)]) continue;
    if (std::abs(q.x) != 1.0 || std::abs(q.y) == 1.0) continue;
    for (int k = 0; k < numChannels_; ++k) {
      const Vec3& r = position_[static_cast<std::size_t>(k)];
      if (r.y == q.y && r.z == q.z) out[static_cast<std::size_t>(k)] = true;
    }
  }
  bool any = false;
  for (int c = 0; c < numChannels_; ++c)
    any = any || (!lfe_[static_cast<std::size_t>(c)] && !out[static_cast<std::size_t>(c)]);
  if (!any) std::fill(out.begin(), out.end(), false);
  return out;
}

Vec3 AllocentricPanner::lockedPosition(const Vec3& position, std::optional<double> maxDistance,
                                       const std::vector<bool>& used) const {
  // The weights favour moving left/right over front/back over up/down.
  static constexpr std::array<double, 3> kWeight = {1.0 / 16.0, 4.0, 32.0};
  double nearest = std::numeric_limits<double>::infinity();
  std::vector<double> weighted(static_cast<std::size_t>(numChannels_), -1.0);
  for (int c = 0; c < numChannels_; ++c) {
    if (!used[static_cast<std::size_t>(c)]) continue;
    const Vec3 d = position - position_[static_cast<std::size_t>(c)];
    if (maxDistance && !(d.norm() < *maxDistance + kLockTolerance)) continue;
    const double w =
        std::sqrt(kWeight[0] * d.x * d.x + kWeight[1] * d.y * d.y + kWeight[2] * d.z * d.z);
    weighted[static_cast<std::size_t>(c)] = w;
    nearest = std::min(nearest, w);
  }
  int chosen = -1;
  for (int c = 0; c < numChannels_; ++c) {
    const double w = weighted[static_cast<std::size_t>(c)];
    if (w < 0.0 || w >= nearest + kLockTolerance) continue;
    if (chosen < 0 || lockPriority_[static_cast<std::size_t>(c)] <
                          lockPriority_[static_cast<std::size_t>(chosen)])
      chosen = c;
  }
  return chosen < 0 ? position : position_[static_cast<std::size_t>(chosen)];
}

void AllocentricPanner::gains(const Vec3& position, const AllocentricShape& shape,
                              const std::vector<bool>& excluded, std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  std::fill(out.begin(), out.end(), 0.0);
  const std::vector<bool> left = widenExclusion(excluded);
  std::vector<bool> used(static_cast<std::size_t>(numChannels_));
  bool anyLeft = false;
  for (std::size_t c = 0; c < used.size(); ++c) {
    used[c] = !lfe_[c] && !left[c];
    anyLeft = anyLeft || left[c];
  }
  const Speakers subset = anyLeft ? speakersFor(used) : Speakers{};
  const Speakers& s = anyLeft ? subset : all_;

  Vec3 p = clipToRoom(position);
  if (shape.channelLock) p = lockedPosition(p, shape.channelLockMaxDistance, used);

  const bool sized = shape.width != 0.0 || shape.height != 0.0 || shape.depth != 0.0;
  auto pan = [&](const Vec3& at, std::span<double> g) {
    if (sized) {
      extent(s, at, shape.width, shape.height, shape.depth, g);
    } else {
      point(s, at, g);
    }
  };
  const double v = std::clamp(shape.divergence, 0.0, 1.0);
  if (v <= 0.0 || shape.positionRange == 0.0) {
    pan(p, out);
    return;
  }
  // Copies at x +- positionRange with power shares v/(1+v) each, the centre (1-v)/(1+v).
  std::vector<double> power(out.size(), 0.0), g(out.size());
  const std::array<std::pair<Vec3, double>, 3> parts = {
      std::pair{clipToRoom(p + Vec3{shape.positionRange, 0, 0}), v / (1.0 + v)},
      std::pair{p, (1.0 - v) / (1.0 + v)},
      std::pair{clipToRoom(p - Vec3{shape.positionRange, 0, 0}), v / (1.0 + v)}};
  for (const auto& [at, share] : parts) {
    std::fill(g.begin(), g.end(), 0.0);
    pan(at, g);
    for (std::size_t c = 0; c < g.size(); ++c) power[c] += share * g[c] * g[c];
  }
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = std::sqrt(power[c]);
}

}  // namespace vkmix::layout
