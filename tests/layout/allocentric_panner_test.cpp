// BS.2127's allocentric panner (§7.3, Cartesian objects): expected values are worked out from the
// standard's per-axis balances in the comments. Allocentric positions (BS.2127's table): front
// row y = 1 with L, C, R at x = -1, 0, 1; sides (M+-090) at y = 0; surrounds/rears in the back
// corners y = -1; the upper layer at z = 1 in the corners.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "layout/allocentric_panner.hpp"
#include "layout/object_panner.hpp"

namespace vkmix::layout {
namespace {

constexpr double kPi = 3.14159265358979323846;
const double kHalf = std::sqrt(0.5);

std::vector<double> point(const AllocentricPanner& p, Vec3 at) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.pointGains(at, g);
  return g;
}

std::vector<double> extent(const AllocentricPanner& p, Vec3 at, double w, double h, double d) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.extentGains(at, w, h, d, g);
  return g;
}

std::vector<double> objectGains(const AllocentricPanner& p, Vec3 at, AllocentricShape shape,
                                const std::vector<bool>& excluded = {}) {
  std::vector<double> g(static_cast<std::size_t>(p.numChannels()));
  p.gains(at, shape, excluded, g);
  return g;
}

double power(const std::vector<double>& g) {
  double s = 0;
  for (double x : g) s += x * x;
  return s;
}

int channel(const Layout& l, const char* label) { return *l.indexOfLabel(label); }

const std::vector<std::string> kAllocentricLayouts = {"2.0",   "5.1", "5.1.2",
                                                      "5.1.4", "7.1", "7.1.4"};

TEST(AllocentricPanner, LayoutsWithAndWithoutAllocentricPositions) {
  for (const std::string& name : kAllocentricLayouts) {
    EXPECT_EQ(allocentricPositions(*findLayout(name)).size(),
              static_cast<std::size_t>(findLayout(name)->numChannels()))
        << name;
    EXPECT_TRUE(ObjectPanner(*findLayout(name)).hasAllocentric()) << name;
  }
  // 7.1.2 and 9.1.6 are not BS.2051 layouts: BS.2127 gives them no allocentric positions.
  for (const char* name : {"7.1.2", "9.1.6"}) {
    EXPECT_TRUE(allocentricPositions(*findLayout(name)).empty()) << name;
    EXPECT_FALSE(ObjectPanner(*findLayout(name)).hasAllocentric()) << name;
  }
  const std::vector<Vec3> p = allocentricPositions(*findLayout("7.1.4"));
  const Layout& l = *findLayout("7.1.4");
  EXPECT_EQ(p[static_cast<std::size_t>(channel(l, "M+030"))].x, -1.0);
  EXPECT_EQ(p[static_cast<std::size_t>(channel(l, "M+135"))].y, -1.0);
  EXPECT_EQ(p[static_cast<std::size_t>(channel(l, "M-090"))].x, 1.0);
  EXPECT_EQ(p[static_cast<std::size_t>(channel(l, "M-090"))].y, 0.0);
  EXPECT_EQ(p[static_cast<std::size_t>(channel(l, "U+045"))].z, 1.0);
}

// An object at a loudspeaker's allocentric position: every axis sits exactly on that
// loudspeaker's plane, row and column, so it alone plays, at 1.
TEST(AllocentricPanner, AtALoudspeakerOnlyThatLoudspeakerPlays) {
  for (const std::string& name : kAllocentricLayouts) {
    const Layout& l = *findLayout(name);
    AllocentricPanner p(l);
    const std::vector<Vec3> at = allocentricPositions(l);
    for (int c = 0; c < l.numChannels(); ++c) {
      if (l.speakers[static_cast<std::size_t>(c)].lfe) continue;
      const std::vector<double> g = point(p, at[static_cast<std::size_t>(c)]);
      for (int k = 0; k < l.numChannels(); ++k) {
        EXPECT_EQ(g[static_cast<std::size_t>(k)], k == c ? 1.0 : 0.0)
            << name << " " << l.speakers[static_cast<std::size_t>(c)].label << " -> "
            << l.speakers[static_cast<std::size_t>(k)].label;
      }
    }
  }
}

TEST(AllocentricPanner, MidpointsSplitAsCosineAndSine) {
  const Layout& l51 = *findLayout("5.1");  // L R C LFE Ls Rs
  AllocentricPanner p51(l51);
  // (0, 1, 0): the front row, column x = 0: C alone.
  EXPECT_EQ(point(p51, {0, 1, 0}), (std::vector<double>{0, 0, 1, 0, 0, 0}));
  // (-0.5, 1, 0): front row between columns -1 (L) and 0 (C), half way: cos 45 = sin 45 =
  // sqrt(1/2).
  std::vector<double> g = point(p51, {-0.5, 1, 0});
  EXPECT_NEAR(g[0], kHalf, 1e-15);
  EXPECT_NEAR(g[2], kHalf, 1e-15);
  EXPECT_EQ(g[1] + g[3] + g[4] + g[5], 0.0);
  // (0, 0, 0): half way between the rows y = -1 and y = 1 (sqrt(1/2) each); the front row's
  // column x = 0 is C (sqrt(1/2)), the back row's x = 0 is half way between Ls and Rs
  // (sqrt(1/2) * sqrt(1/2) = 1/2 each). Power 1/2 + 1/4 + 1/4 = 1.
  g = point(p51, {0, 0, 0});
  EXPECT_NEAR(g[2], kHalf, 1e-15);
  EXPECT_NEAR(g[4], 0.5, 1e-15);
  EXPECT_NEAR(g[5], 0.5, 1e-15);
  EXPECT_EQ(g[0] + g[1] + g[3], 0.0);
  // Below the only plane (z = -0.5) the plane takes it whole: (0.3, -1, -0.5) is the back row at
  // 1.3/2 = 0.65 of the way from Ls to Rs: Ls = cos(58.5 deg) = 0.522499, Rs = sin(58.5 deg).
  g = point(p51, {0.3, -1, -0.5});
  EXPECT_NEAR(g[4], std::cos(0.65 * kPi / 2), 1e-15);
  EXPECT_NEAR(g[5], std::sin(0.65 * kPi / 2), 1e-15);
  EXPECT_NEAR(g[4], 0.522499, 1e-6);

  // 7.1.4 at (-1, 0.5, 0.5): half way between the planes z = 0 and z = 1 (sqrt(1/2) each).
  // Mid plane: rows y = 0 (Lss at x = -1) and y = 1 (L), half way: sqrt(1/2) each, so
  // L = Lss = 1/2. Upper plane: rows y = -1 (Ltr) and y = 1 (Ltf), (0.5 + 1)/2 = 0.75 of the way:
  // Ltf = sqrt(1/2) sin(67.5 deg) = 0.653281, Ltr = sqrt(1/2) cos(67.5 deg) = 0.270598.
  const Layout& l714 = *findLayout("7.1.4");
  g = point(AllocentricPanner(l714), {-1, 0.5, 0.5});
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "M+030"))], 0.5, 1e-15);
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "M+090"))], 0.5, 1e-15);
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "U+045"))], 0.653281, 1e-6);
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "U+135"))], 0.270598, 1e-6);
  EXPECT_NEAR(power(g), 1.0, 1e-14);

  // 2.0 has one row: y and z do not matter; x = 0.5 is 0.75 of the way from L to R:
  // L = cos(67.5 deg) = 0.382683, R = sin(67.5 deg) = 0.923880. Behind, centred: L = R.
  AllocentricPanner p20(*findLayout("2.0"));
  g = point(p20, {0.5, 0.3, 0.7});
  EXPECT_NEAR(g[0], 0.382683, 1e-6);
  EXPECT_NEAR(g[1], 0.923880, 1e-6);
  g = point(p20, {0, -1, 0});
  EXPECT_NEAR(g[0], kHalf, 1e-15);
  EXPECT_NEAR(g[1], kHalf, 1e-15);
  // Outside the room: clipped to it ((2, 0, 0) is (1, 0, 0): R alone).
  EXPECT_EQ(point(p20, {2, 0, 0}), (std::vector<double>{0, 1}));
}

TEST(AllocentricPanner, PowerIsOneEverywhereAndLfeNeverSounds) {
  for (const std::string& name : kAllocentricLayouts) {
    const Layout& l = *findLayout(name);
    AllocentricPanner p(l);
    for (double x = -1; x <= 1.001; x += 0.25) {
      for (double y = -1; y <= 1.001; y += 0.25) {
        for (double z = -1; z <= 1.001; z += 0.5) {
          for (bool sized : {false, true}) {
            const std::vector<double> g =
                sized ? extent(p, {x, y, z}, 0.3, 0.1, 0.2) : point(p, {x, y, z});
            EXPECT_NEAR(power(g), 1.0, 1e-12) << name << " " << x << " " << y << " " << z;
            for (int c = 0; c < l.numChannels(); ++c) {
              EXPECT_GE(g[static_cast<std::size_t>(c)], 0.0);
              if (l.speakers[static_cast<std::size_t>(c)].lfe) {
                EXPECT_EQ(g[static_cast<std::size_t>(c)], 0.0);
              }
            }
          }
        }
      }
    }
  }
}

// The extent for 5.1 (one plane: z's virtual sources span 0..1 in 20 steps, dim 2), recomputed
// here from BS.2127's formulas with the per-axis point gains read off the point panner (a
// loudspeaker's x gain at x_k is its point gain at (x_k, its row's y); its y gain at y_k its
// point gain at (its x, y_k)), and in a loop shaped unlike the panner's.
std::vector<double> extent51ByHand(Vec3 o, double width, double height, double depth) {
  const Layout& l = *findLayout("5.1");
  AllocentricPanner p(l);
  const std::vector<Vec3> pos = allocentricPositions(l);
  auto scale = [](double v) {  // 0, .2, .5, .75, 1 -> 0, .3, 1, 1.8, 2.8
    v = std::min(v, 1.0);
    if (v <= 0.2) return v * 1.5;
    if (v <= 0.5) return 0.3 + (v - 0.2) * 0.7 / 0.3;
    if (v <= 0.75) return 1.0 + (v - 0.5) * 0.8 / 0.25;
    return 1.8 + (v - 0.75) * 4.0;
  };
  const double sx = std::max(scale(width), 2.0 / 39), sy = std::max(scale(height), 2.0 / 39),
               sz = std::max(scale(depth), 2.0 / 19);
  const double sEff = 0.75 * std::max(sx, sy) + 0.25 * std::min(sx, sy);  // one plane
  const double e = sEff <= 0.5 ? 6.0 : 6.0 - 4.0 * (sEff - 0.5) / 2.3;
  o.z = std::max(o.z, 0.0);
  auto w = [](double d, double s) {
    return std::pow(10.0, -std::min(std::pow(1.5 * d / s, 4), 6.5));
  };
  auto h = [](double s, double db) {
    if (db >= 2 * s && db >= 0.4) return std::cbrt(std::pow(std::max(2 * s, 0.4), 3) / (0.32 * s));
    return std::cbrt(db * db * db / 0.32);
  };
  const double db = std::min({o.x + 1, 1 - o.x, o.y + 1, 1 - o.y});
  const double mu = std::pow(h(sx, db) * h(sy, db), 1.5);
  std::vector<double> fx(6, 0.0), fy(6, 0.0), fz(6, 0.0), bx(6, 0.0), by(6, 0.0), bz(6, 0.0);
  for (int c : {0, 1, 2, 4, 5}) {
    const Vec3 q = pos[static_cast<std::size_t>(c)];
    for (int k = 0; k < 40; ++k) {
      const double xk = -1 + 2.0 * k / 39, yk = -1 + 2.0 * k / 39;
      const double gx = point(p, {xk, q.y, 0})[static_cast<std::size_t>(c)] * w(xk - o.x, 2 * sx);
      const double gy = point(p, {q.x, yk, 0})[static_cast<std::size_t>(c)] * w(yk - o.y, 2 * sy);
      fx[c] += std::pow(gx, e);
      fy[c] += std::pow(gy, e);
      if (k == 0 || k == 39) bx[c] += std::pow(gx, e), by[c] += std::pow(gy, e);
    }
    for (int k = 0; k < 20; ++k) {  // every loudspeaker is in the one plane: its z gain is 1
      const double zk = k / 19.0;
      const double gz = w(zk - o.z, sz) * std::cos(zk * kPi * 3 / 7);
      fz[c] += std::pow(gz, e);
      if (k == 0 || k == 19) bz[c] += std::pow(gz, e);
    }
  }
  // Sums under -130 dB are 0 (without that floor, the 1/p-th root below would lift a loudspeaker
  // the object does not reach, e.g. 1e-11 -> 0.015).
  for (std::vector<double>* f : {&fx, &fy, &fz}) {
    for (double& v : *f) v = v < std::pow(10.0, -6.5) ? 0.0 : v;
  }
  std::vector<double> in(6, 0.0), size(6, 0.0), pt = point(p, o), out(6, 0.0);
  for (int c = 0; c < 6; ++c) in[c] = fx[c] * fy[c] * fz[c];
  const double inNorm = std::sqrt(power(in));
  for (int c = 0; c < 6; ++c) {
    const double bound = bx[c] * fy[c] * fz[c] + fx[c] * by[c] * fz[c] + fx[c] * fy[c] * bz[c];
    size[c] = c == 3 ? 0.0 : std::pow(bound + mu * in[c] / inNorm, 1 / e);
  }
  const double sizeNorm = std::sqrt(power(size));
  const double a = sEff < 0.2 ? std::cos(sEff * kPi / 0.4) : 0.0,
               b = sEff < 0.2 ? std::sin(sEff * kPi / 0.4) : 1.0;
  for (int c = 0; c < 6; ++c) out[c] = a * pt[c] + b * size[c] / sizeNorm;
  const double n = std::sqrt(power(out));
  for (double& x : out) x /= n;
  return out;
}

TEST(AllocentricPanner, ExtentFollowsBs2127sFormulas) {
  AllocentricPanner p51(*findLayout("5.1"));
  struct Case {
    Vec3 at;
    double w, h, d;
  };
  for (const Case& c : {Case{{0, 1, 0}, 0.1, 0.0, 0.0}, Case{{-0.4, 0.6, 0}, 0.3, 0.2, 0.0},
                        Case{{0.2, -0.5, 0.3}, 0.6, 0.6, 0.5}, Case{{0, 0, 0}, 1, 1, 1},
                        Case{{1, -1, 0}, 0.8, 0.05, 0.0}}) {
    const std::vector<double> g = extent(p51, c.at, c.w, c.h, c.d);
    const std::vector<double> want = extent51ByHand(c.at, c.w, c.h, c.d);
    for (int k = 0; k < 6; ++k) {
      EXPECT_NEAR(g[static_cast<std::size_t>(k)], want[static_cast<std::size_t>(k)], 1e-12)
          << c.at.x << " " << c.at.y << " " << c.w << " channel " << k;
    }
  }
}

TEST(AllocentricPanner, ExtentSpreadsSymmetricallyAndGrowsWithSize) {
  const Layout& l = *findLayout("7.1.4");
  AllocentricPanner p(l);
  const int L = channel(l, "M+030"), R = channel(l, "M-030"), C = channel(l, "M+000");
  // A small size at C stays mostly on C; a whole-room size at the centre reaches every
  // loudspeaker, mirrored left/right.
  double prev = 1.0;
  for (double s : {0.05, 0.2, 0.4, 0.7, 1.0}) {
    const std::vector<double> g = extent(p, {0, 1, 0}, s, s, s);
    EXPECT_LT(g[static_cast<std::size_t>(C)], prev) << s;
    prev = g[static_cast<std::size_t>(C)];
    EXPECT_NEAR(g[static_cast<std::size_t>(L)], g[static_cast<std::size_t>(R)], 1e-12);
  }
  EXPECT_GT(extent(p, {0, 1, 0}, 0.05, 0.05, 0.05)[static_cast<std::size_t>(C)], 0.9);
  const std::vector<double> room = extent(p, {0, 0, 0}, 1, 1, 1);
  for (int c = 0; c < l.numChannels(); ++c) {
    if (l.speakers[static_cast<std::size_t>(c)].lfe) continue;
    EXPECT_GT(room[static_cast<std::size_t>(c)], 0.1)
        << l.speakers[static_cast<std::size_t>(c)].label;
  }
  // Mirror: x -> -x swaps each left loudspeaker with its right twin.
  const std::vector<double> a = extent(p, {-0.3, 0.4, 0.2}, 0.3, 0.5, 0.1),
                            b = extent(p, {0.3, 0.4, 0.2}, 0.3, 0.5, 0.1);
  for (const auto& [left, right] :
       {std::pair{"M+030", "M-030"}, std::pair{"M+090", "M-090"}, std::pair{"M+135", "M-135"},
        std::pair{"U+045", "U-045"}, std::pair{"U+135", "U-135"}}) {
    EXPECT_NEAR(a[static_cast<std::size_t>(channel(l, left))],
                b[static_cast<std::size_t>(channel(l, right))], 1e-12);
  }
  EXPECT_NEAR(a[static_cast<std::size_t>(C)], b[static_cast<std::size_t>(C)], 1e-12);
  // Zero size is the point panner.
  EXPECT_EQ(objectGains(p, {-0.3, 0.4, 0.2}, {}), point(p, {-0.3, 0.4, 0.2}));
}

TEST(AllocentricPanner, ChannelLockUsesTheWeightedDistance) {
  const Layout& l = *findLayout("7.1.4");
  AllocentricPanner p(l);
  AllocentricShape lock;
  lock.channelLock = true;
  // (0, 0.1, 0): weighted (x 1/16, y 4, z 32 on the squared differences) Lss and Rss are
  // sqrt(1/16 + 4 * 0.01) = 0.320 away, C sqrt(4 * 0.81) = 1.8: the side pair ties, and the
  // priority (|elevation|, elevation, |azimuth|, azimuth) takes azimuth -90 first: Rss.
  // Unweighted C (0.9) would be nearer than either (1.005).
  std::vector<double> g = objectGains(p, {0, 0.1, 0}, lock);
  EXPECT_EQ(g[static_cast<std::size_t>(channel(l, "M-090"))], 1.0);
  EXPECT_NEAR(power(g), 1.0, 0.0);
  // (-0.2, 0.7, 0): C sqrt(0.04/16 + 4 * 0.09) = 0.602, L sqrt(0.64/16 + 4 * 0.09) = 0.632: C.
  g = objectGains(p, {-0.2, 0.7, 0}, lock);
  EXPECT_EQ(g[static_cast<std::size_t>(channel(l, "M+000"))], 1.0);
  // maxDistance (unweighted): C is 0.361 away; 0.3 locks to nothing, the point panner applies.
  lock.channelLockMaxDistance = 0.3;
  EXPECT_EQ(objectGains(p, {-0.2, 0.7, 0}, lock), point(p, {-0.2, 0.7, 0}));
  lock.channelLockMaxDistance = 0.4;
  EXPECT_EQ(objectGains(p, {-0.2, 0.7, 0}, lock)[static_cast<std::size_t>(channel(l, "M+000"))],
            1.0);
}

TEST(AllocentricPanner, ExcludedLoudspeakersLeaveTheLayout) {
  const Layout& l51 = *findLayout("5.1");
  AllocentricPanner p51(l51);
  std::vector<bool> noC(6, false);
  noC[2] = true;
  // 5.1 without C: the front row is L and R; (0, 1, 0) is half way: sqrt(1/2) each.
  std::vector<double> g = objectGains(p51, {0, 1, 0}, {}, noC);
  EXPECT_NEAR(g[0], kHalf, 1e-15);
  EXPECT_NEAR(g[1], kHalf, 1e-15);
  EXPECT_EQ(g[2], 0.0);
  // 7.1.4 without Lss: a side loudspeaker takes its row with it (Rss too), so (1, 0, 0) is half
  // way between the rows y = -1 (Rrs) and y = 1 (R).
  const Layout& l714 = *findLayout("7.1.4");
  AllocentricPanner p714(l714);
  std::vector<bool> noLss(12, false);
  noLss[static_cast<std::size_t>(channel(l714, "M+090"))] = true;
  const std::vector<bool> widened = p714.widenExclusion(noLss);
  EXPECT_TRUE(widened[static_cast<std::size_t>(channel(l714, "M-090"))]);
  EXPECT_FALSE(widened[static_cast<std::size_t>(channel(l714, "M-030"))]);
  g = objectGains(p714, {1, 0, 0}, {}, noLss);
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "M-030"))], kHalf, 1e-15);
  EXPECT_NEAR(g[static_cast<std::size_t>(channel(l714, "M-135"))], kHalf, 1e-15);
  EXPECT_EQ(g[static_cast<std::size_t>(channel(l714, "M-090"))], 0.0);
  // Everything excluded: nothing is.
  EXPECT_EQ(objectGains(p51, {0, 1, 0}, {}, std::vector<bool>(6, true)), point(p51, {0, 1, 0}));
}

TEST(AllocentricPanner, DivergenceCopiesAlongX) {
  const Layout& l = *findLayout("5.1");
  AllocentricPanner p(l);
  AllocentricShape div;
  div.divergence = 1.0;
  div.positionRange = 1.0;
  // v = 1: only the copies, at x = -1 (L) and x = 1 (R), power 1/2 each.
  std::vector<double> g = objectGains(p, {0, 1, 0}, div);
  EXPECT_NEAR(g[0], kHalf, 1e-15);
  EXPECT_NEAR(g[1], kHalf, 1e-15);
  EXPECT_EQ(g[2], 0.0);
  // v = 1/2: three equal powers: L = C = R = sqrt(1/3).
  div.divergence = 0.5;
  g = objectGains(p, {0, 1, 0}, div);
  for (int c : {0, 1, 2}) EXPECT_NEAR(g[static_cast<std::size_t>(c)], std::sqrt(1.0 / 3), 1e-15);
  // positionRange 0 (ADM's default): the object stays whole.
  div.positionRange = 0.0;
  EXPECT_EQ(objectGains(p, {0, 1, 0}, div), point(p, {0, 1, 0}));
}

// Cases from the reference renderer's recorded gain-calculator outputs (EBU ADM Renderer 2.1,
// ear/core/objectbased/test/data/gain_calc_pvs, layout 4+5+0 = vkmix's 5.1.4, Cartesian blocks):
// a sized object at the origin, divergence along x, an extent with a zone excluding the right
// half, and one with lock, a zone excluding the upper layer, divergence and extent together.
// All 103 Cartesian cases of that file without screen features agree to 2.2e-16 (checked when
// this panner was written); these four stay as a regression check.
TEST(AllocentricPanner, MatchesTheReferenceRenderersRecordedGains) {
  ObjectPanner op(*findLayout("5.1.4"));  // L R C LFE Ls Rs Ltf Rtf Ltr Rtr
  struct Case {
    Vec3 at;
    double width, height, depth, divergence, positionRange;
    std::optional<double> lock;
    std::vector<ExclusionZone> zones;
    std::vector<double> want;
  };
  ExclusionZone right, upper;
  right.minX = 0.0;
  upper.minZ = 0.5;
  const std::vector<Case> cases = {
      {{0, 0, 0},
       0.18926870276140462,
       1.6220302149324866,
       1.6616303946733904,
       0,
       0,
       {},
       {},
       {0.11537083911680086, 0.11537083911680085, 0.6396702435705145, 0, 0.46490358797478165,
        0.46490358797478154, 0.18161114106089304, 0.18161114106089304, 0.18161114106089304,
        0.18161114106089304}},
      {{0.7690642234733184, -1.0, -0.17582893752717074},
       0,
       0,
       0,
       0.7928801828201971,
       0.5904579467676071,
       {},
       {},
       {0, 0, 0, 0, 0.40454023542745293, 0.9145202009361526, 0, 0, 0, 0}},
      {{-0.8006697767141299, 1.0, 0.9553650962502936},
       0.455551633885555,
       0.961211036188891,
       0.6245804042919809,
       0.0293078074568639,
       0.16037673367768512,
       {},
       {right},
       {0.5089074009427617, 0, 0, 0, 0.4352394598742275, 0, 0.5632345668481363, 0,
        0.48409368157564964, 0}},
      {{-0.5607536766298711, 0.7608487361803242, -0.4230129639726288},
       0.43418068310773994,
       1.2579286230855509,
       1.7110807711967635,
       0.22981191365057907,
       0.12327936187173383,
       1.7225679344136697,
       {upper},
       {0.6474515693827175, 0.010455310946780491, 0.37834277372983655, 0, 0.6322770957844611,
        0.19436967739244587, 0, 0, 0, 0}}};
  for (const Case& c : cases) {
    ObjectShape shape;
    shape.widthDeg = c.width;
    shape.heightDeg = c.height;
    shape.depth = c.depth;
    shape.divergence = c.divergence;
    shape.divergencePositionRange = c.positionRange;
    shape.channelLock = c.lock.has_value();
    shape.channelLockMaxDistance = c.lock;
    shape.zoneExclusion = c.zones;
    std::vector<double> g(10);
    op.gains(cartesianToPolar(c.at.x, c.at.y, c.at.z), c.at, shape, g);
    for (std::size_t k = 0; k < 10; ++k) EXPECT_NEAR(g[k], c.want[k], 1e-12) << c.at.x << " " << k;
  }
}

// Which size runs along which axis. BS.2076-2's Table 16 (as the reference renderer's
// conversion module reads it: ear/core/objectbased/conversion.py, extent_polar_to_cart /
// extent_cart_to_polar) names width the X size, depth the Y size and height the Z size; but the
// reference renderer's gain calculator (ear/core/objectbased/gain_calc.py, GainCalc.render ->
// allocentric_extent_pan(..., width, height, depth) -> allo_extent.get_gains(channel_positions,
// position, size_x, size_y, size_z)) pans width along x, height along y and depth along z, and
// its recorded outputs are made that way. vkmix follows the renderer. Line 652 of
// ear/core/objectbased/test/data/gain_calc_pvs/{inputs,outputs}.jsonl (4+5+0, no other
// feature) has height and depth apart: it matches with height as the y size, and not with the
// two swapped.
TEST(AllocentricPanner, SizesRunAlongTheAxesTheReferenceRendererPansThem) {
  AllocentricPanner p(*findLayout("5.1.4"));  // L R C LFE Ls Rs Ltf Rtf Ltr Rtr
  const Vec3 at{0.8743924628976902, 0.45709657995917263, 0.6484000966340266};
  const double width = 0.2832152995590649, height = 0.6586838905749162, depth = 0.456274367117123;
  const std::vector<double> want = {
      1.6168931600147455e-07, 0.5521841907607443, 0.22848934248654545, 0.0,
      0.06562502157584399,    0.4363548300768824, 0.11288580042192492, 0.5190280547531557,
      0.06136122766107962,    0.40283313274589105};
  AllocentricShape shape;
  shape.width = width;
  shape.height = height;
  shape.depth = depth;
  const std::vector<double> g = objectGains(p, at, shape);
  for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(g[k], want[k], 1e-12) << k;
  std::swap(shape.height, shape.depth);
  const std::vector<double> swapped = objectGains(p, at, shape);
  double worst = 0.0;
  for (std::size_t k = 0; k < want.size(); ++k)
    worst = std::max(worst, std::abs(swapped[k] - want[k]));
  EXPECT_GT(worst, 1e-2) << "height and depth swapped would not match the reference";
}

// Through ObjectPanner: a Cartesian object goes to the allocentric panner where the layout has
// one, its polar mapping to the polar path elsewhere; polar objects are untouched.
TEST(AllocentricPanner, ObjectPannerChoosesThePathByLayout) {
  const Layout& l51 = *findLayout("5.1");
  ObjectPanner op(l51);
  std::vector<double> g(6), polar(6);
  // (-1, 0.5, 0): allocentric, 0.75 of the way from the back row (Ls) to the front row (L):
  // L = sin(67.5 deg), Ls = cos(67.5 deg). Its polar mapping (azimuth 63.4) pans L/Ls otherwise.
  op.gains(cartesianToPolar(-1, 0.5, 0), Vec3{-1, 0.5, 0}, {}, g);
  EXPECT_NEAR(g[0], std::sin(0.75 * kPi / 2), 1e-15);
  EXPECT_NEAR(g[4], std::cos(0.75 * kPi / 2), 1e-15);
  op.gains(cartesianToPolar(-1, 0.5, 0), std::nullopt, {}, polar);
  std::vector<double> direct(6);
  op.gains(cartesianToPolar(-1, 0.5, 0), {}, direct);
  EXPECT_EQ(polar, direct);
  EXPECT_GT(std::abs(polar[0] - g[0]), 0.01);
  // 9.1.6: no allocentric positions, BS.2127 §10's polar position. (-1, 0.5) lies between the
  // cube's corners (-1, -1) (M+110) and (-1, 1) (M+030): (-1, 0.5) = 0.25 (-1, -1) + 0.75 (-1, 1),
  // so distance 0.25 + 0.75 = 1 and the pan position 0.75 towards M+030; that pan position's
  // gains cos/sin 67.5 deg, as a tangent law between 110 and 30 (centre 70, half-angle 40):
  // azimuth = 70 + atan(2 (sin 67.5 / (sin 67.5 + cos 67.5) - 1/2) tan(-40 deg)) = 50.84 deg,
  // not the geometric 63.4.
  const Layout& l916 = *findLayout("9.1.6");
  ObjectPanner op916(l916);
  std::vector<double> a(16), b(16);
  op916.gains(cartesianToPolar(-1, 0.5, 0), Vec3{-1, 0.5, 0}, {}, a);
  const double s = std::sin(0.75 * kPi / 2), c = std::cos(0.75 * kPi / 2);
  const double az =
      70.0 + std::atan(2.0 * (s / (s + c) - 0.5) * std::tan(-40.0 * kPi / 180)) * 180.0 / kPi;
  EXPECT_NEAR(az, 50.84, 0.01);
  op916.gains(Polar{az, 0.0, 1.0}, {}, b);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-12) << k;
  op916.gains(cartesianToPolar(-1, 0.5, 0), {}, b);
  double differs = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) differs = std::max(differs, std::abs(a[k] - b[k]));
  EXPECT_GT(differs, 0.01) << "the geometric mapping is not BS.2127's";
  // zoneExclusion on a Cartesian object: a Cartesian zone around C (its nominal unit vector
  // (0, 1, 0)) removes C from the allocentric layout: L = R = sqrt(1/2).
  ObjectShape zone;
  ExclusionZone z;
  z.minX = -0.1;
  z.maxX = 0.1;
  zone.zoneExclusion = {z};
  op.gains(cartesianToPolar(0, 1, 0), Vec3{0, 1, 0}, zone, g);
  EXPECT_NEAR(g[0], kHalf, 1e-15);
  EXPECT_NEAR(g[1], kHalf, 1e-15);
  EXPECT_EQ(g[2], 0.0);
}

// BS.2127 §10's point mapping, Cartesian to polar: the cube's front centre and corners are the
// loudspeakers at 0, -30, -110, 110 and 30 degrees, at distance 1; elevation: atan(z / r) of 45
// degrees (the cube's upper corner) is 30, above that 30 + 60 (e - 45) / 45 at distance |z|.
TEST(CartesianToPolar, PointsMapAsBs2127Section10) {
  struct Case {
    Vec3 at;
    double az, el, d;
  };
  const double steep = 30.0 + 60.0 * (std::atan(2.0) * 180.0 / kPi - 45.0) / 45.0;
  for (const Case& k :
       {Case{{0, 1, 0}, 0, 0, 1}, Case{{1, 1, 0}, -30, 0, 1}, Case{{1, -1, 0}, -110, 0, 1},
        Case{{-1, -1, 0}, 110, 0, 1}, Case{{-1, 1, 0}, 30, 0, 1}, Case{{0, -1, 0}, -180, 0, 1},
        Case{{0, 0.5, 0}, 0, 0, 0.5}, Case{{-1, 1, 1}, 30, 30, 1}, Case{{0, 0.5, 1}, 0, steep, 1},
        Case{{0, 0, 0.5}, 0, 90, 0.5}, Case{{0, 0, -1}, 0, -90, 1}, Case{{0, 0, 0}, 0, 0, 0}}) {
    const Polar p = polarOfCartesianPoint(k.at);
    EXPECT_NEAR(p.azimuthDeg, k.az, 1e-9) << k.at.x << " " << k.at.y << " " << k.at.z;
    EXPECT_NEAR(p.elevationDeg, k.el, 1e-9) << k.at.x << " " << k.at.y << " " << k.at.z;
    EXPECT_NEAR(p.distance, k.d, 1e-12) << k.at.x << " " << k.at.y << " " << k.at.z;
  }
  // And back, over the room.
  for (double x = -1; x <= 1; x += 0.25) {
    for (double y = -1; y <= 1; y += 0.25) {
      for (double z = -1; z <= 1; z += 0.5) {
        if (x == 0 && y == 0) continue;
        const Vec3 back = cartesianOfPolarPoint(polarOfCartesianPoint({x, y, z}));
        EXPECT_NEAR(back.x, x, 1e-9);
        EXPECT_NEAR(back.y, y, 1e-9);
        EXPECT_NEAR(back.z, z, 1e-9);
      }
    }
  }
}

// §10's sizes: the X, Y, Z sizes seen along the object's own right, forward and up axes (each
// the length of the axis's components scaled by the sizes), then width = 2 asin(sx) raised by sx
// towards 2 acos(1 - 2 sy), height likewise from sz, depth = what of sy the width and height's
// own bulge (1 - cos(angle / 2)) / 2 leaves. At the front the axes are the room's.
TEST(CartesianToPolar, SizesConvertAsBs2127Section10) {
  const double deg = 180.0 / kPi;
  // X size 0.5 at the front: 2 asin(0.5) = 60 degrees wide (not 0.5).
  PolarExtent e = polarOfCartesianExtent({0, 1, 0}, 0.5, 0, 0);
  EXPECT_NEAR(e.widthDeg, 60.0, 1e-9);
  EXPECT_NEAR(e.heightDeg, 0.0, 1e-9);
  EXPECT_NEAR(e.depth, 0.0, 1e-12);
  // X size 1: 180; Z size 1: 180 high.
  EXPECT_NEAR(polarOfCartesianExtent({0, 1, 0}, 1, 0, 0).widthDeg, 180.0, 1e-9);
  EXPECT_NEAR(polarOfCartesianExtent({0, 1, 0}, 0, 0, 1).heightDeg, 180.0, 1e-9);
  // Y size 0.5 alone: depth 0.5, no width (sx = 0 adds nothing of 2 acos(0) = 180).
  e = polarOfCartesianExtent({0, 1, 0}, 0, 0.5, 0);
  EXPECT_NEAR(e.widthDeg, 0.0, 1e-9);
  EXPECT_NEAR(e.depth, 0.5, 1e-12);
  // X and Y 0.5: width 60 + 0.5 (180 - 60) = 120; depth 0.5 - (1 - cos 60) / 2 = 0.25.
  e = polarOfCartesianExtent({0, 1, 0}, 0.5, 0.5, 0);
  EXPECT_NEAR(e.widthDeg, 120.0, 1e-9);
  EXPECT_NEAR(e.heightDeg, 0.0, 1e-9);
  EXPECT_NEAR(e.depth, 0.25, 1e-12);
  // Sizes above 1 count as 1 (2 asin would have no value).
  EXPECT_NEAR(polarOfCartesianExtent({0, 1, 0}, 2, 0, 0).widthDeg, 180.0, 1e-9);
  // At the left wall (-1, 0, 0) §10 puts azimuth 70 (midway from 110 to 30): the object's right
  // axis is (sin 20, cos 20, 0) and its forward axis (-cos 20, sin 20, 0) in the room. X size 0.4:
  // sx = 0.4 sin 20, sy = 0.4 cos 20; width = 2 asin(sx) + sx (2 acos(1 - 2 sy) - 2 asin(sx)).
  e = polarOfCartesianExtent({-1, 0, 0}, 0.4, 0, 0);
  EXPECT_NEAR(e.position.azimuthDeg, 70.0, 1e-9);
  const double sx = 0.4 * std::sin(20 / deg), sy = 0.4 * std::cos(20 / deg);
  const double fromX = 2 * std::asin(sx) * deg, fromY = 2 * std::acos(1 - 2 * sy) * deg;
  const double width = fromX + sx * (fromY - fromX);
  EXPECT_NEAR(e.widthDeg, width, 1e-9);
  EXPECT_NEAR(e.heightDeg, 0.0, 1e-9);
  EXPECT_NEAR(e.depth, std::max(0.0, sy - (1 - std::cos(width / 2 / deg)) / 2), 1e-12);
  // Above: (0, 1, 1) is elevation 30, so its up axis leans back: (0, -sin 30, cos 30). Z size
  // 0.6: sz = 0.6 cos 30, sy = 0.6 sin 30.
  e = polarOfCartesianExtent({0, 1, 1}, 0, 0, 0.6);
  EXPECT_NEAR(e.position.elevationDeg, 30.0, 1e-9);
  const double sz = 0.6 * std::cos(30 / deg), sy2 = 0.6 * std::sin(30 / deg);
  const double fromZ = 2 * std::asin(sz) * deg, fromY2 = 2 * std::acos(1 - 2 * sy2) * deg;
  EXPECT_NEAR(e.heightDeg, fromZ + sz * std::max(fromY2 - fromZ, 0.0), 1e-9);
  // sx = 0, so the width is sx's 0 plus 0 of the rest.
  EXPECT_NEAR(e.widthDeg, 0.0, 1e-9);
}

// On a layout without allocentric positions the object panner pans a sized Cartesian object
// with §10's polar size: X size 0.5 at (0, 1, 0) in 9.1.6 is 60 degrees wide at azimuth 0; the
// size read as 0.5 degrees is near a point.
TEST(CartesianToPolar, ObjectPannerUsesTheConvertedSize) {
  ObjectPanner op(*findLayout("9.1.6"));
  std::vector<double> g(16), want(16), asDegrees(16);
  ObjectShape shape;
  shape.widthDeg = 0.5;  // ADM width: the X size
  op.gains(cartesianToPolar(0, 1, 0), Vec3{0, 1, 0}, shape, g);
  ObjectShape wide;
  wide.widthDeg = 60.0;
  op.gains(Polar{0, 0, 1}, wide, want);
  for (std::size_t k = 0; k < g.size(); ++k) EXPECT_NEAR(g[k], want[k], 1e-12) << k;
  op.gains(Polar{0, 0, 1}, shape, asDegrees);
  double differs = 0.0;
  for (std::size_t k = 0; k < g.size(); ++k)
    differs = std::max(differs, std::abs(g[k] - asDegrees[k]));
  EXPECT_GT(differs, 0.05);
  // ADM depth is the Y size and height the Z size: Z size 1 at the front is 180 degrees high.
  ObjectShape tall;
  tall.heightDeg = 1.0;
  op.gains(cartesianToPolar(0, 1, 0), Vec3{0, 1, 0}, tall, g);
  ObjectShape high;
  high.heightDeg = 180.0;
  op.gains(Polar{0, 0, 1}, high, want);
  for (std::size_t k = 0; k < g.size(); ++k) EXPECT_NEAR(g[k], want[k], 1e-12) << k;
}

}  // namespace
}  // namespace vkmix::layout
