// The feature reel's timeline (feature/timeline.hpp).
#include "feature/timeline.hpp"

#include <algorithm>
#include <random>

namespace vkmix::feature {
namespace {

const Scene& sceneAt(const std::vector<Scene>& scenes, double t) {
  for (const Scene& s : scenes) {
    if (t < s.endSeconds) return s;
  }
  return scenes.back();
}

// A clip of `media` on `span` (shortened to what the media holds), from a random offset, with
// fades of up to `fadeSeconds` that never overlap.
Clip clipOn(const Span& span, const Media& media, double fadeSeconds, Rng& rng) {
  Clip clip;
  clip.file = media.file;
  const double length = wholeMs(std::min(span.lengthSeconds, media.seconds));
  clip.startSeconds = span.startSeconds;
  clip.offsetSeconds = wholeMs(uniform(rng, 0.0, media.seconds - length));
  clip.lengthSeconds = length;
  clip.fadeInSeconds = wholeMs(std::min(fadeSeconds, length / 3));
  clip.fadeOutSeconds = wholeMs(std::min(fadeSeconds * 2, length / 3));
  clip.fadeOutShape = chance(rng, 0.5) ? FadeShape::EqualPower : FadeShape::Linear;
  clip.gainDb = std::round(uniform(rng, -6.0, 3.0));
  return clip;
}

// Any file of the pool long enough for the span; the longest one when none is.
const Media& mediaFor(const Span& span, const std::vector<Media>& pool, Rng& rng) {
  std::vector<const Media*> longEnough;
  for (const Media& m : pool) {
    if (m.seconds >= span.lengthSeconds) longEnough.push_back(&m);
  }
  if (longEnough.empty()) {
    return *std::max_element(pool.begin(), pool.end(),
                             [](const Media& a, const Media& b) { return a.seconds < b.seconds; });
  }
  return *longEnough[static_cast<std::size_t>(pick(rng, longEnough.size()))];
}

}  // namespace

std::vector<Scene> makeScenes(double reelSeconds, Rng& rng) {
  std::vector<Scene> scenes;
  for (double t = 0.0; t < reelSeconds;) {
    const double end = std::min(reelSeconds, wholeMs(t + uniform(rng, 20.0, 80.0)));
    const bool setPiece = scenes.size() % 4 == 1;
    scenes.push_back({t, end, setPiece ? uniform(rng, 0.8, 1.0) : uniform(rng, 0.0, 0.5)});
    t = end;
  }
  return scenes;
}

std::vector<Span> placeSpans(const Reel& reel, double shortest, double longest,
                             const SceneValue& busy, Rng& rng) {
  std::vector<Span> spans;
  double t = uniform(rng, 0.0, 2.0);
  while (t < reel.seconds) {
    const Scene& scene = sceneAt(reel.scenes, t);
    const double p = std::clamp(busy(scene), 0.001, 0.95);
    const double length = uniform(rng, shortest, longest);
    const double gap = std::exponential_distribution<double>(p / (length * (1.0 - p)))(rng);
    // A gap drawn in a quiet scene must not skip a busy one: it ends at the scene's end and
    // the next scene draws its own (the exponential has no memory, so the rates stay right).
    if (t + gap >= scene.endSeconds) {
      t = scene.endSeconds;
      continue;
    }
    t += gap;
    if (t + length > reel.seconds) break;
    spans.push_back({wholeMs(t), wholeMs(length)});
    t += length + 0.05;
  }
  return spans;
}

std::vector<Clip> clipsFrom(const std::vector<Span>& spans, const std::vector<Media>& pool,
                            double fadeSeconds, Rng& rng) {
  std::vector<Clip> clips;
  for (const Span& span : spans) {
    clips.push_back(clipOn(span, mediaFor(span, pool, rng), fadeSeconds, rng));
  }
  return clips;
}

std::vector<GainKey> sceneRides(const Reel& reel, const SceneValue& gainDb) {
  std::vector<GainKey> keys{{0.0, tenth(gainDb(reel.scenes.front()))}};
  for (std::size_t i = 1; i < reel.scenes.size(); ++i) {
    const double t = reel.scenes[i].startSeconds;
    keys.push_back({t, tenth(gainDb(reel.scenes[i - 1]))});
    keys.push_back({nearestMs(t + 1.0), tenth(gainDb(reel.scenes[i]))});
  }
  return keys;
}

std::vector<PositionKey> passBys(const std::vector<Clip>& clips, const Position& shape, Rng& rng) {
  std::vector<PositionKey> keys;
  for (const Clip& clip : clips) {
    Position from = shape, to = shape;
    from.azimuthDeg = tenth(uniform(rng, -180.0, 180.0));
    to.azimuthDeg = tenth(from.azimuthDeg + uniform(rng, -200.0, 200.0));
    from.elevationDeg = tenth(uniform(rng, 0.0, 45.0));
    to.elevationDeg = tenth(uniform(rng, 0.0, 45.0));
    keys.push_back({clip.startSeconds, from});
    keys.push_back({nearestMs(clip.startSeconds + *clip.lengthSeconds), to});
  }
  return keys;
}

}  // namespace vkmix::feature
