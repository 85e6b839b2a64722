#include "layout/point_source_panner.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>
#include <string>

#include "core/assert.hpp"
#include "vkmix/error.hpp"

namespace vkmix::layout {
namespace {

using Mat3 = std::array<double, 9>;  // row-major

std::optional<Mat3> inverse(const Vec3& r0, const Vec3& r1, const Vec3& r2) {
  const Mat3 m = {r0.x, r0.y, r0.z, r1.x, r1.y, r1.z, r2.x, r2.y, r2.z};
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (std::abs(det) < 1e-12) return std::nullopt;
  const double k = 1.0 / det;
  return Mat3{(m[4] * m[8] - m[5] * m[7]) * k, (m[2] * m[7] - m[1] * m[8]) * k,
              (m[1] * m[5] - m[2] * m[4]) * k, (m[5] * m[6] - m[3] * m[8]) * k,
              (m[0] * m[8] - m[2] * m[6]) * k, (m[2] * m[3] - m[0] * m[5]) * k,
              (m[3] * m[7] - m[4] * m[6]) * k, (m[1] * m[6] - m[0] * m[7]) * k,
              (m[0] * m[4] - m[1] * m[3]) * k};
}

// VBAP in one triangle: g with g . [p0; p1; p2] = direction, all g >= 0, |g| = 1.
struct Triplet {
  std::array<int, 3> verts{};
  Mat3 inv{};
  bool solve(const Vec3& d, std::array<double, 3>& g) const {
    for (int j = 0; j < 3; ++j) g[j] = d.x * inv[j] + d.y * inv[3 + j] + d.z * inv[6 + j];
    constexpr double kEpsilon = -1e-11;
    if (g[0] < kEpsilon || g[1] < kEpsilon || g[2] < kEpsilon) return false;
    const double n = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    for (double& x : g) x = std::clamp(x / n, 0.0, 1.0);
    return true;
  }
};

std::optional<Triplet> makeTriplet(std::array<int, 3> verts, const std::vector<Vec3>& pos) {
  auto inv = inverse(pos[verts[0]], pos[verts[1]], pos[verts[2]]);
  if (!inv) return std::nullopt;
  return Triplet{verts, *inv};
}

// Orders the vertices of a (roughly planar) polygon by angle around its centre direction.
std::vector<int> ngonOrder(const std::vector<int>& verts, const std::vector<Vec3>& pos) {
  Vec3 centre;
  for (int v : verts) centre = centre + pos[v];
  centre = centre.normalized();
  Vec3 u = (std::abs(centre.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0}).cross(centre).normalized();
  Vec3 w = centre.cross(u);
  std::vector<int> order = verts;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return std::atan2(pos[a].dot(w), pos[a].dot(u)) < std::atan2(pos[b].dot(w), pos[b].dot(u));
  });
  return order;
}

// Two-axis panning over a planar quad a, b, c, d (in order): the source lies on the plane through
// the origin and the points a + x(b - a), d + x(c - d); that is a quadratic in x (likewise y).
struct Quad {
  std::array<int, 4> verts{};  // ordered around the quad
  std::array<Vec3, 4> p{};
  static std::optional<double> axis(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& d,
                                    const Vec3& s) {
    const double qa = (b - a).cross(c - d).dot(s);
    const double qb = (a.cross(c - d) + (b - a).cross(d)).dot(s);
    const double qc = a.cross(d).dot(s);
    constexpr double kEps = 1e-10;
    std::array<double, 2> roots{};
    int n = 0;
    if (std::abs(qa) < 1e-14) {
      if (std::abs(qb) < 1e-14) return std::nullopt;
      roots[n++] = -qc / qb;
    } else {
      const double disc = qb * qb - 4 * qa * qc;
      if (disc < -kEps) return std::nullopt;
      const double sq = std::sqrt(std::max(disc, 0.0));
      roots[n++] = (-qb + sq) / (2 * qa);
      roots[n++] = (-qb - sq) / (2 * qa);
    }
    for (int i = 0; i < n; ++i) {
      if (roots[i] > -kEps && roots[i] < 1 + kEps) return std::clamp(roots[i], 0.0, 1.0);
    }
    return std::nullopt;
  }
  bool solve(const Vec3& s, std::array<double, 4>& g) const {
    auto x = axis(p[0], p[1], p[2], p[3], s);
    auto y = axis(p[1], p[2], p[3], p[0], s);
    if (!x || !y) return false;
    g = {(1 - *x) * (1 - *y), *x * (1 - *y), *x * *y, (1 - *x) * *y};
    Vec3 v = p[0] * g[0] + p[1] * g[1] + p[2] * g[2] + p[3] * g[3];
    if (v.dot(s) <= 0) return false;
    const double n = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]);
    for (double& e : g) e /= n;
    return true;
  }
};

// n real speakers around a virtual one whose gain is shared among them in equal power.
struct VirtualNgon {
  std::vector<int> verts;         // ordered
  std::vector<Triplet> triplets;  // (verts[i], verts[i+1], centre); centre index = -1 marker
  bool solve(const Vec3& s, std::vector<std::pair<int, double>>& out) const {
    std::array<double, 3> g{};
    const double share = 1.0 / std::sqrt(static_cast<double>(verts.size()));
    for (std::size_t i = 0; i < triplets.size(); ++i) {
      if (!triplets[i].solve(s, g)) continue;
      out.clear();
      for (int v : verts) out.emplace_back(v, g[2] * share);
      out[i].second += g[0];
      out[(i + 1) % verts.size()].second += g[1];
      double n = 0.0;
      for (auto& e : out) n += e.second * e.second;
      n = std::sqrt(n);
      for (auto& e : out) e.second /= n;
      return true;
    }
    return false;
  }
};

struct Facet {
  Vec3 normal;  // outward, unit
  double offset;
  std::set<int> verts;
};

// Facets of the convex hull of `pos` (coplanar triangles merged), by testing every triple: fine
// for the few dozen points a loudspeaker layout has.
std::vector<Facet> convexHullFacets(const std::vector<Vec3>& pos) {
  constexpr double kEps = 1e-6;
  std::vector<Facet> facets;
  const int n = static_cast<int>(pos.size());
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      for (int k = j + 1; k < n; ++k) {
        Vec3 normal = (pos[j] - pos[i]).cross(pos[k] - pos[i]);
        if (normal.norm() < 1e-9) continue;
        normal = normal.normalized();
        double offset = normal.dot(pos[i]);
        if (offset < 0) {
          normal = normal * -1.0;
          offset = -offset;
        }
        bool supporting = true;
        for (int m = 0; m < n && supporting; ++m) supporting = normal.dot(pos[m]) <= offset + kEps;
        if (!supporting) continue;
        bool known = false;
        for (const Facet& f : facets)
          known =
              known || ((f.normal - normal).norm() < 1e-5 && std::abs(f.offset - offset) < 1e-5);
        if (known) continue;
        Facet f{normal, offset, {}};
        for (int m = 0; m < n; ++m) {
          if (std::abs(normal.dot(pos[m]) - offset) < kEps) f.verts.insert(m);
        }
        facets.push_back(f);
      }
  return facets;
}

}  // namespace

bool nominalPositionOfLabel(const std::string& label, double& az, double& el) {
  std::size_t digits = 0;
  if (label.rfind("UH", 0) == 0) {
    el = 45;
    digits = 2;
  } else if (!label.empty() &&
             (label[0] == 'M' || label[0] == 'U' || label[0] == 'B' || label[0] == 'T')) {
    el = label[0] == 'M' ? 0 : label[0] == 'U' ? 30 : label[0] == 'B' ? -30 : 90;
    digits = 1;
  } else {
    return false;
  }
  if (label.size() != digits + 4 || (label[digits] != '+' && label[digits] != '-')) return false;
  for (std::size_t i = digits + 1; i < label.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(label[i]))) return false;
  }
  az = std::stod(label.substr(digits + 1)) * (label[digits] == '-' ? -1 : 1);
  return true;
}

struct PointSourcePanner::Impl {
  // Extended speakers: real (non-LFE) ones first, then the extra ones; each maps to a layout
  // channel (an extra one to the mid-layer speaker it copies).
  std::vector<int> channelOf;
  std::vector<VirtualNgon> ngons;
  std::vector<Triplet> triplets;
  std::vector<Quad> quads;
  // 0+2+0: pan with the 0+5+0 panner and downmix.
  std::unique_ptr<PointSourcePanner> stereoInner;
  int left = -1, right = -1;

  bool extended(const Vec3& d, std::vector<double>& g) const {
    std::fill(g.begin(), g.end(), 0.0);
    std::vector<std::pair<int, double>> ng;
    for (const VirtualNgon& n : ngons) {
      if (n.solve(d, ng)) {
        for (auto [v, x] : ng) g[v] += x;
        return true;
      }
    }
    std::array<double, 3> t{};
    for (const Triplet& tr : triplets) {
      if (tr.solve(d, t)) {
        for (int i = 0; i < 3; ++i) g[tr.verts[i]] += t[i];
        return true;
      }
    }
    std::array<double, 4> q{};
    for (const Quad& qd : quads) {
      if (qd.solve(d, q)) {
        for (int i = 0; i < 4; ++i) g[qd.verts[i]] += q[i];
        return true;
      }
    }
    return false;
  }
};

PointSourcePanner::~PointSourcePanner() = default;
PointSourcePanner::PointSourcePanner(PointSourcePanner&&) noexcept = default;

PointSourcePanner::PointSourcePanner(const Layout& layout)
    : numChannels_(layout.numChannels()), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  std::vector<int> real;
  for (int c = 0; c < layout.numChannels(); ++c) {
    if (!layout.speakers[c].lfe) real.push_back(c);
  }
  // BS.2127 §6.1.3.1: stereo is panned as 0+5+0 and downmixed.
  if (real.size() == 2 && layout.indexOfLabel("M+030") && layout.indexOfLabel("M-030")) {
    m.left = *layout.indexOfLabel("M+030");
    m.right = *layout.indexOfLabel("M-030");
    Layout five = *findLayout("5.1");
    five.speakers.erase(five.speakers.begin() + 3);  // LFE
    m.stereoInner = std::make_unique<PointSourcePanner>(five);
    return;
  }

  struct Spk {
    Vec3 nominal, realPos;
    double nominalAz, nominalEl, realAz, realEl;
    int channel;
  };
  std::vector<Spk> spk;
  for (int c : real) {
    const Speaker& s = layout.speakers[c];
    double naz = s.azimuthDeg, nel = s.elevationDeg;
    nominalPositionOfLabel(s.label, naz, nel);
    spk.push_back({directionOf(naz, nel), directionOf(s.azimuthDeg, s.elevationDeg), naz, nel,
                   s.azimuthDeg, s.elevationDeg, c});
  }
  // Extra speakers filling the upper (10..70) and lower (-70..-10) layers above/below the mid
  // layer (-10..10), outside the azimuth range the layer covers (+40 degrees).
  const std::size_t numReal = spk.size();
  for (auto [nominalEl, lo, hi] :
       {std::array<double, 3>{-30, -70, -10}, std::array<double, 3>{30, 10, 70}}) {
    double azLimit = 0.0, layerEl = nominalEl;
    std::vector<double> layerEls;
    double range = 0.0;
    for (std::size_t i = 0; i < numReal; ++i) {
      if (spk[i].nominalEl >= lo && spk[i].nominalEl <= hi) {
        range = std::max(range, std::abs(spk[i].nominalAz));
        layerEls.push_back(spk[i].realEl);
      }
    }
    if (!layerEls.empty()) {
      azLimit = range + 40.0;
      layerEl = std::accumulate(layerEls.begin(), layerEls.end(), 0.0) /
                static_cast<double>(layerEls.size());
    }
    for (std::size_t i = 0; i < numReal; ++i) {
      if (spk[i].nominalEl < -10 || spk[i].nominalEl > 10) continue;
      if (std::abs(spk[i].nominalAz) >= azLimit - 1e-5) {
        spk.push_back({directionOf(spk[i].nominalAz, nominalEl),
                       directionOf(spk[i].realAz, layerEl), spk[i].nominalAz, nominalEl,
                       spk[i].realAz, layerEl, spk[i].channel});
      }
    }
  }
  for (const Spk& s : spk) m.channelOf.push_back(s.channel);

  // Virtual speakers below, and above unless the layout has a speaker overhead.
  std::vector<Vec3> nominal, realPos;
  for (const Spk& s : spk) {
    nominal.push_back(s.nominal);
    realPos.push_back(s.realPos);
  }
  std::vector<int> virtualVerts;
  nominal.push_back({0, 0, -1});
  realPos.push_back({0, 0, -1});
  virtualVerts.push_back(static_cast<int>(nominal.size()) - 1);
  if (!layout.indexOfLabel("T+000") && !layout.indexOfLabel("UH+180")) {
    nominal.push_back({0, 0, 1});
    realPos.push_back({0, 0, 1});
    virtualVerts.push_back(static_cast<int>(nominal.size()) - 1);
  }

  std::vector<Facet> facets = convexHullFacets(nominal);
  // VBAP needs the listener strictly inside the hull.
  for (const Facet& f : facets) {
    if (f.offset < 1e-6) {
      throw InputError(
          "layout", layout.name,
          "its loudspeakers do not surround the listener (a stereo pair is labelled M+030 and "
          "M-030; other layouts need speakers on every side)");
    }
  }
  for (int vv : virtualVerts) {
    std::set<int> adjacent;
    for (const Facet& f : facets) {
      if (f.verts.contains(vv)) adjacent.insert(f.verts.begin(), f.verts.end());
    }
    adjacent.erase(vv);
    std::vector<int> verts(adjacent.begin(), adjacent.end());
    VirtualNgon ng;
    ng.verts = ngonOrder(verts, realPos);
    std::vector<Vec3> withCentre = realPos;
    for (std::size_t i = 0; i < ng.verts.size(); ++i) {
      const int a = ng.verts[i], b = ng.verts[(i + 1) % ng.verts.size()];
      auto t = makeTriplet({a, b, vv}, withCentre);
      if (!t) {
        throw InputError(
            "layout", layout.name,
            "two loudspeakers share a direction, which leaves no panning region between them");
      }
      // Region indices 0 and 1 refer to positions in ng.verts; 2 is the centre.
      t->verts = {static_cast<int>(i), static_cast<int>((i + 1) % ng.verts.size()), -1};
      ng.triplets.push_back(*t);
    }
    m.ngons.push_back(std::move(ng));
  }
  for (const Facet& f : facets) {
    bool touchesVirtual = std::any_of(virtualVerts.begin(), virtualVerts.end(),
                                      [&](int v) { return f.verts.contains(v); });
    if (touchesVirtual) continue;
    std::vector<int> verts(f.verts.begin(), f.verts.end());
    if (verts.size() == 3) {
      auto t = makeTriplet({verts[0], verts[1], verts[2]}, realPos);
      if (t) m.triplets.push_back(*t);
    } else if (verts.size() == 4) {
      Quad q;
      std::vector<int> order = ngonOrder(verts, realPos);
      for (int i = 0; i < 4; ++i) {
        q.verts[i] = order[i];
        q.p[i] = realPos[order[i]];
      }
      m.quads.push_back(q);
    } else {
      throw InputError("layout", layout.name,
                       "a hull face has " + std::to_string(verts.size()) +
                           " loudspeakers; at most 4 can share a plane");
    }
  }
  // Every direction must find a region.
  for (double el = -90; el <= 90; el += 5) {
    for (double az = -180; az < 180; az += 5) {
      std::vector<double> g(spk.size());
      if (!m.extended(directionOf(az, el), g)) {
        throw InputError("layout", layout.name,
                         "its loudspeakers leave the direction azimuth " + std::to_string(az) +
                             ", elevation " + std::to_string(el) + " without a panning region");
      }
    }
  }
}

void PointSourcePanner::gains(const Vec3& direction, std::span<double> out) const {
  VKMIX_ASSERT(static_cast<int>(out.size()) == numChannels_, "gain span has the wrong size");
  const Impl& m = *impl_;
  std::fill(out.begin(), out.end(), 0.0);
  const Vec3 d = direction.norm() < 1e-12 ? Vec3{0, 1, 0} : direction.normalized();
  if (m.stereoInner) {
    std::array<double, 5> pv{};  // M+030 M-030 M+000 M+110 M-110
    m.stereoInner->gains(d, pv);
    const double k = std::sqrt(3.0) / 3.0, h = std::sqrt(0.5);
    double l = pv[0] + k * pv[2] + h * pv[3];
    double r = pv[1] + k * pv[2] + h * pv[4];
    const double n = std::hypot(l, r);
    const double front = std::max({pv[0], pv[1], pv[2]}), back = std::max(pv[3], pv[4]);
    const double level = std::pow(0.5, 0.5 * back / (front + back));
    out[m.left] = l / n * level;
    out[m.right] = r / n * level;
    return;
  }
  std::vector<double> g(m.channelOf.size(), 0.0);
  const bool found = m.extended(d, g);
  VKMIX_ASSERT(found, "no panning region for a direction (checked at construction)");
  double norm = 0.0;
  for (std::size_t i = 0; i < g.size(); ++i) out[m.channelOf[i]] += g[i];
  for (double x : out) norm += x * x;
  norm = std::sqrt(norm);
  for (double& x : out) x /= norm;
}

}  // namespace vkmix::layout
