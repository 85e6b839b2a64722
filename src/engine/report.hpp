// The loudness report of a render: a JSON document (--report) and a loudness-over-time plot in
// SVG (--plot), both written under a temporary name and renamed when complete.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "vkmix/render.hpp"

namespace vkmix::loudness {
class LoudnessMeter;
}

namespace vkmix::engine {

// The public figures of a meter's programme so far.
LoudnessFigures loudnessFigures(const loudness::LoudnessMeter& meter);

std::string reportJson(const RenderReport& report);
void writeReportJson(const RenderReport& report, const std::filesystem::path& path);

// Short-term loudness (3 s window, every 100 ms) of the mix and each stem against time, with the
// target as a dashed line when one was set.
std::string loudnessPlotSvg(const RenderReport& report, std::optional<double> targetLufs);
void writeLoudnessPlotSvg(const RenderReport& report, std::optional<double> targetLufs,
                          const std::filesystem::path& path);

}  // namespace vkmix::engine
