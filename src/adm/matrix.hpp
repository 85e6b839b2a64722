// Matrix objects (BS.2076 typeDefinition Matrix) as vkmix tracks, as BS.2127 renders them (the EBU
// reference renderer's item selection): a direct or decode matrix pack's channels are each a mix
// of input channels at the coefficients' gains, and each plays as the DirectSpeakers channel its
// block names (outputChannelFormatIDRef) in the output pack. Inputs are the object's tracks: the
// input pack's channels (direct), the encode pack's inputs through its coefficients (encode then
// decode), or the matrix channels themselves (a matrix already applied).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "adm/import.hpp"

namespace vkmix::adm {

// The tracks a Matrix object plays as: per output channel, the tracks its DirectSpeakers channel
// would be (directSpeakersTracks), with a clip per input file track at the coefficient's gain.
// `base` carries the object's name, stem, fader, mute and the clips (file, timing) each term
// plays; a negative gain makes the term's clip inverted, a `delay` (ms, rounded to a frame of
// `sampleRate` as the reference renderer rounds it) makes it play the file that much later. What
// is not rendered (an encode matrix alone, coefficients with a non-zero phase, a negative delay
// or a *Var, an output that is not DirectSpeakers) is named through `warn`; such an object gives
// no tracks.
std::vector<Track> matrixTracks(const ResolvedObject& ro, const DocumentIndex& index,
                                const Track& base, int sampleRate,
                                const std::function<void(const std::string&)>& warn);

}  // namespace vkmix::adm
