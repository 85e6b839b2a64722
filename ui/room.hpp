// The room as the inspector draws it: positions to room coordinates (x right, y front, z up; the
// loudspeaker sphere has radius 1) and room coordinates to pixels in the top and front views, and
// back again for dragging. Pure functions, so tests can predict where a dot must be drawn.
#pragma once

#include "layout/position.hpp"
#include "vkmix/session.hpp"

namespace vkmix::ui {

struct RoomPoint {
  double x = 0.0, y = 0.0, z = 0.0;
};

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  bool contains(float px, float py) const { return px >= x && py >= y && px < x + w && py < y + h; }
};

struct Pixel {
  float x = 0, y = 0;
};

// Top: seen from above, front up (x to the right, y up the screen). Front: seen from behind the
// listener looking forward (x to the right, z up the screen).
enum class View { Top, Front };

RoomPoint roomPoint(const layout::Polar& p);
// Listener at the rect's centre; the unit sphere's radius is 0.42 of the rect's smaller side.
float viewScale(const Rect& r);
Pixel toPixel(View v, const Rect& r, const RoomPoint& p);
// The room point under pixel (px, py): the view's two coordinates from the pixel, the third
// kept from `keep` (a drag in the top view keeps the height).
RoomPoint fromPixel(View v, const Rect& r, Pixel px, const RoomPoint& keep);

// `current` moved to room point `p`, in the form it was written: Cartesian stays Cartesian
// (clamped to -1..1), polar stays polar (azimuth, elevation; distance kept). Size is kept.
Position movedTo(const Position& current, const RoomPoint& p);

}  // namespace vkmix::ui
