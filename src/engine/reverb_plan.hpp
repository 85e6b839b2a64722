// Reverb buses planned from the session (docs/reverb.md): each bus's IR decoded at the session
// rate with pre-delay and wet gain applied, its convolution shape (what feeds which IR and where
// the wet outputs go), and one instance per (bus, stem) that sends to it, so each stem carries its
// own returns and the stems still sum to the mix.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "engine/clip_source.hpp"
#include "engine/voice_plan.hpp"
#include "layout/object_panner.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

enum class BusShape { Mono, Stereo, TrueStereo, PerSpeaker };

struct ReverbBus {
  BusShape shape = BusShape::Mono;
  dsp::ConvolverSpec spec;
  std::vector<std::array<float, kMaxOutputChannels>>
      returnGains;              // per convolver output: speaker gains
  std::int64_t tailFrames = 0;  // pre-delay + IR down to its last sample above -120 dBFS
  // The IR as convolved is the file's times 2^-returnShift, so its peak is at most 1 and no
  // float FFT of it overflows (an IR of 3e38 would on the GPU, not in the double reference); the
  // returns multiply by 2^returnShift again. 0 for every IR within full scale.
  int returnShift = 0;
};

struct ReverbInstance {
  int bus = 0;
  int stem = 0;
};

struct ReverbPlan {
  std::vector<ReverbBus> buses;
  std::vector<ReverbInstance> instances;
  std::int64_t tailFrames = 0;  // how long the render runs past the last clip
};

// Throws InputError naming reverbs[i].ir for unreadable, empty, NaN or wrongly shaped IRs, and
// for IRs cut short unless `counter` allows short media.
ReverbPlan planReverbs(const Session& session, const Layout& output,
                       const layout::ObjectPanner& panner, const VoicePlan& voices,
                       std::optional<double> tailLimitSeconds, FrameCounter& counter);

}  // namespace vkmix::engine
