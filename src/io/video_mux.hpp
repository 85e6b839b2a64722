// Muxing rendered audio into a picture file: every stream of the picture is copied packet for
// packet (no re-encode), and each rendered audio file is encoded into a new audio stream (PCM in
// MOV/Matroska, E-AC-3 or AAC where the container needs a codec) with title and language tags,
// the first one marked default. The audio starts at the picture's own start time, so frame 0 of
// the rendered audio plays with the picture's first frame. Written under a temporary name.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/writer.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::io {

struct MuxAudio {
  std::filesystem::path source;  // a rendered audio file at the session rate
  Layout layout;
  std::optional<OutputFormat> codec;  // Wav24 (PCM), Aac, Eac3; unset: PCM, or E-AC-3 in MP4
  std::string title;                  // "Mix 7.1.4", "Stem dialogue", "Downmix 2.0"
  std::string language;               // ISO 639-2, e.g. "eng"; "" for none
};

struct MuxSpec {
  std::filesystem::path picture;
  std::filesystem::path output;  // .mov, .mp4, .m4v or .mkv
  std::vector<MuxAudio> audio;
  std::int64_t skipFrames = 0;  // rendered frames before the picture's first frame
  int sampleRate = 48000;
  std::function<bool()> cancelled;
};

struct MuxReport {
  int copiedStreams = 0;
  int audioStreams = 0;
  std::vector<OutputFormat> audioCodecs;  // each new audio stream's, in MuxSpec::audio order
};

// Everything muxIntoVideo would refuse, checked without the audio (call it before rendering):
// InputError naming the picture (unreadable, no video) or the output (container unknown, a codec
// or channel count it cannot carry).
void checkMux(const MuxSpec& spec);

// The same errors, and IoError on write failures.
MuxReport muxIntoVideo(const MuxSpec& spec);

}  // namespace vkmix::io
