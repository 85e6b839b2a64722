#include "engine/renderer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "core/assert.hpp"
#include "dsp/voices/gpu_mixer.hpp"
#include "engine/automation.hpp"
#include "engine/voice_plan.hpp"
#include "io/writer.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr std::int64_t kMaxBlockFrames = 1 << 20;

// The mixing backend: the GPU, or the CPU reference (--device cpu).
class Mixer {
 public:
  Mixer(const RenderOptions& options, int numChannels) {
    if (options.device == "cpu" || options.device == "cpu-reference") {
      name_ = "cpu-reference";
      return;
    }
    gpu::ContextOptions ctxOptions{.device = options.device, .validation = options.validation};
    context_ = std::make_unique<gpu::Context>(ctxOptions);
    gpuMixer_ = std::make_unique<dsp::GpuMixer>(*context_, numChannels);
    name_ = context_->info().name + " [" + context_->info().type + "]";
  }
  void mix(const dsp::MixBlock& block, std::span<float> out) {
    if (gpuMixer_) {
      gpuMixer_->mix(block, out);
    } else {
      dsp::referenceMix(block, out);
    }
  }
  const std::string& name() const { return name_; }
  int validationErrors() const { return context_ ? context_->validationErrorCount() : 0; }

 private:
  std::string name_;
  // The context outlives the mixer that uses its device (members die in reverse order).
  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<dsp::GpuMixer> gpuMixer_;
};

// Fills block.grid with the gain grid of a moving track for this block and returns the index of
// its first point. Points are at absolute frames (firstPoint + p) * kGridFrames.
std::uint32_t appendTrackGrid(dsp::MixBlock& block, const Track& track,
                              const layout::PairwisePanner& panner, std::int64_t firstPoint,
                              int sampleRate) {
  const auto offset = static_cast<std::uint32_t>(block.grid.size() / kMaxOutputChannels);
  const std::int64_t points = (block.gridPhase + block.stride - 1) / dsp::kGridFrames + 2;
  std::vector<double> g(panner.numChannels());
  for (std::int64_t p = 0; p < points; ++p) {
    double t = static_cast<double>((firstPoint + p) * dsp::kGridFrames) / sampleRate;
    panner.gains(positionAt(track, t), g);
    std::size_t base = block.grid.size();
    block.grid.resize(base + kMaxOutputChannels, 0.0f);
    for (std::size_t c = 0; c < g.size(); ++c) block.grid[base + c] = static_cast<float>(g[c]);
  }
  return offset;
}

}  // namespace

RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const BlockSink& sink) {
  const auto wallStart = std::chrono::steady_clock::now();
  const std::string file = session.path.string();
  const std::string layoutName = options.layout.empty() ? session.layout : options.layout;
  const Layout* output = findLayout(layoutName);
  if (output == nullptr) {
    if (options.layout.empty())
      throw InputError(file, "layout", "unknown layout \"" + layoutName + "\"");
    throw InputError("--layout", "", "unknown layout \"" + layoutName + "\"; see 'vkmix layouts'");
  }
  if (options.blockFrames < 1 || options.blockFrames > kMaxBlockFrames) {
    throw InputError("--block", "",
                     "must be within 1.." + std::to_string(kMaxBlockFrames) + " frames");
  }
  const int nc = output->numChannels();
  layout::PairwisePanner panner(*output);
  ClipCache cache(session.sampleRate);
  VoicePlan plan = planVoices(session, *output, panner, cache, options.warn);

  Mixer mixer(options, nc);
  RenderReport report;
  report.device = mixer.name();
  report.layout = output->name;
  report.sampleRate = session.sampleRate;
  report.numFrames = plan.endFrame;
  report.durationSeconds = static_cast<double>(plan.endFrame) / session.sampleRate;
  report.numVoices = static_cast<int>(plan.voices.size());
  report.channelPeak.assign(nc, 0.0);
  std::vector<double> sumSquares(nc, 0.0);

  dsp::MixBlock block;
  std::vector<float> out;
  std::vector<std::size_t> active;
  std::vector<std::int64_t> trackGrid(session.tracks.size(), -1);
  for (std::int64_t start = 0; start < plan.endFrame; start += options.blockFrames) {
    const std::int64_t n = std::min(options.blockFrames, plan.endFrame - start);
    active.clear();
    for (std::size_t v = 0; v < plan.voices.size(); ++v) {
      const PlannedVoice& pv = plan.voices[v];
      if (pv.startFrame < start + n && pv.endFrame() > start) active.push_back(v);
    }
    block.reset(nc, n, static_cast<std::uint32_t>(start % dsp::kGridFrames), active.size());
    std::fill(trackGrid.begin(), trackGrid.end(), -1);
    const std::int64_t firstPoint = start / dsp::kGridFrames;
    for (std::size_t a = 0; a < active.size(); ++a) {
      const PlannedVoice& pv = plan.voices[active[a]];
      dsp::VoiceParams& p = block.voices[a];
      const std::int64_t clipFrame = start - pv.startFrame;  // clip frame at block frame 0
      p.clipFrame = static_cast<std::int32_t>(clipFrame);
      p.clipLength = static_cast<std::int32_t>(pv.lengthFrames);
      p.fadeInFrames = pv.fadeInFrames;
      p.fadeOutFrames = pv.fadeOutFrames;
      p.gainLinear = pv.gainLinear;
      p.fadeInShape = static_cast<float>(pv.fadeInShape);
      p.fadeOutShape = static_cast<float>(pv.fadeOutShape);
      const bool inside = clipFrame >= 0 && clipFrame + block.stride <= pv.lengthFrames;
      const bool fading = clipFrame < pv.fadeInFrames ||
                          clipFrame + block.stride > pv.lengthFrames - pv.fadeOutFrames;
      p.plain = inside && !fading ? 1.0f : 0.0f;
      std::copy(pv.gains.begin(), pv.gains.end(), p.gains);
      if (pv.moving) {
        p.moving = 1;
        std::int64_t& g = trackGrid[pv.trackIndex];
        if (g < 0)
          g = appendTrackGrid(block, session.tracks[pv.trackIndex], panner, firstPoint,
                              session.sampleRate);
        p.gridOffset = static_cast<std::uint32_t>(g);
      }
      // Copy the frames of the clip that fall in this block; the rest stays zero.
      const std::int64_t from = std::max<std::int64_t>(0, -clipFrame);
      const std::int64_t to = std::min<std::int64_t>(n, pv.sampleFrames - clipFrame);
      if (to > from) {
        std::copy(pv.samples + clipFrame + from, pv.samples + clipFrame + to,
                  block.samples.begin() + static_cast<std::ptrdiff_t>(a * block.stride + from));
      }
    }
    out.resize(static_cast<std::size_t>(nc * block.stride));
    mixer.mix(block, out);
    for (int c = 0; c < nc; ++c) {
      for (std::int64_t i = 0; i < n; ++i) {
        double x = out[c * block.stride + i];
        report.channelPeak[c] = std::max(report.channelPeak[c], std::abs(x));
        sumSquares[c] += x * x;
      }
    }
    sink(out, block.stride, n);
    if (options.progress) {
      options.progress(static_cast<double>(start + n) / session.sampleRate, report.durationSeconds);
    }
  }
  for (int c = 0; c < nc; ++c) {
    report.channelRms.push_back(
        plan.endFrame > 0 ? std::sqrt(sumSquares[c] / static_cast<double>(plan.endFrame)) : 0.0);
  }
  report.validationErrors = mixer.validationErrors();
  report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return report;
}

}  // namespace vkmix::engine

namespace vkmix {

RenderedAudio renderToMemory(const Session& session, const RenderOptions& options) {
  RenderedAudio result;
  result.report = engine::renderBlocks(
      session, options, [&](std::span<const float> planar, std::int64_t stride, std::int64_t n) {
        const auto nc = static_cast<std::size_t>(planar.size() / stride);
        if (result.channels.size() < nc) result.channels.resize(nc);
        for (std::size_t c = 0; c < nc; ++c) {
          result.channels[c].insert(result.channels[c].end(), planar.begin() + c * stride,
                                    planar.begin() + c * stride + n);
        }
      });
  if (result.channels.empty()) {
    result.channels.resize(findLayout(result.report.layout)->numChannels());
  }
  return result;
}

RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const std::filesystem::path& output, const std::string& format) {
  io::OutputFormat fmt = io::defaultFormatFor(output);
  if (!format.empty()) {
    auto parsed = io::parseOutputFormat(format);
    if (!parsed)
      throw InputError("--format", "",
                       "\"" + format + "\" is not one of wav16, wav24, wav32f, flac");
    fmt = *parsed;
  }
  const std::string layoutName = options.layout.empty() ? session.layout : options.layout;
  const Layout* layout = findLayout(layoutName);
  if (layout == nullptr) {
    throw InputError(options.layout.empty() ? session.path.string() : "--layout",
                     options.layout.empty() ? "layout" : "",
                     "unknown layout \"" + layoutName + "\"");
  }
  if (output.has_parent_path() && !std::filesystem::is_directory(output.parent_path())) {
    throw InputError(output.string(), "", "the output folder does not exist");
  }
  io::AudioWriter writer(output, *layout, session.sampleRate, fmt);
  RenderReport report = engine::renderBlocks(
      session, options, [&](std::span<const float> planar, std::int64_t stride, std::int64_t n) {
        writer.write(planar, stride, n);
      });
  writer.finish();
  report.clippedSamples = writer.clippedSamples();
  return report;
}

}  // namespace vkmix
