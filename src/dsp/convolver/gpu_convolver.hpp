// GpuConvolver: uniform partitioned overlap-save convolution on the GPU. Forward and inverse real
// FFTs by VkFFT; the frequency-domain delay line, the IR spectra and the complex multiply-
// accumulate (shaders/convolver/) stay on the GPU across partitions. Same process() shape as
// ReferenceConvolver: one partition of every input in, one partition of every output out.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"
#include "gpu/fft_plan.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::dsp {

class GpuConvolver {
 public:
  GpuConvolver(const gpu::Context& ctx, const ConvolverSpec& spec);
  ~GpuConvolver();
  void process(std::span<const float> inputs, std::span<float> outputs);
  std::int64_t partitions() const { return partitions_; }

 private:
  const gpu::Context& ctx_;
  std::int64_t p_, partitions_;
  std::uint32_t numInputs_, numOutputs_;
  std::uint32_t head_ = 0;
  std::vector<float> previous_;  // [input][P]: the last partition, first half of the next FFT
  gpu::ComputePipeline toFdl_, mac_;
  // Buffers before the FFT plans and descriptor sets that refer to them.
  gpu::Buffer forward_;  // [input][2P + 2] floats: time in, spectrum out
  gpu::Buffer fdl_;      // [slot][input][P + 2] complex: bins 0..P and a zero
  gpu::Buffer irs_;      // [ir][partition][P + 2] complex: bins 0..P and a zero
  gpu::Buffer inverse_;  // [output][2P + 2] floats: spectrum in, time out
  gpu::Buffer terms_;    // UBO: per output, its (input, IR) terms
  // Texel views: the shaders read the spectra (RG32F, a bin each), the delay line and the IR
  // spectra (RGBA32F, two bins each) as texels.
  vk::raii::BufferView forwardView_{nullptr}, fdlView_{nullptr}, irsView_{nullptr};
  std::unique_ptr<gpu::FftPlan> forwardPlan_, inversePlan_;
  vk::raii::DescriptorPool pool_{nullptr};  // sets freed with the pool
  vk::DescriptorSet toFdlSet_, macSet_;
  gpu::Submitter submitter_;
};

}  // namespace vkmix::dsp
