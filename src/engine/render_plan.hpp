// The render plan (STYLE §4b): everything a render will do, worked out once from the session and
// the options, before any device is asked for anything. Which voices there are and what they read
// (VoicePlan), the denoised tracks and the reverb buses, the dry groups the voices sum into
// (stems, or track prints for an ADM export), and one mixer per dry group and per reverb instance
// with the routing that says which voices it takes and with what gains, the chunk size and the
// timeline's end. A backend executes it a chunk at a time (backend/backend.hpp); the driver
// (renderer.cpp) ties the two.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "engine/block_fill.hpp"
#include "engine/denoise_stage.hpp"
#include "engine/frame_counter.hpp"
#include "engine/renderer.hpp"
#include "engine/reverb_plan.hpp"
#include "engine/voice_plan.hpp"
#include "layout/object_panner.hpp"
#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

// One mix a chunk needs: a dry group (a stem, or a track's print) or the sends into one reverb
// instance's bus.
struct MixerPlan {
  int channels = 0;
  int dryGroup = -1;  // >= 0: the dry group it fills
  int instance = -1;  // >= 0: the reverb instance whose send it is
  Routing routing;
};

// Built once; the routings refer to the plan's own members, so it stays where it was made.
class RenderPlan {
 public:
  // Plans `session` for `output` (outputLayout's), checking the options it uses; InputError on
  // any problem, Interrupted when options.cancelled says so between steps.
  RenderPlan(const Session& session, const RenderOptions& options, Layout output, DryShape shape);
  RenderPlan(const RenderPlan&) = delete;
  RenderPlan& operator=(const RenderPlan&) = delete;

  const Session& session;
  const Layout output;
  const layout::ObjectPanner panner;        // the output's
  const layout::ObjectPanner stereoPanner;  // 2.0: true-stereo sends
  FrameCounter counter;
  VoicePlan voices;
  std::vector<DenoisedTrack> denoised;
  ReverbPlan reverbs;
  int peakVoices = 0;
  std::int64_t chunkFrames = 0;
  std::int64_t endFrame = 0;  // the last clip's end plus the reverbs' tails
  // The frames the block loop renders and those it delivers: [0, endFrame) both, or, for
  // RenderOptions::range, the range delivered and the loop started early enough to warm up every
  // stage with finite memory and ended where the last reverb partition it needs is whole
  // (planRange; docs/architecture.md, "Range renders").
  std::int64_t loopStart = 0, loopEnd = 0;
  std::int64_t deliverStart = 0, deliverEnd = 0;
  bool prints = false;
  int backendThreads = 0;  // RenderOptions::backendThreads, resolved

  std::vector<int> groupChannels;  // per dry group
  std::vector<int> returnGroup;    // per stem: the dry group its reverb returns join
  RenderPlanInfo info;
  std::vector<MixerPlan> mixers;  // the dry groups in order, then one per reverb instance

  // What the backend is made for.
  backend::BackendSetup backendSetup() const;
  // The report's fields the plan knows (layout, sizes, voices, reverbs); the reverbs' need the
  // IR samples, so this is taken before releaseIrSamples().
  RenderReport reportSkeleton() const;
  // The convolvers keep the IRs' spectra; the samples (16 channels x 6 s: 18 MB) can go.
  void releaseIrSamples();
  // Planned from RenderOptions::mediaRecords: every recorded file the block loop will open (the
  // clips playing in [loopStart, loopEnd), the clips before it of its denoised tracks, the IRs
  // and learn ranges planning read) must be there as recorded; InputError naming the first that
  // is not. Nothing without records.
  void checkRecordedMedia() const;

 private:
  void planRange(const RenderOptions& options);
  void restartDenoisers();
  void planGroups();
  void planMixers();
  MixerPlan diffuseMixer(int instance);
  std::vector<int> trackGroup_;  // per track: its print's dry group (prints), else -1
};

// The most voices sounding at once.
int peakVoiceCount(const std::vector<PlannedVoice>& voices);

// The chunk size for RenderOptions::blockFrames = 0, from the most voices sounding at once.
std::int64_t autoChunkFrames(int peakVoices);

}  // namespace vkmix::engine
