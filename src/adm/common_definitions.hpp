// ITU-R BS.2094's common definitions for DirectSpeakers: the channel formats (AC_00010001..28)
// and the packs of BS.2051's layouts that vkmix's built-in layouts match. Files reference them
// by ID without defining them; vkmix reads them so, and writes its beds so where one fits.
#pragma once

#include <string>
#include <vector>

#include "adm/model.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {

// Every common DirectSpeakers channel format vkmix knows (its speakerLabel, nominal position and,
// for the LFE channels, lowPass 120 Hz), by ID.
const std::vector<ChannelFormat>& commonChannelFormats();

// The common pack of `layout`'s speakers (the same set of BS.2051 labels), and each of its
// speakers' common channel format ID in the layout's order; empty when BS.2094 has none.
struct CommonPack {
  std::string packId;
  std::vector<std::string> channelIds;
};
CommonPack commonPackFor(const Layout& layout);

}  // namespace vkmix::adm
