// Object positions as BS.2127 places them before panning, for what an import can decide: the
// audioObject's positionOffset, screen scaling of screenRef objects from the programme's
// audioProgrammeReferenceScreen to the reproduction screen (§7.3.3), and screenEdgeLock (§7.3.4).
// vkmix renders for one reproduction screen, BS.2127's default (centre front at distance 1, 58°
// wide, aspect ratio 1.78), so all three are fixed at import and the keys carry the result.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adm/import.hpp"
#include "adm/model.hpp"

namespace vkmix::adm {

// The azimuths of a screen's left and right edges and the elevations of its bottom and top, as
// seen from the listener (degrees, ADM convention).
struct ScreenEdges {
  double leftAzimuth = 0.0, rightAzimuth = 0.0, bottomElevation = 0.0, topElevation = 0.0;
};

// nullopt when the screen is not one BS.2127 can scale with: it has no width (zero or negative,
// or its centre at the listener), it reaches behind the listener (its right edge left of its
// left one, or the edges half a turn or more apart) or over the head.
std::optional<ScreenEdges> screenEdges(const Screen& screen);

// BS.2127 §10's point mapping between Cartesian room coordinates (x right, y front, z up, the
// loudspeaker cube at ±1) and polar (azimuth, elevation, distance): speakers at 0, ±30 and ±110
// degrees sit at the cube's front centre and corners, elevation 30 (and 45 in the cube) is the
// upper layer (layout/position.hpp's, in the import's own types).
struct PolarPoint {
  double azimuth = 0.0, elevation = 0.0, distance = 0.0;
};
struct CartesianPoint {
  double x = 0.0, y = 0.0, z = 0.0;
};
PolarPoint polarOfCartesianPoint(const CartesianPoint& p);
CartesianPoint cartesianOfPolarPoint(const PolarPoint& p);

// The blocks of an Objects channel of `object` where BS.2127 renders them: each position plus
// the object's positionOffset (one of the other coordinate kind is not applied: warned),
// scaled from `reference` to the default screen where the block has screenRef (no reference:
// the default screen, so the identity), then moved to the default screen's edges its
// screenEdgeLock names. The blocks' other fields are kept.
std::vector<BlockFormat> placedBlocks(const std::vector<BlockFormat>& blocks, const Object& object,
                                      const std::optional<Screen>& reference,
                                      const std::function<void(const std::string&)>& warn);

// A DirectSpeakers object whose channels' blocks have screenEdgeLock, with those positions moved
// to the default screen's edges (BS.2127 §8: the locked position is where a channel that no
// loudspeaker label matches is placed, and what its bounds are checked against; a channel routed
// by its label is unaffected). The moved channel formats are kept in `storage`, which must
// outlive the result; without a lock `object` is returned as it is. A positionOffset on a
// DirectSpeakers object is not applied, as in BS.2127's reference renderer (warned).
ResolvedObject edgeLockedDirectSpeakers(const ResolvedObject& object,
                                        std::vector<ChannelFormat>& storage,
                                        const std::function<void(const std::string&)>& warn);

}  // namespace vkmix::adm
