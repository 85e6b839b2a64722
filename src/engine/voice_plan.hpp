// From a session to voices: every clip channel that will sound becomes one PlannedVoice with its
// timeline position in frames, envelope, and either static speaker gains or a moving track.
// All media is opened and all values checked here, before the first block is rendered.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dsp/voices/params.hpp"
#include "engine/frame_counter.hpp"
#include "layout/object_panner.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

struct PlannedVoice {
  int trackIndex = 0;
  int stemIndex = 0;              // into VoicePlan::stems
  int clipIndex = 0;              // into VoicePlan::clips: where its samples come from
  int sourceChannel = 0;          // which channel of that clip's source
  std::int64_t startFrame = 0;    // timeline frame of the clip's first frame
  std::int64_t lengthFrames = 0;  // the clip's length on the timeline (envelope length)
  std::int64_t sampleFrames = 0;  // decoded frames available (<= lengthFrames; the rest is silence)
  std::int32_t fadeInFrames = 0;
  std::int32_t fadeOutFrames = 0;
  dsp::FadeCode fadeInShape = dsp::FadeCode::Linear;
  dsp::FadeCode fadeOutShape = dsp::FadeCode::Linear;
  float gainLinear = 1.0f;                        // clip gain x track gain (post-fader)
  float clipGainLinear = 1.0f;                    // clip gain alone (what pre-fader sends see)
  bool moving = false;                            // gains change: computed on the grid per block
  int bedChannel = -1;                            // bed voices: which channel of the bed
  std::array<float, kMaxOutputChannels> gains{};  // static gains; bed voices: their routing
  std::int64_t endFrame() const { return startFrame + lengthFrames; }
};

// A clip whose media the render streams: opened when its voices start, closed after endFrame.
struct PlannedClip {
  std::filesystem::path file;
  std::vector<int> channels;  // the file's channels the voices read; empty: all of them
  std::int64_t offsetFrames = 0;
  std::int64_t startFrame = 0;  // timeline frame of its first
  std::int64_t endFrame = 0;    // timeline frame after its last
  int denoised = -1;            // >= 0: not a file but that denoised track's signal
  // Frames of the media the clip reads (its length, or less where the media ends within the
  // tolerance and silence plays): what the media held when planned, so less is an I/O error.
  std::int64_t mediaFrames = 0;
  // The media as a whole: compressed (decoded through FFmpeg, not read as PCM), its channels and
  // its frames at the session rate (what a decoded copy of the whole file takes).
  bool compressed = false;
  int fileChannels = 0;
  std::int64_t fileFrames = 0;
};

struct VoicePlan {
  std::vector<PlannedClip> clips;
  std::vector<PlannedVoice> voices;  // in session order (tracks, then clips, then channels)
  std::vector<std::string> stems;    // dialogue, music, effects (those used), then others in order
  std::int64_t endFrame = 0;         // one past the last frame any voice plays
};

using WarningSink = std::function<void(const std::string&)>;

// The session's stems in render order: dialogue, music, effects (those used), then the others
// as their first tracks come.
std::vector<std::string> stemOrder(const Session& session);

// Throws InputError naming the session file and field on any problem (unknown layout, missing or
// unreadable media, a channel that does not exist, a clip longer than its media, ...).
VoicePlan planVoices(const Session& session, const Layout& output,
                     const layout::ObjectPanner& panner, FrameCounter& counter,
                     const WarningSink& warn);

}  // namespace vkmix::engine
