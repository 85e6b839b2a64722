// HOA objects (BS.2076 typeDefinition HOA, typeLabel 0004) as vkmix HOA tracks, as BS.2127
// renders them (§9, the EBU reference renderer's item selection): each channel is the spherical
// harmonic its block's order and degree name, the normalization and nfcRefDist come from the
// blocks or the pack (SN3D by default), and the object's channels are decoded together.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adm/import.hpp"

namespace vkmix::adm {

// The blocks of the object's channels, in the channels' order: what its binaural mode is read
// from (one track: the first block with headphoneVirtualise says it).
std::vector<BlockFormat> hoaBlocks(const ResolvedObject& ro);

// The HOA track an object plays as: order the highest of its channels', its channels mapped to
// their ACN (the channels it lacks silent: the decoder is designed for those it has).
// `base` carries the object's name, stem, fader, mute and clips. What is not rendered is named
// through `warn`: an object whose channels lack order/degree, repeat one, mix normalisations,
// disagree on their blocks' rtime/duration, or go beyond order 10 (FuMa: 3) gives no track;
// positionOffset and Objects elements on its blocks are named once (not applied); nfcRefDist
// (BS.2127 applies no near-field compensation for loudspeakers) and screenRef are warned about.
// Block gains that differ per channel play as a clip per gain; a negative one as an inverted clip.
std::optional<Track> hoaTrack(const ResolvedObject& ro, const DocumentIndex& index,
                              const Track& base,
                              const std::function<void(const std::string&)>& warn);

}  // namespace vkmix::adm
