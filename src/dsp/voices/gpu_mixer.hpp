// GpuMixer: runs shaders/voices/mix.comp on one MixBlock. Voices go in chunks of
// kVoicesPerDispatch (one UBO range each); chunk k+1 accumulates onto chunk k's output, so the sum
// order is voice order, the same for any block size. Buffers grow on demand and are reused.
#pragma once

#include <memory>
#include <span>

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
  gpu::ComputePipeline pipeline_;
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
