// The gains of a track's signals at a timeline instant, the one place the renderer (per voice,
// per block grid point) and the inspector (what it draws and previews) take them from: an object
// panned at its position and shape at t, a bed channel routed to the output's speakers, times the
// track's gain automation at t; and a send's level into its reverb bus.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "layout/object_panner.hpp"
#include "timeline/automation.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace vkmix::timeline {

using SpeakerGains = std::array<float, kMaxOutputChannels>;

// An object's speaker gains at a state, rounded to float (a static object's voice gains): its
// direct path, the panned gains times sqrt(1 - diffuse) (BS.2127 §7.3.10).
SpeakerGains panGains(const layout::ObjectPanner& panner, const ObjectState& state);

// True when any of an object track's positions has diffuse > 0: it needs the decorrelated path.
bool hasDiffuse(const Track& track);

// The diffuse path of an object track at t (BS.2127 §7.3.10): its panned gains times
// sqrt(diffuse), times the gain automation; each speaker's share is then decorrelated.
void diffuseGainsAt(const Track& track, const layout::ObjectPanner& panner, double t,
                    std::span<double> g);

// Speaker gains of an output layout for the channels of a bed layout: same label -> that speaker;
// LFE -> the output's LFE (dropped if none); the same role at another angle (BS.2127's mapping
// rules: M+110/M+135, U+030/U+045, U+110/U+135) -> that speaker; otherwise panned at the bed
// speaker's nominal position.
std::vector<SpeakerGains> bedRouting(const Layout& bed, const Layout& output,
                                     const layout::ObjectPanner& panner);

// One signal of a track at t, before clip gain, fades and the fader: an object's panned gains
// (bedChannel < 0; its direct path, times sqrt(1 - diffuse)) or a bed channel's (an HOA
// channel's: bedChannel its ACN) `routing`, times
// the gain automation at t. `g` holds the output's channels.
void signalGainsAt(const Track& track, int bedChannel, const SpeakerGains& routing,
                   const layout::ObjectPanner& panner, double t, std::span<double> g);

// The send level of a track into a reverb bus at t: the send's level, and for a post-fader send
// the track's gain automation too (the fader itself is in the voice's envelope gain).
double sendLevelAt(const Track& track, const Send& send, double t, bool automation = true);

// What one signal of a track sends at t into a bus: a mono-input bus the level; a true-stereo
// one the signal panned between L and R (`stereo`: a 2.0 panner; BS.2127's
// stereo panning of the object's position, or of the bed speaker's azimuth) times the level.
void sendGainsAt(const Track& track, const Send& send, int bedChannel, bool trueStereo,
                 const layout::ObjectPanner& stereo, double t, bool automation,
                 std::span<double> g);

// The whole track at t as the inspector shows it: the largest gain any of its signals gives each
// speaker, times the fader and the gain automation.
std::vector<double> trackGainsAt(const Track& track, const Layout& output,
                                 const layout::ObjectPanner& panner, double t);

}  // namespace vkmix::timeline
