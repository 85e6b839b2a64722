// The block loop: walks the timeline in blocks, gathers the voices active in each, fills one
// dsp::MixBlock per stem (samples, envelopes, gains or the gain grid of moving objects), mixes
// each on the GPU (or the CPU reference), sums the stems into the mix in stem order, and hands the
// block to a sink (delivery: meters, limiter, writers).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix::backend {
class Backend;
}
namespace vkmix::dsp {
struct ConvolverSpec;
}

namespace vkmix::engine {

// One rendered block: channel c's frame i at mix[c * stride + i] (and likewise per stem or
// print; track prints leave `mix` empty).
struct RenderedBlock {
  std::span<const float> mix;
  std::vector<std::span<const float>> stems;
  std::int64_t stride = 0;
  std::int64_t numFrames = 0;
  // The producer's own vectors that `mix` and `stems` view in full, where it can spare them: a
  // sink that keeps the block (BlockPipeline) may swap them for vectors of its own, of any
  // size, instead of copying them; the producer resizes them before it next writes. Null: copy.
  struct Buffers {
    std::vector<float>* mix = nullptr;
    std::vector<std::vector<float>>* stems = nullptr;
  };
  const Buffers* give = nullptr;
};

using BlockSink = std::function<void(const RenderedBlock&)>;

// What the dry path sums into: the stems in the output layout (a mix), or one print per sounding
// track, unpanned (an object track's one channel, a bed track's channels; after clip gain, fades,
// denoise, fader and gain automation), plus each stem's reverb returns in the output layout.
// Prints are what an ADM export writes.
enum class DryShape { Stems, TrackPrints };

// One print of a DryShape::TrackPrints render: a track's signal or a stem's reverb returns.
struct PrintInfo {
  int trackIndex = -1;  // -1: the reverb returns of stem `stemIndex`
  int stemIndex = 0;    // into RenderPlanInfo::stemNames
  int channels = 0;
};

// What the render will produce, known before the first block.
struct RenderPlanInfo {
  const Layout* layout = nullptr;
  std::vector<std::string> stems;      // what RenderedBlock::stems holds (stems or prints)
  std::vector<std::string> stemNames;  // the session's stems
  std::vector<PrintInfo> prints;       // DryShape::TrackPrints: what each of `stems` is
  std::int64_t numFrames = 0;
};

// A stage that convolves the rendered blocks on the render's own backend (the binaural render:
// engine/binaural_render.cpp), its sink its own. After `onPlan`, renderBlocks asks for its
// convolutions and has the backend made with them (BackendSetup::filters); attach() then gives
// the backend and the instance of the first one. finish() comes after the last block, while the
// backend is still there. All on the block loop's thread.
class BackendStage {
 public:
  virtual ~BackendStage() = default;
  virtual std::vector<const dsp::ConvolverSpec*> convolutions() const = 0;
  virtual void attach(backend::Backend& backend, std::size_t firstInstance) = 0;
  virtual void finish() = 0;
};

// Renders the session, calling `onPlan` once (before any block) and `sink` for every block.
// The returned report has the device, timing and size fields filled; loudness is the sink's job.
RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const std::function<void(const RenderPlanInfo&)>& onPlan,
                          const BlockSink& sink, DryShape shape = DryShape::Stems,
                          BackendStage* stage = nullptr);

// The output layout a session and options select; InputError naming where it came from.
Layout outputLayout(const Session& session, const RenderOptions& options);

}  // namespace vkmix::engine
