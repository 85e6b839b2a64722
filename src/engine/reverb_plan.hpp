// Reverb buses planned from the session (docs/reverb.md): each bus's IR decoded at the session
// rate with pre-delay and wet gain applied, its convolution shape (what feeds which IR and where
// the wet outputs go), and one instance per (bus, stem) that sends to it, so each stem carries its
// own returns and the stems still sum to the mix.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "engine/frame_counter.hpp"
#include "engine/voice_plan.hpp"
#include "layout/object_panner.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

// Decorrelation: not a session reverb but the diffuse path of objects (BS.2127 §7.3.10, §7.4):
// one input per output speaker, each convolved with that speaker's decorrelation filter and
// returned to it.
enum class BusShape { Mono, Stereo, TrueStereo, PerSpeaker, Decorrelation };

struct ReverbBus {
  std::string name;  // the session reverb's; "diffuse (decorrelation)" for the diffuse path
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
  std::vector<ReverbBus> buses;  // the session's reverbs in order, then the diffuse path's if any
  int decorrelationBus = -1;     // its index, or -1 when no object is diffuse
  std::vector<ReverbInstance> instances;
  std::int64_t tailFrames = 0;  // how long the render runs past the last clip
};

// Throws InputError naming reverbs[i].ir for unreadable, empty, NaN or wrongly shaped IRs, and
// for IRs cut short unless `counter` allows short media. `diffusePath`: add the decorrelation bus
// (and an instance per stem) where a sounding object has diffuse > 0; track prints carry the
// diffuse value as metadata instead.
ReverbPlan planReverbs(const Session& session, const Layout& output,
                       const layout::ObjectPanner& panner, const VoicePlan& voices,
                       std::optional<double> tailLimitSeconds, FrameCounter& counter,
                       bool diffusePath = true);

}  // namespace vkmix::engine
