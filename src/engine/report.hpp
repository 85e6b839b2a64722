// The loudness report of a render: a JSON document (--report) and a loudness-over-time plot in
// SVG (--plot), both written under a temporary name and renamed when complete.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "engine/spec.hpp"
#include "vkmix/render.hpp"

namespace vkmix::loudness {
class LoudnessMeter;
}

namespace vkmix::engine {

// The public figures of a meter's programme so far.
LoudnessFigures loudnessFigures(const loudness::LoudnessMeter& meter);

// What a QC log says beyond the render's own figures, known to whoever ran the render.
struct ReportContext {
  std::string version;            // the tool's version line ("vkmix 0.1.0 (commit abc1234)")
  std::filesystem::path session;  // as given; the report adds its absolute path
  std::filesystem::path report;   // the report's own file and the plot's, listed among the
  std::filesystem::path plot;     // outputs ("" for none)
  std::optional<SpecResult> spec;
};

// The render's figures, and with a context also "vkmix", "session", "outputs", "normalisation"
// (when it normalised) and "spec" (when checked): docs/loudness.md lists every key.
std::string reportJson(const RenderReport& report, const ReportContext& context = {});
void writeReportJson(const RenderReport& report, const std::filesystem::path& path,
                     const ReportContext& context = {});

// Short-term loudness (3 s window, every 100 ms) of the mix and each stem against time, with the
// target as a dashed line when one was set.
std::string loudnessPlotSvg(const RenderReport& report, std::optional<double> targetLufs);
void writeLoudnessPlotSvg(const RenderReport& report, std::optional<double> targetLufs,
                          const std::filesystem::path& path);

}  // namespace vkmix::engine
