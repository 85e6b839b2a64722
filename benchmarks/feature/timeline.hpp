// The feature reel's timeline: scenes of changing density, where a sparse track's clips fall in
// them, and the automation that follows them (gain rides at scene changes, pass-bys per clip).
#pragma once

#include <functional>
#include <vector>

#include "feature/common.hpp"
#include "feature/media.hpp"
#include "vkmix/session.hpp"

namespace vkmix::feature {

// `action` runs from 0 (two people talking in a room) to 1 (a set piece).
struct Scene {
  double startSeconds = 0.0;
  double endSeconds = 0.0;
  double action = 0.0;
};

// Scenes of 20 to 80 s covering the reel; every fourth is a set piece (action 0.8-1, the others
// 0-0.5), so that even a short reel has a busiest moment well above its average.
std::vector<Scene> makeScenes(double reelSeconds, Rng& rng);

struct Reel {
  double seconds = 0.0;
  std::vector<Scene> scenes;
  MediaPools media;
};

using SceneValue = std::function<double(const Scene&)>;

struct Span {
  double startSeconds = 0.0;
  double lengthSeconds = 0.0;
};

// Where one sparse track plays: gaps drawn so that on average the track sounds for `busy(scene)`
// of each scene's time, lengths uniform in [shortest, longest], 50 ms apart at least (so that a
// moving object's keys at clip edges stay in time order).
std::vector<Span> placeSpans(const Reel& reel, double shortest, double longest,
                             const SceneValue& busy, Rng& rng);

// One clip per span, each from a file of the pool long enough for it (shortened to the longest
// file when none is), from a random offset, with a clip gain and fades of up to `fadeSeconds` in
// and twice that out.
std::vector<Clip> clipsFrom(const std::vector<Span>& spans, const std::vector<Media>& pool,
                            double fadeSeconds, Rng& rng);

// Gain automation that changes at scene changes: from `gainDb(previous scene)` to
// `gainDb(scene)` over the first second of each scene.
std::vector<GainKey> sceneRides(const Reel& reel, const SceneValue& gainDb);

// A moving effect passes by during each of its clips, keys at the clip's edges; `shape` gives
// the object its extent.
std::vector<PositionKey> passBys(const std::vector<Clip>& clips, const Position& shape, Rng& rng);

}  // namespace vkmix::feature
