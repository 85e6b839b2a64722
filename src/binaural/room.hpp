// The synthetic room of the binaural modes "mid" and "far" (docs/binaural.md, "Modes"): the HRTF
// set has one distance (MIT KEMAR: 1.4 m, anechoic), so distance is suggested the way a room
// does it, by the direct-to-reverberant ratio (DRR). Each virtual speaker's HRIR pair gets a
// diffuse tail of reflections arriving from directions all round (each one the HRIR pair of its
// direction, so the tail has the ears' own interaural cues), decaying exponentially; the pair is
// then scaled so that its energy is the HRIR's alone, so a mode changes the DRR, not the level.
#pragma once

#include <cstdint>

#include "binaural/hrtf.hpp"
#include "vkmix/session.hpp"

namespace vkmix::binaural {

struct RoomParams {
  double drrDb = 0.0;        // direct (the HRIR pair) to reverberant energy, both ears summed
  double rt60Seconds = 0.0;  // the tail falls 60 dB in this time (and ends there)
  double predelayMs = 0.0;   // first reflection after the direct sound's onset
  double lowpassHz = 0.0;    // > 0: the tail through a one-pole low-pass (air absorption)
  double reflectionsPerSecond = 2000.0;
};

// The room each mode adds; Off and Near add none (rt60Seconds 0).
RoomParams roomFor(BinauralMode mode);

// Adds the room to `pair` (the direct HRIR pair of a speaker): the tail after it, then the whole
// pair scaled to the direct pair's energy. `seed` picks the reflections (deterministic: the
// same seed gives the same tail on every machine). Nothing changes when rt60Seconds is 0.
void addRoom(HrirPair& pair, const Hrtf& hrtf, const RoomParams& room, std::uint32_t seed,
             bool interpolate);

}  // namespace vkmix::binaural
