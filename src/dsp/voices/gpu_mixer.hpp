// GpuMixer: runs shaders/voices/mix.comp on one MixBlock. The envelope (clip gain, fades) is
// applied to each voice's samples while they are uploaded; static voices then go through a
// pipeline specialised for static gains and moving ones through one for grid gains (on lavapipe
// one shader holding the envelope and both loops ran 2.6-4x slower). Each kind goes in chunks of
// kVoicesPerDispatch (one UBO range each) and each chunk accumulates onto the previous output, so
// the sum order is kind, then voice order: a voice's kind does not depend on the block, so the
// bytes are the same for any block size. Buffers grow on demand and are reused.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "dsp/voices/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::dsp {

class GpuMixer {
 public:
  GpuMixer(const gpu::Context& ctx, int numChannels);
  ~GpuMixer();

  // Mixes `block` into `out` (channel-major, numChannels x block.stride). Blocks until done.
  void mix(const MixBlock& block, std::span<float> out);

 private:
  void ensureCapacity(std::size_t voices, std::int64_t stride, std::size_t gridFloats);

  const gpu::Context& ctx_;
  int numChannels_;
  gpu::ComputePipeline staticPipeline_;  // voices with static gains
  gpu::ComputePipeline movingPipeline_;  // voices with gains on the grid
  std::vector<std::size_t> order_;       // upload order: static voices, then moving ones
  // Capacity the buffers and descriptor sets below were made for.
  std::size_t voiceCapacity_ = 0;
  std::int64_t strideCapacity_ = 0;
  std::size_t gridCapacity_ = 0;
  // Pool before its sets; buffers before the sets that point at them are rewritten. Sets are
  // plain handles freed by resetting the pool when capacity grows.
  vk::raii::DescriptorPool pool_{nullptr};
  std::vector<vk::DescriptorSet> sets_;  // one per chunk of kVoicesPerDispatch voices
  std::unique_ptr<gpu::Buffer> voices_;
  std::unique_ptr<gpu::Buffer> samples_;
  std::unique_ptr<gpu::Buffer> grid_;
  std::unique_ptr<gpu::Buffer> out_;
  gpu::Submitter submitter_;
};

}  // namespace vkmix::dsp
