// The decorrelation filters of ITU-R BS.2127 §7.4 for the diffuse part of objects: one all-pass
// random-phase FIR per output loudspeaker, 512 taps. Loudspeaker i's filter is seeded by the
// position of its label among the layout's labels sorted as strings ("LFE1" < "M+000" < "M+030"
// < "M-030" ...); its spectrum has magnitude 1 at every bin of a 512-point DFT, phase 0 at DC and
// Nyquist and 2 pi r_k at bins 1..255, r_k the k-th output of MT19937 seeded with that position,
// divided by 2^32; the filter is its inverse real DFT (so its energy is 1).
//
// BS.2127 delays the direct path by the filters' (512 - 1) / 2 = 255 frames to align the two.
// vkmix does not delay its mix: decorrelatorAligned() is the filter rotated 255 taps earlier
// (circularly, so it is still all-pass at the DFT's bins), which keeps the diffuse path aligned
// with an undelayed direct path and the filter causal.
#pragma once

#include <string>
#include <vector>

namespace vkmix::dsp {

constexpr int kDecorrelatorTaps = 512;
constexpr int kDecorrelatorDelay = (kDecorrelatorTaps - 1) / 2;  // 255

// BS.2127's filter for seed `index`, in double precision.
std::vector<double> decorrelator(unsigned index);

// The filter of each of `labels` (an output layout's BS.2051 labels, in its channel order),
// rotated to align with an undelayed direct path, rounded to float.
std::vector<std::vector<float>> decorrelatorsAligned(const std::vector<std::string>& labels);

}  // namespace vkmix::dsp
