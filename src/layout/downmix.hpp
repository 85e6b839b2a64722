// Matrix downmixes for deliverables (ITU-R BS.775 style), beside the re-render the panner offers:
// a fixed matrix from one built-in layout's channels to a smaller one's. The chain is
// 9.1.6 -> 7.1.4 -> 7.1 -> 5.1 -> 2.0 (Lo/Ro) and the 5.1.x / 7.1.2 layouts fold into it; each
// step's coefficients are listed in docs/downmix.md. LFE is dropped in the 2.0 step (BS.775).
#pragma once

#include <vector>

#include "vkmix/layout.hpp"

namespace vkmix::layout {

// matrix[out][in]: out = sum over in of matrix[out][in] * in. Throws InputError naming `to` when
// no downmix path leads from `from` to `to` (e.g. to a layout with more channels).
std::vector<std::vector<double>> downmixMatrix(const Layout& from, const Layout& to);

}  // namespace vkmix::layout
