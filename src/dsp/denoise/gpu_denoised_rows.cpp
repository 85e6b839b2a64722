#include "dsp/denoise/gpu_denoised_rows.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kWorkgroup = 64;  // rows.comp's local_size_x

struct RowsPush {
  std::uint32_t ringBase, ringFrames, first, rowBase, from, to, stride;
  float gain;
};

constexpr auto kStorage = vk::DescriptorType::eStorageBuffer;
constexpr vk::DeviceSize kMaxIndex = 0xffffffffu;  // rows.comp indexes floats with a uint

// The ring frames for chunks of up to chunkFrames: whole denoise chunks, two more than the chunk
// spans (the frames a chunk reads were produced within a denoise chunk of its end).
std::int64_t ringFramesFor(std::int64_t chunkFrames, std::int64_t denoiseChunk) {
  return (std::max<std::int64_t>(chunkFrames, 1) / denoiseChunk + 2) * denoiseChunk;
}

}  // namespace

GpuDenoisedRows::GpuDenoisedRows(const gpu::Context& ctx, const std::vector<int>& channels,
                                 const StftShape& shape, std::int64_t chunkFrames, int batches,
                                 std::size_t mixesPerBatch)
    : ctx_(ctx),
      ringFrames_(ringFramesFor(chunkFrames, shape.chunkFrames())),
      latency_(shape.latency()),
      chunk_(shape.chunkFrames()),
      produced_(channels.size(), 0),
      pipeline_(ctx, gpu::PipelineDesc{.name = "denoise/rows",
                                       .spirv = gpu::shaders::denoiseRows(),
                                       .bindings = {kStorage, kStorage},
                                       .pushConstantBytes = sizeof(RowsPush),
                                       .specialization = {}}),
      ring_(ctx,
            static_cast<vk::DeviceSize>(
                std::max(1, std::accumulate(channels.begin(), channels.end(), 0))) *
                static_cast<vk::DeviceSize>(ringFrames_) * sizeof(float),
            vk::BufferUsageFlagBits::eStorageBuffer | vk::BufferUsageFlagBits::eTransferDst,
            gpu::Placement::Resident) {
  VKMIX_ASSERT(ring_.bytes() / sizeof(float) <= kMaxIndex, "the ring's indices fit the shader's");
  std::int64_t row = 0;
  for (int c : channels) {
    firstRow_.push_back(row);
    row += c;
  }
  std::memset(ring_.mapped(), 0, ring_.bytes());
  const auto sets = static_cast<std::uint32_t>(std::max<std::size_t>(mixesPerBatch, 1));
  vk::DescriptorPoolSize size{.type = kStorage, .descriptorCount = 2 * sets};
  for (int b = 0; b < batches; ++b)
    pools_.push_back(ctx.device().createDescriptorPool(
        {.maxSets = sets, .poolSizeCount = 1, .pPoolSizes = &size}));
}

void GpuDenoisedRows::recordChunk(const vk::raii::CommandBuffer& commands, std::size_t track,
                                  const GpuDenoiser& denoiser) {
  std::int64_t& produced = produced_[track];
  // Whole chunks in a ring of whole chunks: a chunk's frames never wrap.
  denoiser.recordCopyOut(commands, ring_, firstRow_[track] * ringFrames_ + produced % ringFrames_,
                         ringFrames_);
  produced += chunk_;
}

void GpuDenoisedRows::beginBatch(int batch) { pools_[static_cast<std::size_t>(batch)].reset(); }

void GpuDenoisedRows::recordRows(const vk::raii::CommandBuffer& commands, int batch,
                                 const MixBlock& block, const gpu::Buffer& rows,
                                 std::span<const std::size_t> rowOf) {
  // The ring's copies (and the rows' earlier readers) before the writes below.
  constexpr vk::PipelineStageFlags stages =
      vk::PipelineStageFlagBits::eComputeShader | vk::PipelineStageFlagBits::eTransfer;
  const vk::MemoryBarrier barrier{
      .srcAccessMask = vk::AccessFlagBits::eShaderWrite | vk::AccessFlagBits::eTransferWrite,
      .dstAccessMask = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite};
  commands.pipelineBarrier(stages, vk::PipelineStageFlagBits::eComputeShader, {}, barrier, nullptr,
                           nullptr);
  VKMIX_ASSERT(rows.bytes() / sizeof(float) <= kMaxIndex, "the rows' indices fit the shader's");
  const vk::DescriptorSetLayout layout = *pipeline_.setLayout();
  const vk::DescriptorSet set =
      (*ctx_.device())
          .allocateDescriptorSets({.descriptorPool = *pools_[static_cast<std::size_t>(batch)],
                                   .descriptorSetCount = 1,
                                   .pSetLayouts = &layout})
          .front();
  const vk::DescriptorBufferInfo ring{
      .buffer = *ring_.buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
  const vk::DescriptorBufferInfo out{.buffer = *rows.buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
  const std::array<vk::WriteDescriptorSet, 2> writes{gpu::bufferWrite(set, 0, kStorage, ring),
                                                     gpu::bufferWrite(set, 1, kStorage, out)};
  ctx_.device().updateDescriptorSets(writes, nullptr);
  commands.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline_.pipeline());
  commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *pipeline_.layout(), 0, set,
                              nullptr);
  const auto stride = static_cast<std::uint32_t>(block.stride);
  for (const DeviceRow& r : block.deviceRows) {
    const auto track = static_cast<std::size_t>(r.source);
    const VoiceParams& v = block.voices[r.voice];
    // Output frame u of the denoiser is the track's clip frame u - latency.
    const std::int64_t first = v.clipFrame + latency_;
    VKMIX_ASSERT(r.to <= r.from || (first + r.to <= produced_[track] &&
                                    first + r.from >= produced_[track] - ringFrames_),
                 "device rows read frames the ring holds");
    const RowsPush push{
        .ringBase = static_cast<std::uint32_t>((firstRow_[track] + r.channel) * ringFrames_),
        .ringFrames = static_cast<std::uint32_t>(ringFrames_),
        .first = static_cast<std::uint32_t>((first % ringFrames_ + ringFrames_) % ringFrames_),
        .rowBase = static_cast<std::uint32_t>(rowOf[r.voice] * stride),
        .from = static_cast<std::uint32_t>(r.from),
        .to = static_cast<std::uint32_t>(std::max(r.from, r.to)),
        .stride = stride,
        .gain = v.gainLinear};
    commands.pushConstants<RowsPush>(*pipeline_.layout(), vk::ShaderStageFlagBits::eCompute, 0,
                                     push);
    commands.dispatch((stride + kWorkgroup - 1) / kWorkgroup, 1, 1);
  }
}

}  // namespace vkmix::dsp
