// Writes a feature-shaped benchmark reel (issue 25) into DIR/session.json, DIR/media/ and DIR/irs/.
// Scenes of changing density (dialogue scenes, set pieces; feature/timeline.hpp) decide how busy
// each group of tracks is: dialogue (8 of 12 tracks denoised), Foley and effects objects playing
// thousands of short clips from a few hundred short media files (feature/media.hpp; most effects
// moving, some with extent), ambience and music beds, gain rides, sends to four reverb buses,
// dialogue/music/effects stems. The same seed writes the same reel. At the end it prints the
// reel's shape, voices sounding included.
//   vkmix_bench_feature DIR [--minutes 10] [--seed 25]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "feature/common.hpp"
#include "feature/media.hpp"
#include "feature/timeline.hpp"
#include "vkmix/session.hpp"

namespace vkmix::feature {
namespace {

namespace fs = std::filesystem;

Position at(double azimuthDeg, double elevationDeg) {
  Position p;
  p.azimuthDeg = tenth(azimuthDeg);
  p.elevationDeg = tenth(elevationDeg);
  return p;
}

std::string numbered(const char* name, int index) { return name + std::to_string(index + 1); }

// Production dialogue (8 tracks, denoised, two of them with mains hum), ADR (3) and a loop group,
// near the screen. Lines of 1.5 to 6 s, dense in dialogue scenes, sparse in set pieces.
void addDialogue(Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 12; ++i) {
    Track t;
    const bool production = i < 8, adr = i >= 8 && i < 11;
    t.name = production ? numbered("DX ", i) : adr ? numbered("ADR ", i - 8) : "Group";
    t.stem = "dialogue";
    t.position = at(uniform(rng, -25.0, 25.0), 0.0);
    if (production) {
      t.denoise = Denoise{};
      if (i >= 6) t.denoise->humHz = 50.0;
    }
    const double share = production ? 0.25 : adr ? 0.1 : 0.2;
    const SceneValue busy = [share](const Scene& s) { return share * (1.2 - s.action); };
    t.clips = clipsFrom(placeSpans(reel, 1.5, 6.0, busy, rng), reel.media.dialogue, 0.02, rng);
    t.sends = {{"dx room", -14.0, false}};
    if (i % 3 == 0) t.sends.push_back({"hall", -26.0, false});
    if (i < 3) t.gainKeys = sceneRides(reel, [](const Scene& s) { return -2.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// Footsteps, cloth and props: short clips from the front half of the room, busier in action.
void addFoley(Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 24; ++i) {
    Track t;
    t.name = numbered("Foley ", i);
    t.stem = "effects";
    t.gainDb = -4.0;
    t.position = at(uniform(rng, -60.0, 60.0), 0.0);
    const SceneValue busy = [](const Scene& s) { return 0.05 + 0.12 * s.action; };
    t.clips = clipsFrom(placeSpans(reel, 0.3, 2.0, busy, rng), reel.media.foley, 0.005, rng);
    t.sends = {{"foley room", -16.0, false}};
    session.tracks.push_back(std::move(t));
  }
}

// Hard effects: 0.5 to 8 s clips, sparse in dialogue scenes and dense in set pieces. Two
// in three move (a pass-by per clip); one in three has extent.
void addEffects(Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 75; ++i) {
    Track t;
    t.name = numbered("FX ", i);
    t.stem = "effects";
    t.gainDb = -6.0;
    const SceneValue busy = [](const Scene& s) { return 0.02 + 0.5 * s.action * s.action; };
    t.clips = clipsFrom(placeSpans(reel, 0.5, 8.0, busy, rng), reel.media.effects, 0.01, rng);
    Position shape = at(uniform(rng, -180.0, 180.0), uniform(rng, 0.0, 30.0));
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
void addAmbience(Session& session, const Reel& reel, Rng& rng) {
  for (int i = 0; i < 10; ++i) {
    Track t;
    const std::string bed = i < 6 ? "2.0" : "5.1";
    t.name = numbered("BG ", i);
    t.stem = "effects";
    t.type = TrackType::Bed;
    t.bedLayout = bed;
    t.gainDb = -8.0;
    const SceneValue busy = [](const Scene&) { return 0.75; };
    t.clips =
        clipsFrom(placeSpans(reel, 8.0, 20.0, busy, rng), reel.media.ambience.at(bed), 2.0, rng);
    if (i % 3 == 0) t.sends.push_back({"hall", -24.0, false});
    if (i % 2 == 0) t.gainKeys = sceneRides(reel, [](const Scene& s) { return -6.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

// Score in 5.1 and 7.1 cues and stereo source music, ducked under dialogue scenes, sent pre-fader
// to the hall.
void addMusic(Session& session, const Reel& reel, Rng& rng) {
  const char* beds[] = {"5.1", "5.1", "5.1", "7.1", "7.1", "2.0"};
  for (int i = 0; i < 6; ++i) {
    Track t;
    t.name = i < 5 ? numbered("Score ", i) : "Source music";
    t.stem = "music";
    t.type = TrackType::Bed;
    t.bedLayout = beds[i];
    t.gainDb = -6.0;
    const SceneValue busy = [](const Scene& s) { return 0.1 + 0.6 * s.action * s.action; };
    t.clips =
        clipsFrom(placeSpans(reel, 8.0, 20.0, busy, rng), reel.media.music.at(beds[i]), 2.0, rng);
    t.sends = {{"hall", -20.0, true}};
    t.gainKeys = sceneRides(reel, [](const Scene& s) { return -8.0 + 8.0 * s.action; });
    session.tracks.push_back(std::move(t));
  }
}

int voicesOf(const Track& track) {
  return track.type == TrackType::Bed ? namedLayout(track.bedLayout).numChannels() : 1;
}

struct Voices {
  double mean = 0.0;
  int peak = 0;
  double peakSeconds = 0.0;
};

// Voices sounding: each clip counts its channels from its start to its end. The mean is over the
// reel's length.
Voices measureVoices(const Session& session, double reelSeconds) {
  std::vector<std::pair<double, int>> edges;  // (time, +voices at a start, -voices at an end)
  double voiceSeconds = 0.0;
  for (const Track& track : session.tracks) {
    for (const Clip& clip : track.clips) {
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

void printShape(const Session& session, const fs::path& dir, double reelSeconds) {
  int clips = 0, denoised = 0, moving = 0, extent = 0, beds = 0;
  std::map<std::string, int> tracksPerStem;
  for (const Track& t : session.tracks) {
    clips += static_cast<int>(t.clips.size());
    ++tracksPerStem[t.stem];
    denoised += t.denoise ? 1 : 0;
    moving += t.positionKeys.empty() ? 0 : 1;
    extent += t.position.widthDeg > 0 ? 1 : 0;
    beds += t.type == TrackType::Bed ? 1 : 0;
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

// Media and IRs draw from their own generator, so they stay the same for any reel length.
void writeReel(const fs::path& dir, double minutes, unsigned seed) {
  fs::create_directories(dir / "media");
  fs::create_directories(dir / "irs");
  Rng mediaRng(seed), rng(seed + 1);
  Reel reel;
  reel.seconds = minutes * 60.0;
  reel.media = writeMediaPools(dir, mediaRng);
  Session session;
  session.reverbs = writeReverbs(dir, mediaRng);
  reel.scenes = makeScenes(reel.seconds, rng);
  addDialogue(session, reel, rng);
  addFoley(session, reel, rng);
  addEffects(session, reel, rng);
  addAmbience(session, reel, rng);
  addMusic(session, reel, rng);
  saveSession(session, dir / "session.json");
  printShape(session, dir, reel.seconds);
}

}  // namespace
}  // namespace vkmix::feature

int main(int argc, char** argv) {
  // A first argument that looks like an option is not a directory.
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: vkmix_bench_feature DIR [--minutes 10] [--seed 25]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
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
    vkmix::feature::writeReel(dir, minutes, seed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix_bench_feature: %s\n", e.what());
    return 1;
  }
  return 0;
}
