// User layout files: a real room's loudspeakers with measured angles (docs/layouts.md).
//   {"name": "Stage A", "speakers": [{"label": "M+030", "name": "L", "azimuth": 28.5,
//                                      "elevation": 2}, {"label": "LFE1", "lfe": true}, ...]}
// Labels are BS.2051 labels; they give each speaker's nominal position, which the panner's
// triangulation uses, while its gains use the measured angles (as BS.2127 does).
#pragma once

#include <filesystem>

#include "vkmix/layout.hpp"

namespace vkmix::layout {

// Throws InputError naming the file and the field on any problem.
Layout loadLayoutFile(const std::filesystem::path& path);

// A built-in layout by name, or a layout file when `nameOrPath` ends in ".json".
Layout resolveLayout(const std::string& nameOrPath, const std::string& whereFile,
                     const std::string& whereField);

}  // namespace vkmix::layout
