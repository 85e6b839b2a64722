// Writes a feature-shaped benchmark reel (issue 25) into DIR/session.json, DIR/media/ and DIR/irs/.
// Scenes of changing density (dialogue scenes, set pieces) decide how busy each group of tracks
// is: dialogue (8 of 12 tracks denoised), Foley and effects objects playing thousands of short
// clips from a few hundred short media files (most effects moving, some with extent), ambience and
// music beds, gain rides, sends to four reverb buses, dialogue/music/effects stems. The same seed
// writes the same reel. At the end it prints the reel's shape, voices sounding included.
//   vkmix_bench_feature DIR [--minutes 10] [--seed 25]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/writer.hpp"
#include "support/speech.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace {

namespace fs = std::filesystem;
using vkmix::io::OutputFormat;
using Rng = std::mt19937;

constexpr int kRate = 48000;
constexpr double kPi = 3.14159265358979323846;

double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
int pick(Rng& rng, std::size_t n) {
  return std::uniform_int_distribution<int>(0, static_cast<int>(n) - 1)(rng);
}
bool chance(Rng& rng, double p) { return uniform(rng, 0.0, 1.0) < p; }

// Times stay on whole milliseconds (whole frames at 48 kHz), so that an offset plus a length never
// reaches past the end of its media once the engine rounds them to frames.
double wholeMs(double seconds) { return std::floor(seconds * 1000.0) / 1000.0; }
double nearestMs(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }
// Angles and gains to a tenth, as a mixer would set them.
double tenth(double value) { return std::round(value * 10.0) / 10.0; }
std::size_t framesOf(double seconds) {
  return static_cast<std::size_t>(std::lround(seconds * kRate));
}

// ---- Media --------------------------------------------------------------------------------------

struct Media {
  std::string file;  // relative to the session's folder
  int channels = 1;
  double seconds = 0.0;
};

// Mono media for objects; bed media by bed layout name ("2.0", "5.1", "7.1").
struct MediaPools {
  std::vector<Media> dialogue, foley, effects;
  std::map<std::string, std::vector<Media>> ambience, music;
};

const vkmix::Layout& monoLayout() {
  static const vkmix::Layout mono{"1.0", "0+1+0", {vkmix::Speaker{"M+000", "C", 0, 0, false, 0x4}}};
  return mono;
}

// A true-stereo IR's four channels (LL LR RL RR) have no speakers; the WAV's channel mask is 0.
const vkmix::Layout& trueStereoLayout() {
  static const vkmix::Layout quad{"LL LR RL RR",
                                  "",
                                  {vkmix::Speaker{"M+030", "LL", 30, 0, false, 0},
                                   vkmix::Speaker{"M-030", "LR", -30, 0, false, 0},
                                   vkmix::Speaker{"M+110", "RL", 110, 0, false, 0},
                                   vkmix::Speaker{"M-110", "RR", -110, 0, false, 0}}};
  return quad;
}

const vkmix::Layout& namedLayout(const std::string& name) {
  const vkmix::Layout* layout = vkmix::findLayout(name);
  if (layout == nullptr) throw std::runtime_error("no built-in layout " + name);
  return *layout;
}

// Writes channel-major samples (channel c at c * frames) and says what was written.
Media writeMedia(const fs::path& dir, const std::string& file, const vkmix::Layout& layout,
                 const std::vector<float>& planar, OutputFormat format) {
  const auto channels = static_cast<std::size_t>(layout.numChannels());
  const auto frames = static_cast<std::int64_t>(planar.size() / channels);
  vkmix::io::AudioWriter writer(dir / file, layout, kRate, format);
  writer.write(planar, frames, frames);
  writer.finish();
  return {file, layout.numChannels(), static_cast<double>(frames) / kRate};
}

// White noise through a one-pole low-pass: `brightness` near 1 is white, near 0 a rumble.
std::vector<float> colouredNoise(std::size_t frames, double brightness, Rng& rng) {
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(frames);
  float lp = 0.0f;
  const auto a = static_cast<float>(brightness);
  for (float& v : x) {
    lp += a * (gauss(rng) - lp);
    v = lp;
  }
  return x;
}

// A location take: speech-like phrases over room tone 15 dB down, what the denoiser is there for.
std::vector<float> dialogueTake(std::size_t frames, std::uint32_t seed) {
  using vkmix::test::NoiseKind;
  const std::vector<float> speech = vkmix::test::speechLike(frames, kRate, seed);
  const std::vector<float> tone =
      vkmix::test::coloredNoise(NoiseKind::Pink, frames, kRate, seed + 1);
  return vkmix::test::mixAtSnr(speech, tone, 15.0);
}

// A step, hit or whoosh: coloured noise under an attack and an exponential decay, peaking near
// -12 dBFS.
std::vector<float> soundEffect(std::size_t frames, double attackSeconds, double decaySeconds,
                               Rng& rng) {
  std::vector<float> x = colouredNoise(frames, uniform(rng, 0.05, 0.9), rng);
  const double attackFrames = std::max(1.0, attackSeconds * kRate);
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i);
    const double rise = std::min(1.0, t / attackFrames);
    const double fall = std::exp(-std::max(0.0, t - attackFrames) / (decaySeconds * kRate));
    x[i] *= static_cast<float>(0.1 * rise * fall);
  }
  return x;
}

// An ambience: each channel its own noise, swelling slowly, near -30 dBFS.
std::vector<float> ambienceBed(std::size_t frames, int channels, Rng& rng) {
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    std::vector<float> x = colouredNoise(frames, uniform(rng, 0.02, 0.3), rng);
    const double swellHz = uniform(rng, 0.05, 0.3);
    for (std::size_t i = 0; i < frames; ++i) {
      const double swell = 0.7 + 0.3 * std::sin(2 * kPi * swellHz * static_cast<double>(i) / kRate);
      planar.push_back(static_cast<float>(0.03 * swell * x[i]));
    }
  }
  return planar;
}

// Music: a held chord, voiced differently on each channel, with a slow tremolo; the LFE channel
// (when the layout has one) carries only the root.
std::vector<float> musicBed(std::size_t frames, const vkmix::Layout& layout, Rng& rng) {
  const double root = uniform(rng, 55.0, 110.0);
  const double chord[] = {1.0, 1.26, 1.5, 2.0, 2.52, 3.0};
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(layout.numChannels()));
  for (const vkmix::Speaker& speaker : layout.speakers) {
    std::vector<double> partials{root};
    if (!speaker.lfe) {
      for (int k = 0; k < 3; ++k) partials.push_back(root * 2.0 * chord[pick(rng, 6)]);
    }
    const double tremoloHz = uniform(rng, 0.1, 0.5);
    for (std::size_t i = 0; i < frames; ++i) {
      const double t = static_cast<double>(i) / kRate;
      double v = 0.0;
      for (double f : partials) v += std::sin(2 * kPi * f * t);
      v *= 0.04 * (0.8 + 0.2 * std::sin(2 * kPi * tremoloHz * t));
      planar.push_back(static_cast<float>(v));
    }
  }
  return planar;
}

// Mostly 24- and 16-bit WAV; every `flacEvery`-th file FLAC (decoded through FFmpeg, not read
// straight from its data chunk as PCM WAV is).
OutputFormat formatFor(int index, int flacEvery, OutputFormat wav) {
  return flacEvery > 0 && index % flacEvery == flacEvery - 1 ? OutputFormat::Flac : wav;
}
std::string mediaName(const std::string& stem, int index, OutputFormat format) {
  char number[16];
  std::snprintf(number, sizeof number, "%03d", index);
  return "media/" + stem + number + (format == OutputFormat::Flac ? ".flac" : ".wav");
}

// A few hundred short files, reused by many clips: the pool does not grow with the reel.
MediaPools writeMediaPools(const fs::path& dir, Rng& rng) {
  MediaPools pools;
  for (int i = 0; i < 24; ++i) {
    const std::vector<float> take = dialogueTake(framesOf(8.0), 1000 + static_cast<unsigned>(i));
    pools.dialogue.push_back(writeMedia(dir, mediaName("dx", i, OutputFormat::Wav24), monoLayout(),
                                        take, OutputFormat::Wav24));
  }
  for (int i = 0; i < 60; ++i) {
    const double seconds = wholeMs(uniform(rng, 0.3, 2.0));
    const std::vector<float> x =
        soundEffect(framesOf(seconds), uniform(rng, 0.002, 0.01), uniform(rng, 0.05, 0.4), rng);
    pools.foley.push_back(writeMedia(dir, mediaName("foley", i, OutputFormat::Wav16), monoLayout(),
                                     x, OutputFormat::Wav16));
  }
  for (int i = 0; i < 180; ++i) {
    const double seconds =
        wholeMs(chance(rng, 0.7) ? uniform(rng, 1.0, 3.0) : uniform(rng, 3.0, 8.0));
    const std::vector<float> x =
        soundEffect(framesOf(seconds), uniform(rng, 0.005, 0.8), uniform(rng, 0.2, 3.0), rng);
    const OutputFormat format =
        formatFor(i, 15, i % 2 == 0 ? OutputFormat::Wav24 : OutputFormat::Wav16);
    pools.effects.push_back(writeMedia(dir, mediaName("fx", i, format), monoLayout(), x, format));
  }
  const std::pair<const char*, int> ambiences[] = {{"2.0", 6}, {"5.1", 3}};
  for (const auto& [bed, count] : ambiences) {
    const vkmix::Layout& layout = namedLayout(bed);
    for (int i = 0; i < count; ++i) {
      const std::vector<float> x = ambienceBed(framesOf(20.0), layout.numChannels(), rng);
      const OutputFormat format = formatFor(i, 2, OutputFormat::Wav16);
      pools.ambience[bed].push_back(
          writeMedia(dir, mediaName(std::string("bg") + bed + "_", i, format), layout, x, format));
    }
  }
  const std::pair<const char*, int> cues[] = {{"2.0", 2}, {"5.1", 3}, {"7.1", 2}};
  for (const auto& [bed, count] : cues) {
    const vkmix::Layout& layout = namedLayout(bed);
    for (int i = 0; i < count; ++i) {
      const std::vector<float> x = musicBed(framesOf(20.0), layout, rng);
      const OutputFormat format = formatFor(i, 3, OutputFormat::Wav16);
      pools.music[bed].push_back(
          writeMedia(dir, mediaName(std::string("mx") + bed + "_", i, format), layout, x, format));
    }
  }
  return pools;
}

// ---- Reverb buses -------------------------------------------------------------------------------

// Independent noise on each channel, falling 60 dB over the IR's length (an RT60 of its length),
// each channel of unit energy: a send's level is then the reverb's level, as with a real IR.
std::vector<float> decayingNoise(int channels, double seconds, Rng& rng) {
  const std::size_t frames = framesOf(seconds);
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    std::vector<double> h(frames);
    double energy = 0.0;
    const std::vector<float> x = colouredNoise(frames, 0.6, rng);
    for (std::size_t i = 0; i < frames; ++i) {
      h[i] = x[i] * std::exp(-6.9078 * static_cast<double>(i) / kRate / seconds);
      energy += h[i] * h[i];
    }
    for (double v : h) planar.push_back(static_cast<float>(v / std::sqrt(energy)));
  }
  return planar;
}

// The four buses: a dialogue room (mono 1.5 s), a Foley room (stereo 2.5 s), an effects plate
// (true stereo 3 s) and a hall with one channel per 7.1.4 speaker (6 s).
std::vector<vkmix::Reverb> writeReverbs(const fs::path& dir, Rng& rng) {
  struct Shape {
    const char* name;
    const vkmix::Layout& layout;
    double seconds;
    double predelayMs;
  };
  const Shape shapes[] = {{"dx room", monoLayout(), 1.5, 5},
                          {"foley room", namedLayout("2.0"), 2.5, 8},
                          {"fx plate", trueStereoLayout(), 3.0, 0},
                          {"hall", namedLayout("7.1.4"), 6.0, 20}};
  std::vector<vkmix::Reverb> reverbs;
  for (const Shape& s : shapes) {
    std::string file = std::string("irs/") + s.name + ".wav";
    std::replace(file.begin(), file.end(), ' ', '_');
    writeMedia(dir, file, s.layout, decayingNoise(s.layout.numChannels(), s.seconds, rng),
               OutputFormat::Wav24);
    vkmix::Reverb r;
    r.name = s.name;
    r.ir = file;
    r.predelayMs = s.predelayMs;
    reverbs.push_back(r);
  }
  return reverbs;
}

// ---- The reel's timeline ------------------------------------------------------------------------

// `action` runs from 0 (two people talking in a room) to 1 (a set piece).
struct Scene {
  double startSeconds = 0.0;
  double endSeconds = 0.0;
  double action = 0.0;
};

// Scenes of 20 to 80 s; every fourth is a set piece, so that even a short reel has a busiest
// moment well above its average.
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

const Scene& sceneAt(const std::vector<Scene>& scenes, double t) {
  for (const Scene& s : scenes) {
    if (t < s.endSeconds) return s;
  }
  return scenes.back();
}

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

// A clip of `media` on `span` (shortened to what the media holds), from a random offset, with
// fades of up to `fadeSeconds` that never overlap.
vkmix::Clip clipOn(const Span& span, const Media& media, double fadeSeconds, Rng& rng) {
  vkmix::Clip clip;
  clip.file = media.file;
  const double length = wholeMs(std::min(span.lengthSeconds, media.seconds));
  clip.startSeconds = span.startSeconds;
  clip.offsetSeconds = wholeMs(uniform(rng, 0.0, media.seconds - length));
  clip.lengthSeconds = length;
  clip.fadeInSeconds = wholeMs(std::min(fadeSeconds, length / 3));
  clip.fadeOutSeconds = wholeMs(std::min(fadeSeconds * 2, length / 3));
  clip.fadeOutShape = chance(rng, 0.5) ? vkmix::FadeShape::EqualPower : vkmix::FadeShape::Linear;
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

std::vector<vkmix::Clip> clipsFrom(const std::vector<Span>& spans, const std::vector<Media>& pool,
                                   double fadeSeconds, Rng& rng) {
  std::vector<vkmix::Clip> clips;
  for (const Span& span : spans) {
    clips.push_back(clipOn(span, mediaFor(span, pool, rng), fadeSeconds, rng));
  }
  return clips;
}

// Gain automation that changes at scene changes: from `gainDb(previous scene)` to
// `gainDb(scene)` over the first second of each scene.
std::vector<vkmix::GainKey> sceneRides(const Reel& reel, const SceneValue& gainDb) {
  std::vector<vkmix::GainKey> keys{{0.0, tenth(gainDb(reel.scenes.front()))}};
  for (std::size_t i = 1; i < reel.scenes.size(); ++i) {
    const double t = reel.scenes[i].startSeconds;
    keys.push_back({t, tenth(gainDb(reel.scenes[i - 1]))});
    keys.push_back({nearestMs(t + 1.0), tenth(gainDb(reel.scenes[i]))});
  }
  return keys;
}

// A moving effect passes by during each of its clips: from one side to the other, rising or
// falling, keys at the clip's edges; `shape` gives the object its extent.
std::vector<vkmix::PositionKey> passBys(const std::vector<vkmix::Clip>& clips,
                                        const vkmix::Position& shape, Rng& rng) {
  std::vector<vkmix::PositionKey> keys;
  for (const vkmix::Clip& clip : clips) {
    vkmix::Position from = shape, to = shape;
    from.azimuthDeg = tenth(uniform(rng, -180.0, 180.0));
    to.azimuthDeg = tenth(from.azimuthDeg + uniform(rng, -200.0, 200.0));
    from.elevationDeg = tenth(uniform(rng, 0.0, 45.0));
    to.elevationDeg = tenth(uniform(rng, 0.0, 45.0));
    keys.push_back({clip.startSeconds, from});
    keys.push_back({nearestMs(clip.startSeconds + *clip.lengthSeconds), to});
  }
  return keys;
}

vkmix::Position at(double azimuthDeg, double elevationDeg) {
  vkmix::Position p;
  p.azimuthDeg = tenth(azimuthDeg);
  p.elevationDeg = tenth(elevationDeg);
  return p;
}

std::string numbered(const char* name, int index) { return name + std::to_string(index + 1); }

// ---- Track groups -------------------------------------------------------------------------------

// Production dialogue (8 tracks, denoised, two of them with mains hum), ADR (3) and a loop group,
// near the screen. Lines of 1.5 to 6 s, dense in dialogue scenes, sparse in set pieces.
void addDialogue(vkmix::Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 12; ++i) {
    vkmix::Track t;
    const bool production = i < 8, adr = i >= 8 && i < 11;
    t.name = production ? numbered("DX ", i) : adr ? numbered("ADR ", i - 8) : "Group";
    t.stem = "dialogue";
    t.position = at(uniform(rng, -25.0, 25.0), 0.0);
    if (production) {
      t.denoise = vkmix::Denoise{};
      if (i >= 6) t.denoise->humHz = 50.0;
    }
    const double share = production ? 0.25 : adr ? 0.1 : 0.2;
    t.clips = clipsFrom(
        placeSpans(
            reel, 1.5, 6.0, [share](const Scene& s) { return share * (1.2 - s.action); }, rng),
        reel.media.dialogue, 0.02, rng);
    t.sends = {{"dx room", -14.0, false}};
    if (i % 3 == 0) t.sends.push_back({"hall", -26.0, false});
    if (i < 3) t.gainKeys = sceneRides(reel, [](const Scene& s) { return -2.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// Footsteps, cloth and props: short clips from the front half of the room, busier in action.
void addFoley(vkmix::Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 24; ++i) {
    vkmix::Track t;
    t.name = numbered("Foley ", i);
    t.stem = "effects";
    t.gainDb = -4.0;
    t.position = at(uniform(rng, -60.0, 60.0), 0.0);
    t.clips =
        clipsFrom(placeSpans(
                      reel, 0.3, 2.0, [](const Scene& s) { return 0.05 + 0.12 * s.action; }, rng),
                  reel.media.foley, 0.005, rng);
    t.sends = {{"foley room", -16.0, false}};
    session.tracks.push_back(std::move(t));
  }
}

// Hard effects: 0.5 to 8 s clips, sparse in dialogue scenes and dense in set pieces. Two
// in three move (a pass-by per clip); one in three has extent.
void addEffects(vkmix::Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 75; ++i) {
    vkmix::Track t;
    t.name = numbered("FX ", i);
    t.stem = "effects";
    t.gainDb = -6.0;
    t.clips = clipsFrom(
        placeSpans(
            reel, 0.5, 8.0, [](const Scene& s) { return 0.02 + 0.5 * s.action * s.action; }, rng),
        reel.media.effects, 0.01, rng);
    vkmix::Position shape = at(uniform(rng, -180.0, 180.0), uniform(rng, 0.0, 30.0));
    if (i % 3 == 2) {
      shape.widthDeg = std::round(uniform(rng, 20.0, 90.0));
      shape.heightDeg = std::round(uniform(rng, 0.0, 30.0));
    }
    t.position = shape;
    if (i % 3 != 0) t.positionKeys = passBys(t.clips, shape, rng);
    if (i % 2 == 0) t.sends.push_back({"fx plate", -12.0, false});
    if (i % 3 == 1) t.sends.push_back({"hall", -18.0, true});
    if (i % 10 == 0)
      t.gainKeys = sceneRides(reel, [](const Scene& s) { return -6.0 + 6.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// Beds of 8 to 20 s clips with long fades: stereo and 5.1 ambiences under most of the reel, some
// ridden down in set pieces.
void addAmbience(vkmix::Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 10; ++i) {
    vkmix::Track t;
    const std::string bed = i < 6 ? "2.0" : "5.1";
    t.name = numbered("BG ", i);
    t.stem = "effects";
    t.type = vkmix::TrackType::Bed;
    t.bedLayout = bed;
    t.gainDb = -8.0;
    t.clips = clipsFrom(placeSpans(
                            reel, 8.0, 20.0, [](const Scene&) { return 0.75; }, rng),
                        reel.media.ambience.at(bed), 2.0, rng);
    if (i % 3 == 0) t.sends.push_back({"hall", -24.0, false});
    if (i % 2 == 0) t.gainKeys = sceneRides(reel, [](const Scene& s) { return -6.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// Score in 5.1 and 7.1 cues and stereo source music, ducked under dialogue scenes, sent pre-fader
// to the hall.
void addMusic(vkmix::Session& session, const Reel& reel, Rng& rng) {
  const char* beds[] = {"5.1", "5.1", "5.1", "7.1", "7.1", "2.0"};
  for (int i = 0; i < 6; ++i) {
    vkmix::Track t;
    t.name = i < 5 ? numbered("Score ", i) : "Source music";
    t.stem = "music";
    t.type = vkmix::TrackType::Bed;
    t.bedLayout = beds[i];
    t.gainDb = -6.0;
    t.clips = clipsFrom(
        placeSpans(
            reel, 8.0, 20.0, [](const Scene& s) { return 0.1 + 0.6 * s.action * s.action; }, rng),
        reel.media.music.at(beds[i]), 2.0, rng);
    t.sends = {{"hall", -20.0, true}};
    t.gainKeys = sceneRides(reel, [](const Scene& s) { return -8.0 + 8.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// ---- The shape, measured from the session as written
// ----------------------------------------------

int voicesOf(const vkmix::Track& track) {
  return track.type == vkmix::TrackType::Bed ? namedLayout(track.bedLayout).numChannels() : 1;
}

struct Voices {
  double mean = 0.0;
  int peak = 0;
  double peakSeconds = 0.0;
};

// Voices sounding: each clip counts its channels from its start to its end. The mean is over the
// reel's length.
Voices measureVoices(const vkmix::Session& session, double reelSeconds) {
  std::vector<std::pair<double, int>> edges;  // (time, +voices at a start, -voices at an end)
  double voiceSeconds = 0.0;
  for (const vkmix::Track& track : session.tracks) {
    for (const vkmix::Clip& clip : track.clips) {
      const int n = voicesOf(track);
      edges.emplace_back(clip.startSeconds, n);
      edges.emplace_back(clip.startSeconds + *clip.lengthSeconds, -n);
      voiceSeconds += n * *clip.lengthSeconds;
    }
  }
  std::sort(edges.begin(), edges.end());  // an end before a start at the same time
  Voices v{voiceSeconds / reelSeconds, 0, 0.0};
  int sounding = 0;
  for (const auto& [t, change] : edges) {
    sounding += change;
    if (sounding > v.peak) v = {v.mean, sounding, t};
  }
  return v;
}

struct Folder {
  int files = 0;
  double megabytes = 0.0;
};

Folder measureFolder(const fs::path& dir) {
  Folder f;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    ++f.files;
    f.megabytes += static_cast<double>(e.file_size()) / 1e6;
  }
  return f;
}

void printShape(const vkmix::Session& session, const fs::path& dir, double reelSeconds) {
  int clips = 0, denoised = 0, moving = 0, extent = 0, beds = 0;
  std::map<std::string, int> tracksPerStem;
  for (const vkmix::Track& t : session.tracks) {
    clips += static_cast<int>(t.clips.size());
    ++tracksPerStem[t.stem];
    denoised += t.denoise ? 1 : 0;
    moving += t.positionKeys.empty() ? 0 : 1;
    extent += t.position.widthDeg > 0 ? 1 : 0;
    beds += t.type == vkmix::TrackType::Bed ? 1 : 0;
  }
  const Folder media = measureFolder(dir / "media"), irs = measureFolder(dir / "irs");
  const Voices voices = measureVoices(session, reelSeconds);
  std::printf("reel: %.1f min of timeline, %s\n", reelSeconds / 60.0,
              (dir / "session.json").string().c_str());
  std::printf(
      "tracks: %zu (dialogue %d, music %d, effects %d), %d beds, %d denoised, %d moving, %d with "
      "extent\n",
      session.tracks.size(), tracksPerStem["dialogue"], tracksPerStem["music"],
      tracksPerStem["effects"], beds, denoised, moving, extent);
  std::printf("clips: %d from %d media files (%.0f MB), reverb buses: %zu (IRs %.0f MB)\n", clips,
              media.files, media.megabytes, session.reverbs.size(), irs.megabytes);
  std::printf("voices sounding (clip channels): mean %.1f, peak %d at %.1f s\n", voices.mean,
              voices.peak, voices.peakSeconds);
}

}  // namespace

int main(int argc, char** argv) {
  // A first argument that looks like an option is not a directory.
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: vkmix_bench_feature DIR [--minutes 10] [--seed 25]\n");
    return 2;
  }
  const fs::path dir = argv[1];
  double minutes = 10.0;
  unsigned seed = 25;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--minutes") {
      minutes = std::atof(argv[i + 1]);
    } else if (key == "--seed") {
      seed = static_cast<unsigned>(std::atol(argv[i + 1]));
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (!(minutes > 0.0)) {
    std::fprintf(stderr, "--minutes must be positive\n");
    return 2;
  }
  try {
    fs::create_directories(dir / "media");
    fs::create_directories(dir / "irs");
    // Media and IRs draw from their own generator, so they stay the same for any reel length.
    Rng mediaRng(seed), rng(seed + 1);
    Reel reel;
    reel.seconds = minutes * 60.0;
    reel.media = writeMediaPools(dir, mediaRng);
    vkmix::Session session;
    session.reverbs = writeReverbs(dir, mediaRng);
    reel.scenes = makeScenes(reel.seconds, rng);
    addDialogue(session, reel, rng);
    addFoley(session, reel, rng);
    addEffects(session, reel, rng);
    addAmbience(session, reel, rng);
    addMusic(session, reel, rng);
    vkmix::saveSession(session, dir / "session.json");
    printShape(session, dir, reel.seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix_bench_feature: %s\n", e.what());
    return 1;
  }
  return 0;
}
