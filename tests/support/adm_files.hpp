// ADM BWF test files built by the project: a DocumentBuilder's axml and chna around planar audio,
// written with vkmix's own BW64 writer (read back by FFmpeg and by the importer).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adm/builder.hpp"

namespace vkmix::test {

// channels[track][frame], one per chna row of `adm`, in track order.
void writeAdmFile(const std::filesystem::path& path, const adm::DocumentBuilder& adm,
                  const std::vector<std::vector<float>>& channels, int sampleRate);

// A block at (azimuth, elevation) from `rtime` for `duration` seconds.
adm::BlockFormat polarBlock(double azimuth, double elevation, double rtime, double duration);

}  // namespace vkmix::test
