// When an object's audioBlockFormats sound, as BS.2127 §7.2 times them, and the session keys and
// clips that reproduce it: blocks laid on the timeline (repaired where other tools write them
// loosely), the spans where the object sounds (silent outside its blocks), and position and
// gain keys that move as the blocks interpolate.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adm/model.hpp"
#include "vkmix/session.hpp"

namespace vkmix::adm {

// One block on the session timeline, seconds.
struct TimedBlock {
  const BlockFormat* block = nullptr;
  double begin = 0.0, end = 0.0;
  double interpolation = 0.0;  // seconds from `begin` over which it moves from the previous block
  bool continues = false;      // starts where the previous block ends, so it moves from there
};

// The blocks of a channel on the timeline. An object starts at `objectStart`; it ends at
// `objectEnd` when the audioObject has a duration, else with the file at `fileEnd`. BS.2127 and
// the EBU reference renderer's timing fixes:
// - a block without rtime/duration spans the whole object;
// - a block with rtime but no duration lasts until the next block's rtime (the last one until the
//   object's end);
// - a block that overlaps the next one ends where the next begins (masters that round block times
//   overlap by microseconds), and a block never outlasts its object;
// - interpolationLength (jumpPosition 1) longer than its block is clamped to the block; without
//   jumpPosition a block moves over its whole duration;
// - a block that starts where the previous one ended moves from it; after a gap it starts at its
//   own position. Starts within half a sample of the previous end count as the same time.
std::vector<TimedBlock> timeBlocks(const std::vector<BlockFormat>& blocks, double objectStart,
                                   std::optional<double> objectEnd, double fileEnd, int sampleRate);

// The spans [begin, end) where consecutive blocks follow each other without a gap: where the
// object sounds. Empty blocks are left out.
std::vector<std::pair<double, double>> soundingSpans(const std::vector<TimedBlock>& timed);

// The timed blocks as `t`'s position keys (and gain keys where a block's gain is not 1); one
// static position (and a fader offset) when nothing moves. A negative gain inverts `t`'s clips
// (which must be set) and keys |gain|; blocks whose gains change sign are named to `warn`: the
// first block's polarity plays throughout. `keyBlocks`, when given, gets the ID of the block each
// position key (the static position: the first) was taken from, for errors that name it.
void keysFromBlocks(const std::vector<TimedBlock>& timed, Track& t,
                    const std::function<void(const std::string&)>& warn,
                    std::vector<std::string>* keyBlocks = nullptr);

}  // namespace vkmix::adm
