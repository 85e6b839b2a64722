// The CPU backend's voice mixer: float, loops the compiler vectorises (one channel row at a time,
// contiguous), voices summed in block order into each channel, so a frame's sum is the same
// whatever the block and whichever thread mixes the channel.
#pragma once

#include <span>
#include <vector>

#include "dsp/voices/params.hpp"

namespace vkmix::dsp {

class CpuMixer {
 public:
  // Mixes channels [firstChannel, endChannel) of `block` into `out` (numChannels x stride,
  // channel-major); those rows are overwritten, the others untouched. Several threads may mix
  // disjoint channel ranges of one block at once (each CpuMixer is one thread's).
  void mix(const MixBlock& block, std::span<float> out, int firstChannel, int endChannel);
  void mix(const MixBlock& block, std::span<float> out) { mix(block, out, 0, block.numChannels); }

 private:
  std::vector<float> enveloped_;  // a voice's row times its envelope
};

}  // namespace vkmix::dsp
