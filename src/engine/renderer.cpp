#include "engine/renderer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <map>
#include "core/assert.hpp"
#include "core/units.hpp"
#include "dsp/voices/gpu_mixer.hpp"
#include "engine/automation.hpp"
#include "engine/voice_plan.hpp"
#include "layout/layout_file.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr std::int64_t kMaxBlockFrames = 1 << 20;

// The mixing backend: the GPU (one GpuMixer per stem, each with its own buffers), or the CPU
// reference (--device cpu).
class Mixer {
 public:
  Mixer(const RenderOptions& options, int numChannels, std::size_t numStems) {
    if (options.device == "cpu" || options.device == "cpu-reference") {
      name_ = "cpu-reference";
      return;
    }
    gpu::ContextOptions ctxOptions{.device = options.device, .validation = options.validation};
    context_ = std::make_unique<gpu::Context>(ctxOptions);
    for (std::size_t s = 0; s < numStems; ++s) {
      gpuMixers_.push_back(std::make_unique<dsp::GpuMixer>(*context_, numChannels));
    }
    name_ = context_->info().name + " [" + context_->info().type + "]";
  }
  void mix(std::size_t stem, const dsp::MixBlock& block, std::span<float> out) {
    if (!gpuMixers_.empty()) {
      gpuMixers_[stem]->mix(block, out);
    } else {
      dsp::referenceMix(block, out);
    }
  }
  const std::string& name() const { return name_; }
  int validationErrors() const { return context_ ? context_->validationErrorCount() : 0; }

 private:
  std::string name_;
  // The context outlives the mixers that use its device (members die in reverse order).
  std::unique_ptr<gpu::Context> context_;
  std::vector<std::unique_ptr<dsp::GpuMixer>> gpuMixers_;
};

// Fills block.grid with the gains of an automated voice for this block and returns the index of
// its first point. Points are at absolute frames (firstPoint + p) * kGridFrames: the object
// panner's gains (objects) or the bed routing (beds), times the gain automation.
std::uint32_t appendGrid(dsp::MixBlock& block, const Track& track, const PlannedVoice& voice,
                         const layout::ObjectPanner& panner, std::int64_t firstPoint,
                         int sampleRate) {
  const auto offset = static_cast<std::uint32_t>(block.grid.size() / kMaxOutputChannels);
  const std::int64_t points = (block.gridPhase + block.stride - 1) / dsp::kGridFrames + 2;
  std::vector<double> g(static_cast<std::size_t>(panner.numChannels()));
  for (std::int64_t p = 0; p < points; ++p) {
    const double t = static_cast<double>((firstPoint + p) * dsp::kGridFrames) / sampleRate;
    if (voice.bedChannel < 0) {
      const ObjectState s = objectStateAt(track, t);
      panner.gains(s.position, s.shape, g);
    } else {
      std::copy(voice.gains.begin(), voice.gains.begin() + panner.numChannels(), g.begin());
    }
    const double gain = dbToLinear(automationGainDbAt(track, t));
    const std::size_t base = block.grid.size();
    block.grid.resize(base + kMaxOutputChannels, 0.0f);
    for (std::size_t c = 0; c < g.size(); ++c)
      block.grid[base + c] = static_cast<float>(g[c] * gain);
  }
  return offset;
}

}  // namespace

Layout outputLayout(const Session& session, const RenderOptions& options) {
  if (options.layout.empty()) {
    return layout::resolveLayout(session.layout, session.path.string(), "layout");
  }
  return layout::resolveLayout(options.layout, "--layout", "");
}

namespace {

// Fills `block` with the active voices of one stem for the block starting at `start`.
void fillStemBlock(dsp::MixBlock& block, const VoicePlan& plan,
                   const std::vector<std::size_t>& active, int stem, const Session& session,
                   const layout::ObjectPanner& panner, std::int64_t start, std::int64_t n, int nc) {
  std::size_t count = 0;
  for (std::size_t v : active) count += plan.voices[v].stemIndex == stem ? 1 : 0;
  block.reset(nc, n, static_cast<std::uint32_t>(start % dsp::kGridFrames), count);
  std::map<std::pair<int, int>, std::int64_t> gridOf;  // (track, bed channel) -> first grid point
  const std::int64_t firstPoint = start / dsp::kGridFrames;
  std::size_t a = 0;
  for (std::size_t v : active) {
    const PlannedVoice& pv = plan.voices[v];
    if (pv.stemIndex != stem) continue;
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
      auto [it, fresh] = gridOf.try_emplace({pv.trackIndex, pv.bedChannel}, 0);
      if (fresh) {
        it->second = appendGrid(block, session.tracks[pv.trackIndex], pv, panner, firstPoint,
                                session.sampleRate);
      }
      p.gridOffset = static_cast<std::uint32_t>(it->second);
    }
    // Copy the frames of the clip that fall in this block; the rest stays zero.
    const std::int64_t from = std::max<std::int64_t>(0, -clipFrame);
    const std::int64_t to = std::min<std::int64_t>(n, pv.sampleFrames - clipFrame);
    if (to > from) {
      std::copy(pv.samples + clipFrame + from, pv.samples + clipFrame + to,
                block.samples.begin() + static_cast<std::ptrdiff_t>(a * block.stride + from));
    }
    ++a;
  }
}

}  // namespace

RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const std::function<void(const RenderPlanInfo&)>& onPlan,
                          const BlockSink& sink) {
  const auto wallStart = std::chrono::steady_clock::now();
  const Layout output = outputLayout(session, options);
  if (options.blockFrames < 1 || options.blockFrames > kMaxBlockFrames) {
    throw InputError("--block", "",
                     "must be within 1.." + std::to_string(kMaxBlockFrames) + " frames");
  }
  const int nc = output.numChannels();
  layout::ObjectPanner panner(output);
  ClipCache cache(session.sampleRate);
  VoicePlan plan = planVoices(session, output, panner, cache, options.warn);
  const std::size_t numStems = plan.stems.size();
  if (onPlan) onPlan(RenderPlanInfo{&output, plan.stems, plan.endFrame});

  Mixer mixer(options, nc, numStems);
  RenderReport report;
  report.device = mixer.name();
  report.layout = output.name;
  for (const Speaker& s : output.speakers) report.channelNames.push_back(s.name);
  report.sampleRate = session.sampleRate;
  report.numFrames = plan.endFrame;
  report.durationSeconds = static_cast<double>(plan.endFrame) / session.sampleRate;
  report.numVoices = static_cast<int>(plan.voices.size());

  dsp::MixBlock block;
  std::vector<float> mix;
  std::vector<std::vector<float>> stemOut(numStems);
  std::vector<std::size_t> active;
  RenderedBlock rendered;
  for (std::int64_t start = 0; start < plan.endFrame; start += options.blockFrames) {
    const std::int64_t n = std::min(options.blockFrames, plan.endFrame - start);
    const std::int64_t stride = (n + 3) / 4 * 4;
    active.clear();
    for (std::size_t v = 0; v < plan.voices.size(); ++v) {
      const PlannedVoice& pv = plan.voices[v];
      if (pv.startFrame < start + n && pv.endFrame() > start) active.push_back(v);
    }
    mix.assign(static_cast<std::size_t>(nc * stride), 0.0f);
    rendered.stems.clear();
    for (std::size_t s = 0; s < numStems; ++s) {
      std::vector<float>& out = stemOut[s];
      out.resize(static_cast<std::size_t>(nc * stride));
      bool any = std::any_of(active.begin(), active.end(), [&](std::size_t v) {
        return plan.voices[v].stemIndex == static_cast<int>(s);
      });
      if (any) {
        fillStemBlock(block, plan, active, static_cast<int>(s), session, panner, start, n, nc);
        mixer.mix(s, block, out);
      } else {
        std::fill(out.begin(), out.end(), 0.0f);  // a silent stem costs no dispatch
      }
      // The mix is the sum of the stems in stem order, so stems sum to it exactly.
      for (std::size_t k = 0; k < out.size(); ++k) mix[k] += out[k];
      rendered.stems.emplace_back(out);
    }
    rendered.mix = mix;
    rendered.stride = stride;
    rendered.numFrames = n;
    sink(rendered);
    if (options.progress) {
      options.progress(static_cast<double>(start + n) / session.sampleRate, report.durationSeconds);
    }
  }
  report.validationErrors = mixer.validationErrors();
  report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return report;
}

}  // namespace vkmix::engine
