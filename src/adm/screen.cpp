#include "adm/screen.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "layout/position.hpp"

namespace vkmix::adm {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

struct Vec {
  double x = 0.0, y = 0.0, z = 0.0;
  Vec operator+(const Vec& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec operator-(const Vec& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec operator*(double s) const { return {x * s, y * s, z * s}; }
};

// ADM polar to a direction vector: azimuth anticlockwise from the front, x to the right.
Vec cart(double azimuth, double elevation, double distance) {
  return {-std::sin(azimuth * kDeg) * std::cos(elevation * kDeg) * distance,
          std::cos(azimuth * kDeg) * std::cos(elevation * kDeg) * distance,
          std::sin(elevation * kDeg) * distance};
}
double azimuthOf(const Vec& v) { return -std::atan2(v.x, v.y) / kDeg; }
double elevationOf(const Vec& v) { return std::atan2(v.z, std::hypot(v.x, v.y)) / kDeg; }

// BS.2127's default screen: the reproduction screen vkmix renders for, and the reference screen
// of a programme that names none.
const ScreenEdges& defaultEdges() {
  static const ScreenEdges edges = *screenEdges(Screen{});
  return edges;
}

// Piecewise linear through (xs[i], ys[i]), xs ascending; constant beyond the ends.
double interpolate(double x, const std::array<double, 4>& xs, const std::array<double, 4>& ys) {
  if (x <= xs.front()) return ys.front();
  for (std::size_t i = 1; i < xs.size(); ++i) {
    if (x <= xs[i]) {
      const double span = xs[i] - xs[i - 1];
      return span <= 0.0 ? ys[i] : ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / span;
    }
  }
  return ys.back();
}

// An angle shifted by whole turns so that it is not below `from` and below from + 360.
double turnsFrom(double from, double angle) {
  return from + std::fmod(std::fmod(angle - from, 360.0) + 360.0, 360.0);
}

// BS.2127 §7.3.3: azimuth and elevation each mapped piecewise linearly, the reference screen's
// edges onto the reproduction screen's, ±180 and ±90 fixed.
void scaleAzEl(const ScreenEdges& from, const ScreenEdges& to, double& azimuth, double& elevation) {
  azimuth = interpolate(azimuth, {-180.0, from.rightAzimuth, from.leftAzimuth, 180.0},
                        {-180.0, to.rightAzimuth, to.leftAzimuth, 180.0});
  elevation = interpolate(elevation, {-90.0, from.bottomElevation, from.topElevation, 90.0},
                          {-90.0, to.bottomElevation, to.topElevation, 90.0});
}

// BS.2127 §7.3.4 on the default (reproduction) screen.
void lockToEdges(const BlockFormat& b, double& azimuth, double& elevation) {
  const ScreenEdges& e = defaultEdges();
  if (b.screenEdgeLockHorizontal == "left") azimuth = e.leftAzimuth;
  if (b.screenEdgeLockHorizontal == "right") azimuth = e.rightAzimuth;
  if (b.screenEdgeLockVertical == "top") elevation = e.topElevation;
  if (b.screenEdgeLockVertical == "bottom") elevation = e.bottomElevation;
}

// Zero or negative width, or a centre at the listener: every direction would map onto one
// azimuth, which is no scaling at all.
bool screenHasNoWidth(const Screen& s) {
  if (s.cartesian) return !(s.widthX > 0.0) || (s.x == 0.0 && s.y == 0.0 && s.z == 0.0);
  return !(s.widthAzimuth > 0.0) || !(s.distance > 0.0);
}

}  // namespace

std::optional<ScreenEdges> screenEdges(const Screen& s) {
  Vec centre, xAxis, zAxis;
  if (s.cartesian) {
    centre = {s.x, s.y, s.z};
    const double halfWidth = s.widthX / 2.0;
    xAxis = {halfWidth, 0.0, 0.0};
    zAxis = {0.0, 0.0, halfWidth / s.aspectRatio};
  } else {
    centre = cart(s.azimuth, s.elevation, s.distance);
    const double halfWidth = s.distance * std::tan(s.widthAzimuth / 2.0 * kDeg);
    xAxis = cart(s.azimuth - 90.0, 0.0, 1.0) * halfWidth;
    zAxis = cart(s.azimuth, s.elevation + 90.0, 1.0) * (halfWidth / s.aspectRatio);
  }
  if (screenHasNoWidth(s)) return std::nullopt;
  ScreenEdges e;
  e.leftAzimuth = azimuthOf(centre - xAxis);
  e.rightAzimuth = azimuthOf(centre + xAxis);
  // Edges the wrong way round, or more than half a turn apart (a Cartesian screen whose centre
  // is behind the listener: its x axis still points right, so its edges wrap through 180).
  if (e.rightAzimuth >= e.leftAzimuth || e.leftAzimuth - e.rightAzimuth >= 180.0)
    return std::nullopt;
  if (azimuthOf(centre - zAxis) - azimuthOf(centre + zAxis) > 1e-3) return std::nullopt;
  e.bottomElevation = elevationOf(centre - zAxis);
  e.topElevation = elevationOf(centre + zAxis);
  return e;
}

CartesianPoint cartesianOfPolarPoint(const PolarPoint& p) {
  const layout::Vec3 c = layout::cartesianOfPolarPoint({p.azimuth, p.elevation, p.distance});
  return {c.x, c.y, c.z};
}

PolarPoint polarOfCartesianPoint(const CartesianPoint& p) {
  const layout::Polar q = layout::polarOfCartesianPoint({p.x, p.y, p.z});
  return {q.azimuthDeg, q.elevationDeg, q.distance};
}

std::vector<BlockFormat> placedBlocks(const std::vector<BlockFormat>& blocks, const Object& object,
                                      const std::optional<Screen>& reference,
                                      const std::function<void(const std::string&)>& warn) {
  std::optional<ScreenEdges> from;
  if (reference) {
    from = screenEdges(*reference);
    if (!from)
      warn(std::string("audioProgrammeReferenceScreen: ") +
           (screenHasNoWidth(*reference)
                ? "the screen has no width (a width or distance of 0 or less)"
                : "the screen reaches behind or over the listener") +
           "; screenRef positions of audioObject " + object.id + " are not scaled");
  }
  const std::optional<PositionOffset>& offset = object.positionOffset;
  bool offsetMismatch = false;
  std::vector<BlockFormat> out = blocks;
  for (BlockFormat& b : out) {
    if (offset && offset->cartesian != b.cartesian) {
      offsetMismatch = true;
    } else if (offset && b.cartesian) {
      // BS.2127 (the reference's coordinate handling): Cartesian positions are clipped to the
      // cube after the offset.
      b.x = std::clamp(b.x + offset->x, -1.0, 1.0);
      b.y = std::clamp(b.y + offset->y, -1.0, 1.0);
      b.z = std::clamp(b.z + offset->z, -1.0, 1.0);
    } else if (offset) {
      b.azimuth += offset->azimuth;
      b.elevation += offset->elevation;
      b.distance += offset->distance;
      // Past a pole, or through the centre, the point is the one cart() of the sum gives.
      if (b.distance < 0.0) {
        b.distance = -b.distance;
        b.elevation = -b.elevation;
        b.azimuth += 180.0;
      }
      const double el = turnsFrom(-180.0, b.elevation);
      if (el > 90.0 || el < -90.0) {
        b.elevation = (el > 0.0 ? 180.0 : -180.0) - el;
        b.azimuth += 180.0;
      } else {
        b.elevation = el;
      }
    }
    const bool scale = b.screenRef && from.has_value();
    const bool lock = !b.screenEdgeLockHorizontal.empty() || !b.screenEdgeLockVertical.empty();
    if (!scale && !lock) continue;
    if (b.cartesian) {
      PolarPoint p = polarOfCartesianPoint({b.x, b.y, b.z});
      if (scale) scaleAzEl(*from, defaultEdges(), p.azimuth, p.elevation);
      lockToEdges(b, p.azimuth, p.elevation);
      const CartesianPoint c = cartesianOfPolarPoint(p);
      b.x = c.x;
      b.y = c.y;
      b.z = c.z;
    } else {
      // Scaled within -180..180 and shifted back by the turns taken off, so that a path that
      // crosses the back keeps going the way it went.
      const double wrapped = turnsFrom(-180.0, b.azimuth);
      const double turns = b.azimuth - wrapped;
      double az = wrapped;
      if (scale) scaleAzEl(*from, defaultEdges(), az, b.elevation);
      lockToEdges(b, az, b.elevation);
      b.azimuth = az + turns;
    }
  }
  if (offsetMismatch)
    warn("audioObject " + object.id + ": a " + (offset->cartesian ? "Cartesian" : "polar") +
         " positionOffset on " + (offset->cartesian ? "polar" : "Cartesian") +
         " blocks is not applied (BS.2127 adds an offset to positions of its kind)");
  return out;
}

ResolvedObject edgeLockedDirectSpeakers(const ResolvedObject& object,
                                        std::vector<ChannelFormat>& storage,
                                        const std::function<void(const std::string&)>& warn) {
  if (object.object->positionOffset)
    warn("audioObject " + object.object->id +
         ": positionOffset on DirectSpeakers is not applied (BS.2127's reference renderer "
         "refuses it)");
  auto locked = [](const BlockFormat& b) {
    return !b.screenEdgeLockHorizontal.empty() || !b.screenEdgeLockVertical.empty();
  };
  const bool any = std::any_of(object.channels.begin(), object.channels.end(), [&](const auto& c) {
    return std::any_of(c.format->blocks.begin(), c.format->blocks.end(), locked);
  });
  if (!any) return object;
  storage.clear();
  storage.reserve(object.channels.size());
  ResolvedObject out = object;
  for (ResolvedChannel& ch : out.channels) {
    ChannelFormat c = *ch.format;
    for (BlockFormat& b : c.blocks) {
      if (!locked(b)) continue;
      if (b.cartesian) {
        PolarPoint p = polarOfCartesianPoint({b.x, b.y, b.z});
        lockToEdges(b, p.azimuth, p.elevation);
        const CartesianPoint moved = cartesianOfPolarPoint(p);
        b.x = moved.x;
        b.y = moved.y;
        b.z = moved.z;
      } else {
        lockToEdges(b, b.azimuth, b.elevation);
      }
    }
    storage.push_back(std::move(c));
    ch.format = &storage.back();
  }
  return out;
}

}  // namespace vkmix::adm
