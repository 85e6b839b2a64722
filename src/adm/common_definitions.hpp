// ITU-R BS.2094's common definitions for DirectSpeakers: the channel formats (AC_00010001..28)
// and the packs of BS.2051's layouts that vkmix's built-in layouts match; and HOA's channel
// formats (AC_0004xxxx) and packs (AP_0004xxxx). Files reference them by ID without defining
// them; vkmix reads them so, and writes its beds and HOA tracks so where one fits.
#pragma once

#include <string>
#include <vector>

#include "adm/model.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {

// Every common channel format vkmix knows, by ID: the DirectSpeakers ones (their speakerLabel,
// nominal position and, for the LFE channels, lowPass 120 Hz) and the HOA ones (AC_0004xxxx:
// their order, degree and normalization).
const std::vector<ChannelFormat>& commonChannelFormats();

// The common pack of `layout`'s speakers (the same set of BS.2051 labels), and each of its
// speakers' common channel format ID in the layout's order; empty when BS.2094 has none.
struct CommonPack {
  std::string packId;
  std::vector<std::string> channelIds;
};
CommonPack commonPackFor(const Layout& layout);

// The common HOA pack of all channels of `order` at `norm` (AP_00040001..06 SN3D, 11..16 N3D,
// 21..23 FuMa) and its channels in ACN order; empty when BS.2094 has none (higher orders).
CommonPack commonHoaPack(int order, HoaNormalization norm);

}  // namespace vkmix::adm
