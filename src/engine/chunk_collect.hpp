// The delivering half of the render loop: a started chunk's mixes collected from the backend in
// the mixers' order, the dry groups through the reverb framing (or, with no reverb, straight
// into the block handed on), the mix summed from the stems in stem order, checked finite, and
// handed to the sink a chunk at a time at most. With a worker (a backend that mixes on the device),
// what follows the backend's calls (the framing's sums, the mix, the sink) runs on the worker's
// thread while the loop starts the next chunks; it is waited for before the loop next touches
// what it uses, so the bytes and their order are the same.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "backend/backend.hpp"
#include "core/serial_worker.hpp"
#include "engine/chunk_start.hpp"
#include "engine/render_plan.hpp"
#include "engine/renderer.hpp"
#include "engine/reverb_framing.hpp"

namespace vkmix::engine {

class ChunkCollector {
 public:
  using Progress = std::function<void(double seconds, double total)>;
  // `aside`: the stems' and the mix's sums and the sink run on a worker thread of their own
  // ("vkmix-collect"); the sink must not call the backend.
  ChunkCollector(const RenderPlan& plan, backend::Backend& backend, const BlockSink& sink,
                 Progress progress, bool aside);
  void collect(const StartedChunk& chunk);
  // After the last chunk: the reverbs' last partitions, and every frame handed on.
  void finish();

 private:
  void collectDirect(const StartedChunk& chunk);
  void sumDirect(std::int64_t frames, std::int64_t stride, const std::vector<char>& dispatched);
  void addDryGroups(std::int64_t stride, std::int64_t n);
  void emit();
  // Runs `job` on the worker, or here without one.
  void handOff(std::function<void()> job);
  // The last job handed off, done (its error rethrown).
  void settle();
  // Hands on stemOut_ and mixOut_ (the stems' sum, its frames' largest magnitude bits
  // `mixLargest`; prints have none).
  void handOn(std::int64_t frames, std::int64_t stride, std::uint32_t mixLargest);
  void handOnPart(std::int64_t from, std::int64_t n, std::int64_t stride);
  // The last chunk collected, once handed on (at the next collect, or finish()).
  void reportProgress();

  const RenderPlan& plan_;
  backend::Backend& backend_;
  const BlockSink& sink_;
  Progress progress_;
  std::unique_ptr<ReverbFraming> framing_;  // none without reverbs
  std::vector<std::vector<float>> stemOut_;
  std::vector<float> mixOut_, out_;
  std::vector<std::vector<float>> dryOut_;  // with a worker: per mixer, its dry group's mix
  std::vector<char> dispatched_;            // with a worker: the chunk's StartedChunk::dispatched
  std::vector<std::vector<float>> partStems_;
  std::vector<float> partMix_;
  RenderedBlock rendered_;
  std::int64_t emitted_ = 0;  // timeline frame of the next frame handed on
  bool progressDue_ = false;
  // Last: it stops, its job done, before the buffers that job uses go.
  std::unique_ptr<SerialWorker> worker_;
};

}  // namespace vkmix::engine
