// GpuDenoiser: the dialogue denoiser on the GPU, one instance per denoised track (its channels
// processed together). Per chunk: hum notches (double precision), windowed analysis, VkFFT
// forward, the per-bin suppression frame after frame, VkFFT inverse, overlap-add. The input's
// history, the estimator state, the overlap-add tail and the hum filter state stay on the GPU
// across chunks. Same process() contract as ReferenceDenoiser (one submission a chunk); record()
// puts a chunk into a caller's command buffer instead, its input another stage's output on the
// device (a premix), and read() takes the output once that command buffer has finished, or
// recordCopyOut() hands it on on the device.
#pragma once

#include <memory>
#include <span>

#include "dsp/denoise/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"
#include "gpu/fft_plan.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::dsp {

class GpuDenoiser {
 public:
  GpuDenoiser(const gpu::Context& ctx, const DenoiseSpec& spec);
  ~GpuDenoiser();
  void process(std::span<const float> inputs, std::span<float> outputs);
  // Records one chunk: its input numChannels rows of `rows` (`stride` floats apart, from float
  // `offset` of each, written by shaders or copies recorded before), or silence when `rows` is
  // null. Recordings go to one queue in order; each begins with the barrier that orders it after
  // those before.
  void record(const vk::raii::CommandBuffer& commands, const gpu::Buffer* rows, std::int64_t stride,
              std::int64_t offset = 0);
  // The chunk last recorded, once its command buffer has finished: numChannels x chunk frames.
  void read(std::span<float> outputs) const;
  // Records, after record(), a copy of that chunk's output into `dst`: channel c's chunk frames
  // at float dstFirst + c * dstRowFloats. The next record() orders itself after it.
  void recordCopyOut(const vk::raii::CommandBuffer& commands, const gpu::Buffer& dst,
                     std::int64_t dstFirst, std::int64_t dstRowFloats) const;
  const StftShape& shape() const { return shape_; }

 private:
  gpu::Context::Traffic& traffic_;
  DenoiseSpec spec_;
  StftShape shape_;
  std::uint32_t channels_, sections_, minWindowFrames_;
  std::uint32_t frameIndex_ = 0;
  gpu::ComputePipeline hum_, analyze_, gain_, synthesize_;
  // Buffers before the FFT plan and descriptor sets that refer to them.
  gpu::Buffer input_;     // [channel][history + chunk] floats
  gpu::Buffer window_;    // [N]
  gpu::Buffer rows_;      // [channel * framesPerChunk][N + 2]: FFT rows, in place
  gpu::Buffer states_;    // [channel][bins] estimator state (6 floats)
  gpu::Buffer profile_;   // [channel][bins] learned noise power
  gpu::Buffer carry_;     // [channel][latency] overlap-add tail
  gpu::Buffer acc_;       // [channel][chunk + latency] overlap-add output
  gpu::Buffer coeffs_;    // [section][5] doubles
  gpu::Buffer humState_;  // [channel][section][4] doubles
  gpu::Buffer staging_;   // [channel][chunk]: process()'s input
  std::unique_ptr<gpu::FftPlan> plan_;
  vk::raii::DescriptorPool pool_{nullptr};
  vk::DescriptorSet humSet_, analyzeSet_, gainSet_, synthesizeSet_;
  gpu::Submitter submitter_;
};

}  // namespace vkmix::dsp
