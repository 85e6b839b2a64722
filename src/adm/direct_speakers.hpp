// DirectSpeakers channels as vkmix tracks, following BS.2127 §8 (the EBU reference renderer's
// DirectSpeakers panner) as far as an import can without knowing the output layout: LFE by label
// or by its frequency element, speakerLabel mapping rules only for BS.2094 common-definition
// packs, `bound` ranges resolved to the speaker every built-in layout would use whole, and what
// has no speaker of its own placed as an object at its position (the point-source panner).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adm/import.hpp"

namespace vkmix::adm {

// BS.2127 §8.2 (and the reference's is_lfe): a channel is LFE when its frequency element says
// lowPass <= 200 Hz with no highPass, or its label is an LFE label ("LFE1", "LFE2", "LFE",
// "RC_LFE").
bool isLfeChannel(const ChannelFormat& c, const std::string& normalisedLabel);

// Whether `packId` is a BS.2094 common definition (AP_0001yyyy with yyyy below 1000 hex), the
// packs whose speakerLabels BS.2127's mapping rules (M+110 played by M+135 ...) apply to.
bool isCommonDefinition(const std::string& packId);

// BS.2127 §8.4 for a block with bounds: in each built-in layout the speaker its label names, else
// the speaker within the azimuth/elevation/distance bounds (nominal distance 1) closest to its
// position, else none ("": the point-source panner at its position, as where the closest are
// tied). What every built-in layout agrees on; nullopt when they differ. A Cartesian position's
// X/Y/Z bounds are tested, and distances taken, on the loudspeakers' allocentric positions, in
// the layouts BS.2127 gives them (as its DirectSpeakers renderer does).
std::optional<std::string> speakerWithinBounds(const BlockFormat& b, const std::string& label);

// The tracks a DirectSpeakers object plays as. `base` carries the object's name, stem, fader,
// mute and the clips (file, timing) each track plays; `warn` takes what is not
// rendered as BS.2127 renders it.
std::vector<Track> directSpeakersTracks(const ResolvedObject& ro, const Track& base,
                                        const std::function<void(const std::string&)>& warn);

}  // namespace vkmix::adm
