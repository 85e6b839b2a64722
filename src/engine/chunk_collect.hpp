// The delivering half of the render loop: a started chunk's mixes collected from the backend in
// the mixers' order, the dry groups through the reverb framing (or, with no reverb, straight
// into the block handed on), the mix summed from the stems in stem order, checked finite, and
// handed to the sink a chunk at a time at most.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "backend/backend.hpp"
#include "engine/chunk_start.hpp"
#include "engine/render_plan.hpp"
#include "engine/renderer.hpp"
#include "engine/reverb_framing.hpp"

namespace vkmix::engine {

class ChunkCollector {
 public:
  using Progress = std::function<void(double seconds, double total)>;
  ChunkCollector(const RenderPlan& plan, backend::Backend& backend, const BlockSink& sink,
                 Progress progress);
  void collect(const StartedChunk& chunk);
  // After the last chunk: the reverbs' last partitions, and every frame handed on.
  void finish();

 private:
  void collectDirect(const StartedChunk& chunk);
  void emit();
  // Hands on stemOut_ and mixOut_ (the stems' sum, its frames' largest magnitude bits
  // `mixLargest`; prints have none).
  void handOn(std::int64_t frames, std::int64_t stride, std::uint32_t mixLargest);
  void handOnPart(std::int64_t from, std::int64_t n, std::int64_t stride);
  void reportProgress() const;

  const RenderPlan& plan_;
  backend::Backend& backend_;
  const BlockSink& sink_;
  Progress progress_;
  std::unique_ptr<ReverbFraming> framing_;  // none without reverbs
  std::vector<std::vector<float>> stemOut_;
  std::vector<float> mixOut_, out_;
  std::vector<std::vector<float>> partStems_;
  std::vector<float> partMix_;
  RenderedBlock rendered_;
  std::int64_t emitted_ = 0;  // timeline frame of the next frame handed on
};

}  // namespace vkmix::engine
