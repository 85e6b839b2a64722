// The feature reel's media and impulse responses, written once per reel folder: a few hundred
// short files (speech-like dialogue over room tone, Foley and effects as shaped noise, ambience and
// music beds) that many clips reuse, and the four reverb buses' IRs as decaying noise.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "feature/common.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace vkmix::feature {

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

// A built-in layout by name; throws std::runtime_error for an unknown one.
const Layout& namedLayout(const std::string& name);

// Writes DIR/media/: 24 dialogue takes of 8 s, 60 Foley sounds of 0.3-2 s, 180 effects of 1-8 s,
// 20 s stereo and 5.1 ambiences, 20 s stereo, 5.1 and 7.1 music. Mostly 16- and 24-bit WAV, a few
// FLAC.
MediaPools writeMediaPools(const std::filesystem::path& dir, Rng& rng);

// Writes DIR/irs/ and returns the buses: "dx room" (mono 1.5 s), "foley room" (stereo 2.5 s),
// "fx plate" (true stereo 3 s) and "hall" (7.1.4, one channel per speaker, 6 s).
std::vector<Reverb> writeReverbs(const std::filesystem::path& dir, Rng& rng);

}  // namespace vkmix::feature
