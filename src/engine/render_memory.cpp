// renderToMemory: a render's mix and stems as planar float, metered, for tests and tools.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/delivery.hpp"
#include "engine/renderer.hpp"
#include "engine/report.hpp"
#include "loudness/meter.hpp"
#include "vkmix/render.hpp"

namespace vkmix {

RenderedAudio renderToMemory(const Session& session, const RenderOptions& options) {
  RenderedAudio result;
  std::unique_ptr<loudness::LoudnessMeter> mixMeter;
  std::vector<loudness::LoudnessMeter> stemMeters;
  auto append = [](std::vector<std::vector<float>>& dst, std::span<const float> planar,
                   std::int64_t stride, std::int64_t n) {
    for (std::size_t c = 0; c < dst.size(); ++c) {
      dst[c].insert(dst[c].end(), planar.begin() + static_cast<std::ptrdiff_t>(c * stride),
                    planar.begin() + static_cast<std::ptrdiff_t>(c * stride + n));
    }
  };
  result.report = engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        const auto nc = static_cast<std::size_t>(plan.layout->numChannels());
        result.channels.assign(nc, {});
        result.stemNames = plan.stems;
        result.stems.assign(plan.stems.size(), std::vector<std::vector<float>>(nc));
        mixMeter = std::make_unique<loudness::LoudnessMeter>(session.sampleRate,
                                                             engine::weightsFor(*plan.layout));
        for (std::size_t s = 0; s < plan.stems.size(); ++s)
          stemMeters.emplace_back(session.sampleRate, engine::weightsFor(*plan.layout));
      },
      [&](const engine::RenderedBlock& b) {
        append(result.channels, b.mix, b.stride, b.numFrames);
        mixMeter->addFrames(b.mix, b.stride, b.numFrames);
        for (std::size_t s = 0; s < b.stems.size(); ++s) {
          append(result.stems[s], b.stems[s], b.stride, b.numFrames);
          stemMeters[s].addFrames(b.stems[s], b.stride, b.numFrames);
        }
      });
  result.report.mix = engine::loudnessFigures(*mixMeter);
  for (std::size_t s = 0; s < stemMeters.size(); ++s) {
    result.report.stems.push_back({result.stemNames[s],
                                   result.report.layout,
                                   {},
                                   engine::loudnessFigures(stemMeters[s]),
                                   std::nullopt});
  }
  return result;
}

}  // namespace vkmix
