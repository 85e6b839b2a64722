#include "dsp/voices/gpu_mixer.hpp"

#include <algorithm>
#include <cstring>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kWorkgroup = 64;

struct Push {
  std::uint32_t stride4, numVoices, voiceBase, accumulate, gridPhase;
};

}  // namespace

GpuMixer::GpuMixer(const gpu::Context& ctx, int numChannels)
    : ctx_(ctx),
      numChannels_(numChannels),
      pipeline_(
          ctx,
          gpu::PipelineDesc{
              .name = "voices/mix",
              .spirv = gpu::shaders::voicesMix(),
              .bindings = {vk::DescriptorType::eUniformBuffer, vk::DescriptorType::eStorageBuffer,
                           vk::DescriptorType::eStorageBuffer, vk::DescriptorType::eStorageBuffer},
              .pushConstantBytes = sizeof(Push),
              .specialization = {static_cast<std::int32_t>(kWorkgroup), numChannels}}),
      submitter_(ctx) {
  VKMIX_ASSERT(numChannels > 0 && numChannels <= kMaxOutputChannels, "channel count");
}

GpuMixer::~GpuMixer() = default;

void GpuMixer::ensureCapacity(std::size_t voices, std::int64_t stride, std::size_t gridFloats) {
  voices = std::max<std::size_t>(voices, 1);
  gridFloats = std::max<std::size_t>(gridFloats, 2 * kMaxOutputChannels);
  if (voices <= voiceCapacity_ && stride <= strideCapacity_ && gridFloats <= gridCapacity_) return;
  // Grow generously so a session's busiest block does not reallocate every time.
  voiceCapacity_ = std::max(
      voiceCapacity_, (voices + kVoicesPerDispatch - 1) / kVoicesPerDispatch * kVoicesPerDispatch);
  strideCapacity_ = std::max(strideCapacity_, stride);
  gridCapacity_ = std::max(gridCapacity_, gridFloats * 2);

  std::size_t sampleBytes = voiceCapacity_ * strideCapacity_ * sizeof(float);
  if (sampleBytes > ctx_.limits().maxStorageBufferRange) {
    throw GpuError(ctx_.info().name + ": a block of " + std::to_string(voices) + " voices x " +
                   std::to_string(stride) +
                   " frames exceeds the device's storage buffer range; "
                   "use a smaller --block");
  }
  const auto storage = vk::BufferUsageFlagBits::eStorageBuffer;
  sets_.clear();
  pool_ = nullptr;
  voices_ = std::make_unique<gpu::Buffer>(ctx_, voiceCapacity_ * sizeof(VoiceParams),
                                          vk::BufferUsageFlagBits::eUniformBuffer);
  samples_ = std::make_unique<gpu::Buffer>(ctx_, sampleBytes, storage);
  grid_ = std::make_unique<gpu::Buffer>(ctx_, gridCapacity_ * sizeof(float), storage);
  out_ = std::make_unique<gpu::Buffer>(
      ctx_, static_cast<std::size_t>(numChannels_) * strideCapacity_ * sizeof(float), storage);

  const auto chunks = static_cast<std::uint32_t>(voiceCapacity_ / kVoicesPerDispatch);
  std::array<vk::DescriptorPoolSize, 2> sizes{
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformBuffer, .descriptorCount = chunks},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eStorageBuffer,
                             .descriptorCount = 3 * chunks}};
  pool_ =
      ctx_.device().createDescriptorPool({.maxSets = chunks,
                                          .poolSizeCount = static_cast<std::uint32_t>(sizes.size()),
                                          .pPoolSizes = sizes.data()});
  std::vector<vk::DescriptorSetLayout> layouts(chunks, *pipeline_.setLayout());
  sets_ = (*ctx_.device())
              .allocateDescriptorSets({.descriptorPool = *pool_,
                                       .descriptorSetCount = chunks,
                                       .pSetLayouts = layouts.data()});
  for (std::uint32_t k = 0; k < chunks; ++k) {
    vk::DescriptorBufferInfo ubo{.buffer = *voices_->buffer(),
                                 .offset = k * kVoicesPerDispatch * sizeof(VoiceParams),
                                 .range = kVoicesPerDispatch * sizeof(VoiceParams)};
    vk::DescriptorBufferInfo s{.buffer = *samples_->buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    vk::DescriptorBufferInfo g{.buffer = *grid_->buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    vk::DescriptorBufferInfo o{.buffer = *out_->buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    std::array<vk::WriteDescriptorSet, 4> writes{};
    const vk::DescriptorBufferInfo* infos[4] = {&ubo, &s, &g, &o};
    for (std::uint32_t b = 0; b < 4; ++b) {
      writes[b] =
          vk::WriteDescriptorSet{.dstSet = sets_[k],
                                 .dstBinding = b,
                                 .descriptorCount = 1,
                                 .descriptorType = b == 0 ? vk::DescriptorType::eUniformBuffer
                                                          : vk::DescriptorType::eStorageBuffer,
                                 .pBufferInfo = infos[b]};
    }
    ctx_.device().updateDescriptorSets(writes, nullptr);
  }
}

void GpuMixer::mix(const MixBlock& block, std::span<float> out) {
  VKMIX_ASSERT(block.numChannels == numChannels_, "block channel count differs from the mixer's");
  VKMIX_ASSERT(block.stride % 4 == 0 && block.stride >= block.numFrames, "stride");
  VKMIX_ASSERT(static_cast<std::int64_t>(out.size()) >= numChannels_ * block.stride,
               "output too small");
  const std::size_t numVoices = block.voices.size();
  ensureCapacity(numVoices, block.stride, block.grid.size());

  std::memcpy(voices_->mapped(), block.voices.data(), numVoices * sizeof(VoiceParams));
  std::memcpy(samples_->mapped(), block.samples.data(), block.samples.size() * sizeof(float));
  if (!block.grid.empty())
    std::memcpy(grid_->mapped(), block.grid.data(), block.grid.size() * sizeof(float));

  const auto stride4 = static_cast<std::uint32_t>(block.stride / 4);
  const std::uint32_t groups = (stride4 + kWorkgroup - 1) / kWorkgroup;
  const vk::raii::CommandBuffer& commands = submitter_.begin();
  commands.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline_.pipeline());
  const std::size_t chunks =
      std::max<std::size_t>(1, (numVoices + kVoicesPerDispatch - 1) / kVoicesPerDispatch);
  for (std::size_t k = 0; k < chunks; ++k) {
    Push push{.stride4 = stride4,
              .numVoices = static_cast<std::uint32_t>(std::min<std::size_t>(
                  kVoicesPerDispatch, numVoices - std::min(numVoices, k * kVoicesPerDispatch))),
              .voiceBase = static_cast<std::uint32_t>(k * kVoicesPerDispatch),
              .accumulate = k > 0 ? 1u : 0u,
              .gridPhase = block.gridPhase};
    if (k > 0) {
      // Orders chunk k-1's writes to Mix before chunk k's read-modify-write of it.
      vk::MemoryBarrier barrier{
          .srcAccessMask = vk::AccessFlagBits::eShaderWrite,
          .dstAccessMask = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite};
      commands.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                               vk::PipelineStageFlagBits::eComputeShader, {}, barrier, nullptr,
                               nullptr);
    }
    commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *pipeline_.layout(), 0, sets_[k],
                                nullptr);
    commands.pushConstants<Push>(*pipeline_.layout(), vk::ShaderStageFlagBits::eCompute, 0, push);
    commands.dispatch(groups, 1, 1);
  }
  submitter_.submitAndWait("voice mix");
  std::memcpy(out.data(), out_->mapped(),
              static_cast<std::size_t>(numChannels_) * block.stride * sizeof(float));
}

}  // namespace vkmix::dsp
