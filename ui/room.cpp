#include "ui/room.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vkmix::ui {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

}  // namespace

RoomPoint roomPoint(const layout::Polar& p) {
  const double az = p.azimuthDeg * kDeg, el = p.elevationDeg * kDeg;
  return {-std::sin(az) * std::cos(el) * p.distance, std::cos(az) * std::cos(el) * p.distance,
          std::sin(el) * p.distance};
}

float viewScale(const Rect& r) { return 0.42f * std::min(r.w, r.h); }

Pixel toPixel(View v, const Rect& r, const RoomPoint& p) {
  const float s = viewScale(r);
  const float cx = r.x + 0.5f * r.w, cy = r.y + 0.5f * r.h;
  const double vertical = v == View::Top ? p.y : p.z;
  return {cx + static_cast<float>(p.x) * s, cy - static_cast<float>(vertical) * s};
}

RoomPoint fromPixel(View v, const Rect& r, Pixel px, const RoomPoint& keep) {
  const float s = viewScale(r);
  const float cx = r.x + 0.5f * r.w, cy = r.y + 0.5f * r.h;
  RoomPoint p = keep;
  p.x = (px.x - cx) / s;
  (v == View::Top ? p.y : p.z) = (cy - px.y) / s;
  return p;
}

Position movedTo(const Position& current, const RoomPoint& p) {
  Position out = current;
  if (current.cartesian) {
    out.x = std::clamp(p.x, -1.0, 1.0);
    out.y = std::clamp(p.y, -1.0, 1.0);
    out.z = std::clamp(p.z, -1.0, 1.0);
    return out;
  }
  const double horizontal = std::hypot(p.x, p.y);
  out.azimuthDeg = horizontal > 1e-9 ? std::atan2(-p.x, p.y) / kDeg : current.azimuthDeg;
  out.elevationDeg = std::clamp(std::atan2(p.z, horizontal) / kDeg, -90.0, 90.0);
  return out;
}

}  // namespace vkmix::ui
