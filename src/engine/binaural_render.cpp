#include "engine/binaural_render.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "backend/backend.hpp"
#include "binaural/binaural_renderer.hpp"
#include "binaural/virtual_speakers.hpp"
#include "engine/render_replay.hpp"
#include "engine/voice_plan.hpp"
#include "io/decoder.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

// A stem's part in one mode is rendered as a stem of its own, named the stem, this separator
// (which no session key would hold) and the mode; the default mode keeps the stem's own name.
constexpr char kModeSeparator = '\x1f';

// Frames handed on per block at most: the binaural renderer releases a partition (16384 frames)
// at once; smaller blocks keep the delivery's queue as small as a loudspeaker render's.
constexpr std::int64_t kMaxBlockFrames = 8192;

std::string partName(const std::string& stem, BinauralMode mode) {
  if (mode == BinauralMode::Mid) return stem;
  return stem + kModeSeparator + binauralModeName(mode);
}

// The stem and mode of a part, by its name.
std::pair<std::string, BinauralMode> parsePart(const std::string& name) {
  const std::size_t at = name.rfind(kModeSeparator);
  if (at == std::string::npos) return {name, BinauralMode::Mid};
  return {name.substr(0, at), *parseBinauralMode(name.substr(at + 1))};
}

// The binaural half of the render: parts' feeds in, ears of the stems and the mix out. Each
// part's filters are a convolution on the render's backend, as a reverb's are.
class Binauraliser final : public BackendStage {
 public:
  Binauraliser(const Session& session, const RenderOptions& options, const BlockSink& sink)
      : hrtf_(options.hrtf.empty() ? binaural::Hrtf::defaultPath() : options.hrtf,
              session.sampleRate),
        stems_(stemOrder(session)),
        sink_(sink) {}

  // The loudspeaker render's plan: a part per stem of it; returns the binaural render's plan.
  const RenderPlanInfo& open(const RenderPlanInfo& inner) {
    std::int64_t tail = 0;
    for (const std::string& name : inner.stems) {
      const auto [stem, mode] = parsePart(name);
      auto spec = specs_.find(mode);
      if (spec == specs_.end())
        spec = specs_.emplace(mode, binaural::binauralSpec(*inner.layout, hrtf_, {.mode = mode}))
                   .first;
      tail = std::max(tail, spec->second.maxIrFrames() - 1);
      const auto s = std::find(stems_.begin(), stems_.end(), stem);
      parts_.push_back({static_cast<std::size_t>(s - stems_.begin()), &spec->second, nullptr});
    }
    numChannels_ = inner.layout->numChannels();
    info_ = RenderPlanInfo{&binaural::binauralLayout(), stems_, stems_, {}, inner.numFrames + tail};
    return info_;
  }

  std::vector<const dsp::ConvolverSpec*> convolutions() const override {
    std::vector<const dsp::ConvolverSpec*> specs;
    for (const Part& p : parts_) specs.push_back(p.spec);
    return specs;
  }

  // Part k convolves on the backend's instance firstInstance + k: in the work of the chunks
  // after the one that fed it, where the backend does that (one submission a chunk on vulkan),
  // its ears handed on once that chunk has finished.
  void attach(backend::Backend& backend, std::size_t firstInstance) override {
    for (std::size_t k = 0; k < parts_.size(); ++k) {
      const std::size_t instance = firstInstance + k;
      const std::int64_t batch = backend.convolverBatch(instance);
      if (backend.filtersInChunk()) {
        parts_[k].renderer = std::make_unique<binaural::BinauralRenderer>(
            *parts_[k].spec, batch,
            binaural::BinauralRenderer::Deferred{
                [&backend, instance](std::span<const float> in) {
                  backend.queueFilter(instance, in);
                },
                [&backend, instance] { return backend.filterDone(instance); },
                [&backend, instance](std::span<float> out) { backend.takeFilter(instance, out); }});
      } else {
        parts_[k].renderer = std::make_unique<binaural::BinauralRenderer>(
            *parts_[k].spec, batch,
            [&backend, instance](std::span<const float> in, std::span<float> out) {
              backend.convolve(instance, in, out);
            });
      }
    }
  }

  void consume(const RenderedBlock& b) {
    const auto n = static_cast<std::size_t>(b.numFrames);
    for (std::size_t k = 0; k < parts_.size(); ++k) {
      feeds_.resize(static_cast<std::size_t>(numChannels_) * n);
      for (std::size_t c = 0; c < static_cast<std::size_t>(numChannels_); ++c)
        std::copy_n(b.stems[k].begin() + static_cast<std::ptrdiff_t>(c * b.stride), n,
                    feeds_.begin() + static_cast<std::ptrdiff_t>(c * n));
      parts_[k].renderer->process(feeds_, b.numFrames);
    }
    input_ += b.numFrames;
    emit();
  }

  void finish() override {
    // Every part's last spans handed over before any is waited for: one submission for them all.
    for (Part& p : parts_) p.renderer->endInput();
    for (Part& p : parts_) p.renderer->finish();
    finished_ = true;
    emit();
  }

  std::int64_t emitted() const { return emitted_; }

 private:
  struct Part {
    std::size_t stem;                // into stems_
    const dsp::ConvolverSpec* spec;  // its mode's, in specs_
    std::unique_ptr<binaural::BinauralRenderer> renderer;
  };

  // Hands on what every part has ready, up to the render's end.
  void emit() {
    // Once finished, every part has all it will give: a part whose filters' tail is shorter
    // than the longest gives silence past its end.
    std::int64_t ready = finished_ ? info_.numFrames : input_;
    if (!finished_) {
      for (Part& p : parts_) {
        p.renderer->poll();
        ready = std::min(ready, emitted_ + p.renderer->ready());
      }
    }
    ready = std::min(ready, info_.numFrames) - emitted_;
    while (ready > 0) {
      const std::int64_t n = std::min(ready, kMaxBlockFrames);
      const std::int64_t stride = (n + 3) / 4 * 4;
      const auto un = static_cast<std::size_t>(n);
      stemOut_.resize(stems_.size());
      for (std::vector<float>& s : stemOut_) s.assign(static_cast<std::size_t>(2 * stride), 0.0f);
      ears_.resize(2 * un);
      const std::span<float> ears(ears_);
      for (Part& p : parts_) {
        // Parts with nothing left (every part's filters' tails may differ) give silence.
        const std::int64_t take = std::min(n, p.renderer->ready());
        p.renderer->take(take, ears.first(un), ears.subspan(un));
        std::vector<float>& out = stemOut_[p.stem];
        for (std::size_t ear = 0; ear < 2; ++ear)
          for (std::size_t i = 0; i < static_cast<std::size_t>(take); ++i)
            out[ear * static_cast<std::size_t>(stride) + i] += ears_[ear * un + i];
      }
      block_.stems.assign(stemOut_.begin(), stemOut_.end());
      sumStems(block_.stems, static_cast<std::size_t>(2 * stride), mix_);
      block_.mix = mix_;
      block_.stride = stride;
      block_.numFrames = n;
      sink_(block_);
      emitted_ += n;
      ready -= n;
    }
  }

  binaural::Hrtf hrtf_;
  std::vector<std::string> stems_;
  const BlockSink& sink_;
  std::map<BinauralMode, dsp::ConvolverSpec> specs_;  // per mode in use: its parts' filters
  std::vector<Part> parts_;  // per stem of the loudspeaker render, in its order
  int numChannels_ = 0;
  RenderPlanInfo info_;
  std::vector<float> feeds_, ears_, mix_;
  std::vector<std::vector<float>> stemOut_;
  RenderedBlock block_;
  std::int64_t input_ = 0, emitted_ = 0;
  bool finished_ = false;
};

}  // namespace

// The virtual loudspeakers: 9.1.6 (docs/binaural.md), unless a reverb's IR has one channel per
// speaker of the session's own layout, which only that layout can play: then that layout.
std::string binauralVirtualLayoutFor(const Session& session) {
  const std::string dense = binaural::binauralVirtualLayout().name;
  if (session.layout == kBinauralLayout) return dense;
  const Layout* own = findLayout(session.layout);
  const int nc = own != nullptr ? own->numChannels() : 0;
  for (const Reverb& rv : session.reverbs) {
    try {
      const int channels = io::probeAudio(rv.resolvedIr).numChannels;
      if (channels == nc && channels != 1 && channels != 2 && channels != 4 &&
          channels != binaural::binauralVirtualLayout().numChannels())
        return session.layout;
    } catch (const InputError&) {
      // The plan reports an unreadable IR, naming the session's field.
    }
  }
  return dense;
}

bool isBinauralRender(const Session& session, const RenderOptions& options) {
  return options.layout.empty() ? session.layout == kBinauralLayout
                                : options.layout == kBinauralLayout;
}

RenderReport renderBinauralBlocks(const Session& session, const RenderOptions& options,
                                  const std::function<void(const RenderPlanInfo&)>& onPlan,
                                  const BlockSink& sink, DryShape shape) {
  if (shape == DryShape::TrackPrints)
    throw options.layout.empty()
        ? InputError(session.path.string(), "layout",
                     "binaural: an ADM export writes the tracks unrendered; give a loudspeaker "
                     "--layout")
        : InputError("--layout", kBinauralLayout,
                     "an ADM export writes the tracks unrendered; it has no binaural layout");
  Binauraliser ears(session, options, sink);
  Session split = session;
  for (Track& t : split.tracks) t.stem = partName(t.stem, t.binauralMode);
  RenderOptions speakers = options;
  speakers.layout = binauralVirtualLayoutFor(session);
  double total = 0.0;  // seconds, of the binaural render
  if (options.progress)
    speakers.progress = [&](double done, double) { options.progress(done, total); };
  RenderReport report = renderBlocks(
      split, speakers,
      [&](const RenderPlanInfo& inner) {
        const RenderPlanInfo& info = ears.open(inner);
        total = static_cast<double>(info.numFrames) / session.sampleRate;
        if (onPlan) onPlan(info);
      },
      [&](const RenderedBlock& b) { ears.consume(b); }, DryShape::Stems, &ears);
  const Layout& layout = binaural::binauralLayout();
  report.layout = layout.name;
  report.channelNames.clear();
  for (const Speaker& s : layout.speakers) report.channelNames.push_back(s.name);
  report.numFrames = ears.emitted();
  report.durationSeconds = static_cast<double>(report.numFrames) / session.sampleRate;
  if (options.progress) options.progress(report.durationSeconds, report.durationSeconds);
  return report;
}

}  // namespace vkmix::engine
