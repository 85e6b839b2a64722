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

namespace {

const std::vector<vk::DescriptorType> kBindings = {
    vk::DescriptorType::eUniformBuffer, vk::DescriptorType::eUniformTexelBuffer,
    vk::DescriptorType::eUniformTexelBuffer, vk::DescriptorType::eStorageBuffer};

gpu::PipelineDesc mixPipeline(int numChannels, bool moving) {
  return gpu::PipelineDesc{
      .name = moving ? "voices/mix (moving)" : "voices/mix (static)",
      .spirv = gpu::shaders::voicesMix(),
      .bindings = kBindings,
      .pushConstantBytes = sizeof(Push),
      .specialization = {static_cast<std::int32_t>(kWorkgroup), numChannels, moving ? 1 : 0}};
}

// One voice's samples times its envelope, as the shader used to compute it: the gain alone in a
// plain block, else envelopeAt frame by frame (fades, clip bounds), rounded to float. The value
// of a frame does not depend on the block it falls in.
void applyEnvelope(const VoiceParams& v, const float* in, float* out, std::size_t n) {
  if (v.plain == 1.0f) {
    for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * v.gainLinear;
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    out[i] = in[i] * static_cast<float>(envelopeAt(v, v.clipFrame + static_cast<std::int64_t>(i)));
}

}  // namespace

MixPipelines::MixPipelines(const gpu::Context& ctx, int numChannels)
    : ctx_(ctx), numChannels_(numChannels), setLayout_(gpu::makeSetLayout(ctx, kBindings)) {}

const gpu::ComputePipeline& MixPipelines::get(bool moving) {
  std::lock_guard lock(mutex_);
  std::unique_ptr<gpu::ComputePipeline>& p = pipelines_[moving ? 1 : 0];
  if (!p) p = std::make_unique<gpu::ComputePipeline>(ctx_, mixPipeline(numChannels_, moving));
  return *p;
}

bool MixPipelines::made(bool moving) {
  std::lock_guard lock(mutex_);
  return pipelines_[moving ? 1 : 0] != nullptr;
}

GpuMixer::GpuMixer(const gpu::Context& ctx, int numChannels,
                   std::shared_ptr<MixPipelines> pipelines)
    : ctx_(ctx),
      numChannels_(numChannels),
      pipelines_(pipelines ? std::move(pipelines)
                           : std::make_shared<MixPipelines>(ctx, numChannels)) {
  VKMIX_ASSERT(numChannels > 0 && numChannels <= kMaxOutputChannels, "channel count");
  VKMIX_ASSERT(pipelines_->numChannels() == numChannels, "shared pipelines of another width");
  for (Slot& slot : slots_) slot.submitter = std::make_unique<gpu::Submitter>(ctx);
}

GpuMixer::~GpuMixer() = default;

void GpuMixer::ensureCapacity(Slot& slot, std::size_t voices, std::int64_t stride,
                              std::size_t gridFloats) {
  voices = std::max<std::size_t>(voices, 1);
  gridFloats = std::max<std::size_t>(gridFloats, 2 * kMaxOutputChannels);
  gridFloats = (gridFloats + 3) / 4 * 4;  // whole RGBA32F texels
  if (voices <= slot.voiceCapacity && stride <= slot.strideCapacity &&
      gridFloats <= slot.gridCapacity)
    return;
  // Grow generously so a session's busiest block does not reallocate every time.
  slot.voiceCapacity = std::max(slot.voiceCapacity, (voices + kVoicesPerDispatch - 1) /
                                                        kVoicesPerDispatch * kVoicesPerDispatch);
  slot.strideCapacity = std::max(slot.strideCapacity, stride);
  slot.gridCapacity = std::max(slot.gridCapacity, gridFloats * 2);

  std::size_t sampleBytes = slot.voiceCapacity * slot.strideCapacity * sizeof(float);
  const std::size_t outBytes =
      static_cast<std::size_t>(numChannels_) * static_cast<std::size_t>(slot.strideCapacity) * 4;
  if (sampleBytes / 16 > ctx_.limits().maxTexelBufferElements ||
      outBytes > ctx_.limits().maxStorageBufferRange) {
    throw GpuError(ctx_.info().name + ": a block of " + std::to_string(voices) + " voices x " +
                   std::to_string(stride) +
                   " frames exceeds the device's texel or storage buffer range; "
                   "use a smaller --block");
  }
  const auto storage = vk::BufferUsageFlagBits::eStorageBuffer;
  const auto texels = vk::BufferUsageFlagBits::eUniformTexelBuffer;
  slot.sets.clear();
  slot.pool = nullptr;
  slot.samplesView = nullptr;
  slot.gridView = nullptr;
  slot.voices = std::make_unique<gpu::Buffer>(ctx_, slot.voiceCapacity * sizeof(VoiceParams),
                                              vk::BufferUsageFlagBits::eUniformBuffer);
  slot.samples = std::make_unique<gpu::Buffer>(ctx_, sampleBytes, texels);
  slot.grid = std::make_unique<gpu::Buffer>(ctx_, slot.gridCapacity * sizeof(float), texels);
  slot.out = std::make_unique<gpu::Buffer>(
      ctx_, static_cast<std::size_t>(numChannels_) * slot.strideCapacity * sizeof(float), storage);
  slot.samplesView = gpu::texelView(ctx_, *slot.samples, vk::Format::eR32G32B32A32Sfloat, 16);
  slot.gridView = gpu::texelView(ctx_, *slot.grid, vk::Format::eR32G32B32A32Sfloat, 16);

  const auto chunks = static_cast<std::uint32_t>(slot.voiceCapacity / kVoicesPerDispatch);
  std::array<vk::DescriptorPoolSize, 3> sizes{
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformBuffer, .descriptorCount = chunks},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformTexelBuffer,
                             .descriptorCount = 2 * chunks},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eStorageBuffer,
                             .descriptorCount = chunks}};
  slot.pool =
      ctx_.device().createDescriptorPool({.maxSets = chunks,
                                          .poolSizeCount = static_cast<std::uint32_t>(sizes.size()),
                                          .pPoolSizes = sizes.data()});
  // Both pipelines have identically defined set layouts, so these sets serve either.
  std::vector<vk::DescriptorSetLayout> layouts(chunks, *pipelines_->setLayout());
  slot.sets = (*ctx_.device())
                  .allocateDescriptorSets({.descriptorPool = *slot.pool,
                                           .descriptorSetCount = chunks,
                                           .pSetLayouts = layouts.data()});
  for (std::uint32_t k = 0; k < chunks; ++k) {
    vk::DescriptorBufferInfo ubo{.buffer = *slot.voices->buffer(),
                                 .offset = k * kVoicesPerDispatch * sizeof(VoiceParams),
                                 .range = kVoicesPerDispatch * sizeof(VoiceParams)};
    vk::DescriptorBufferInfo o{.buffer = *slot.out->buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    const vk::BufferView samplesView = *slot.samplesView, gridView = *slot.gridView;
    const std::array<vk::WriteDescriptorSet, 4> writes{
        gpu::bufferWrite(slot.sets[k], 0, vk::DescriptorType::eUniformBuffer, ubo),
        gpu::texelWrite(slot.sets[k], 1, samplesView), gpu::texelWrite(slot.sets[k], 2, gridView),
        gpu::bufferWrite(slot.sets[k], 3, vk::DescriptorType::eStorageBuffer, o)};
    ctx_.device().updateDescriptorSets(writes, nullptr);
  }
}

void GpuMixer::submit(const MixBlock& block) {
  VKMIX_ASSERT(block.numChannels == numChannels_, "block channel count differs from the mixer's");
  VKMIX_ASSERT(block.stride % 4 == 0 && block.stride >= block.numFrames, "stride");
  VKMIX_ASSERT(inFlight_ < kInFlight, "every slot holds an unfinished mix");
  Slot& slot = slots_[static_cast<std::size_t>(next_)];
  const std::size_t numVoices = block.voices.size();
  // Static voices take rows [0, plain); moving ones start at the next chunk boundary, so each
  // kind's chunks have their own descriptor sets.
  order_.clear();
  for (std::size_t v = 0; v < numVoices; ++v)
    if (block.voices[v].moving == 0) order_.push_back(v);
  const std::size_t plain = order_.size();
  for (std::size_t v = 0; v < numVoices; ++v)
    if (block.voices[v].moving != 0) order_.push_back(v);
  const std::size_t plainChunks = (plain + kVoicesPerDispatch - 1) / kVoicesPerDispatch;
  const std::size_t otherBase = plainChunks * kVoicesPerDispatch;
  const std::size_t others = numVoices - plain;
  ensureCapacity(slot, otherBase + others, block.stride, block.grid.size());
  auto* params = static_cast<VoiceParams*>(slot.voices->mapped());
  auto* rows = static_cast<float*>(slot.samples->mapped());
  const auto rowFloats = static_cast<std::size_t>(block.stride);
  for (std::size_t k = 0; k < numVoices; ++k) {
    const std::size_t row = k < plain ? k : otherBase + (k - plain);
    params[row] = block.voices[order_[k]];
    applyEnvelope(block.voices[order_[k]], block.samples.data() + order_[k] * rowFloats,
                  rows + row * rowFloats, rowFloats);
  }
  if (!block.grid.empty())
    std::memcpy(slot.grid->mapped(), block.grid.data(), block.grid.size() * sizeof(float));
  const auto stride4 = static_cast<std::uint32_t>(block.stride / 4);
  const std::uint32_t groups = (stride4 + kWorkgroup - 1) / kWorkgroup;
  const vk::raii::CommandBuffer& commands = slot.submitter->begin();
  bool first = true;
  // One dispatch per chunk of a class (at least one: no voices still clears the output); every
  // one after the first accumulates onto the output.
  auto dispatch = [&](const gpu::ComputePipeline& pipeline, std::size_t base, std::size_t count) {
    commands.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline.pipeline());
    std::size_t done = 0;
    do {
      const std::size_t chunk = (base + done) / kVoicesPerDispatch;
      Push push{.stride4 = stride4,
                .numVoices = static_cast<std::uint32_t>(
                    std::min<std::size_t>(kVoicesPerDispatch, count - std::min(count, done))),
                .voiceBase = static_cast<std::uint32_t>(base + done),
                .accumulate = first ? 0u : 1u,
                .gridPhase = block.gridPhase};
      if (!first) {
        // Orders the previous dispatch's writes to Mix before this one's read-modify-write.
        vk::MemoryBarrier barrier{
            .srcAccessMask = vk::AccessFlagBits::eShaderWrite,
            .dstAccessMask = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite};
        commands.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                                 vk::PipelineStageFlagBits::eComputeShader, {}, barrier, nullptr,
                                 nullptr);
      }
      commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *pipeline.layout(), 0,
                                  slot.sets[chunk], nullptr);
      commands.pushConstants<Push>(*pipeline.layout(), vk::ShaderStageFlagBits::eCompute, 0, push);
      commands.dispatch(groups, 1, 1);
      first = false;
      done += kVoicesPerDispatch;
    } while (done < count);
  };
  // No voices at all still clears the output, through the static pipeline.
  if (plain > 0 || others == 0) dispatch(pipelines_->get(false), 0, plain);
  if (others > 0) dispatch(pipelines_->get(true), otherBase, others);
  slot.submitter->submit("voice mix");
  slot.stride = block.stride;
  next_ = (next_ + 1) % kInFlight;
  ++inFlight_;
}

void GpuMixer::finish(std::span<float> out) {
  VKMIX_ASSERT(inFlight_ > 0, "no mix to finish");
  Slot& slot = slots_[static_cast<std::size_t>((next_ - inFlight_ + kInFlight) % kInFlight)];
  VKMIX_ASSERT(static_cast<std::int64_t>(out.size()) >= numChannels_ * slot.stride,
               "output too small");
  --inFlight_;  // even if the wait fails: the slot is free again
  slot.submitter->wait("voice mix");
  std::memcpy(out.data(), slot.out->mapped(),
              static_cast<std::size_t>(numChannels_) * slot.stride * sizeof(float));
}

}  // namespace vkmix::dsp
