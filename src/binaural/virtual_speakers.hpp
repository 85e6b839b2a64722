// Binaural rendering by virtual loudspeakers: the mix is rendered to a loudspeaker layout by the
// usual panner (objects) and routing (beds), and each speaker's feed is convolved with the HRIR
// pair of its direction and summed per ear. The filters are fixed for the whole render, so a
// moving object moves by the panner's smooth gains and never switches filters (no clicks), and the
// cost does not grow with the number of objects. LFE feeds bypass the HRTF: they go to both ears
// at BinauralOptions::lfeGainDb. docs/binaural.md has the method and its measured accuracy.
#pragma once

#include <cstdint>
#include <span>

#include "binaural/hrtf.hpp"
#include "dsp/convolver/params.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace vkmix::binaural {

struct BinauralOptions {
  // The gain from an LFE feed into each ear, without HRTF or low-pass (what the mix puts on the
  // LFE is what the ears get). 0 dB is FFmpeg sofalizer's default (lfegain=0); a feed through the
  // loudness-normalised frontal HRIR reaches each ear at about 0 dB too.
  double lfeGainDb = 0.0;
  // libmysofa's interpolation between measurements, else the nearest measurement.
  bool interpolate = true;
  // The convolver's partition (a power of two for the Vulkan convolver): by default the engine's
  // for short IRs, so a binaural bus frames as a reverb bus does.
  std::int64_t partitionFrames = dsp::kPartitionFrames;
  // What each speaker's IR pair is (docs/binaural.md, "Modes"): Near its HRIR pair alone (the
  // default here: what the accuracy tests measure); Mid and Far the pair with roomFor(mode)'s
  // synthetic room; Off no HRTF, the BS.775 fold-down to 2.0 raised 3 dB (single taps). A
  // session's tracks default to Mid.
  BinauralMode mode = BinauralMode::Near;
};

// The convolution that renders `speakers`' feeds (inputs, in the layout's channel order) to the
// two ears. IRs: each non-LFE speaker's left then right HRIR at its azimuth and elevation (nominal
// or, for a layout file, measured), then one single-tap IR of the LFE gain shared by every LFE
// input and both ears. Outputs are partial ears: output o sums at most kTermsPerOutput input x IR
// terms for ear o % 2 (0 left, 1 right), since the Vulkan convolver's multiply-accumulate takes at
// most 4 terms per output; an ear is the sum of its partials (sumPartialEars). Any backend's
// convolver runs it (dsp::ReferenceConvolver is its double-precision reference).
constexpr int kTermsPerOutput = 4;
dsp::ConvolverSpec binauralSpec(const Layout& speakers, const Hrtf& hrtf,
                                const BinauralOptions& options = {});

// A binaural spec's outputs (numOutputs x frames planar) summed into the two ears (2 x frames
// planar: left, then right).
void sumPartialEars(std::span<const float> outputs, int numOutputs, std::int64_t frames,
                    std::span<float> ears);

// The two-channel layout of a binaural render (`--layout binaural`): named "binaural", its
// channels the left and right ear, written as 2.0 (FL, FR).
const Layout& binauralLayout();

// The layout `--layout binaural` renders to before the HRTF: 9.1.6, the densest built-in layout
// within the engine's kMaxOutputChannels, whose speakers include the directions ahead and at
// +-90 degrees (so objects there are rendered by their own HRIR, unpanned).
const Layout& binauralVirtualLayout();

}  // namespace vkmix::binaural
