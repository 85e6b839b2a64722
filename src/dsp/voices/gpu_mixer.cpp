#include "dsp/voices/gpu_mixer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kWorkgroup = 64;

struct Push {
  std::uint32_t stride4, numVoices, accumulate, gridPhase, voiceBase, gainBase;
};

}  // namespace

namespace {

// Parameters (UBO), samples, grid, output, and mix_wide.comp's split lists.
const std::vector<vk::DescriptorType> kBindings = {
    vk::DescriptorType::eUniformBuffer, vk::DescriptorType::eUniformTexelBuffer,
    vk::DescriptorType::eUniformTexelBuffer, vk::DescriptorType::eStorageBuffer,
    vk::DescriptorType::eStorageBuffer};

gpu::PipelineDesc mixPipeline(int numChannels, bool moving) {
  return gpu::PipelineDesc{
      .name = moving ? "voices/mix (moving)" : "voices/mix (static)",
      .spirv = gpu::shaders::voicesMix(),
      .bindings = kBindings,
      .pushConstantBytes = sizeof(Push),
      .specialization = {static_cast<std::int32_t>(kWorkgroup), numChannels, moving ? 1 : 0}};
}

gpu::PipelineDesc widePipeline(int numChannels) {
  return gpu::PipelineDesc{.name = "voices/mix_wide (static)",
                           .spirv = gpu::shaders::voicesMixWide(),
                           .bindings = kBindings,
                           .pushConstantBytes = sizeof(Push),
                           .specialization = {static_cast<std::int32_t>(kWideQuads), numChannels,
                                              static_cast<std::int32_t>(kWideSplits)}};
}

bool wideKernel(const gpu::Context& ctx, MixKernel kernel) {
  if (kernel != MixKernel::Auto) return kernel == MixKernel::Wide;
  if (const char* env = std::getenv("VKMIX_MIX_KERNEL")) {
    if (std::string_view(env) == "wide") return true;
    if (std::string_view(env) == "narrow") return false;
  }
  return ctx.info().type != "cpu";
}

}  // namespace

MixPipelines::MixPipelines(const gpu::Context& ctx, int numChannels, MixKernel kernel)
    : ctx_(ctx),
      numChannels_(numChannels),
      wide_(wideKernel(ctx, kernel)),
      setLayout_(gpu::makeSetLayout(ctx, kBindings)) {}

const gpu::ComputePipeline& MixPipelines::get(bool moving) {
  std::lock_guard lock(mutex_);
  std::unique_ptr<gpu::ComputePipeline>& p = pipelines_[moving ? 1 : 0];
  if (!p) {
    p = std::make_unique<gpu::ComputePipeline>(
        ctx_, !moving && wide_ ? widePipeline(numChannels_) : mixPipeline(numChannels_, moving));
  }
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

void GpuMixer::ensureCapacity(Slot& slot, std::size_t params, std::size_t rowFloats,
                              std::int64_t stride, std::size_t gridFloats) {
  params = std::max<std::size_t>(params, 1);
  rowFloats = std::max<std::size_t>(rowFloats, 4);
  gridFloats = std::max<std::size_t>(gridFloats, 2 * kMaxOutputChannels);
  gridFloats = (gridFloats + 3) / 4 * 4;  // whole RGBA32F texels
  const bool growParams = params > slot.paramCapacity;
  const bool growRows = rowFloats > slot.rowCapacity;
  const bool growOut = stride > slot.strideCapacity;
  const bool growGrid = gridFloats > slot.gridCapacity;
  if (!growParams && !growRows && !growOut && !growGrid) return;
  const std::size_t outFloats =
      static_cast<std::size_t>(numChannels_) * static_cast<std::size_t>(stride);
  // Rows grow by half at least, so a session whose blocks gain voices reallocates rarely.
  const std::size_t newRowCapacity = std::max(rowFloats, slot.rowCapacity + slot.rowCapacity / 2);
  if ((growRows && newRowCapacity / 4 > ctx_.limits().maxTexelBufferElements) ||
      (growOut && outFloats * sizeof(float) > ctx_.limits().maxStorageBufferRange)) {
    throw GpuError(ctx_.info().name + ": a block of " +
                   std::to_string(rowFloats / static_cast<std::size_t>(stride)) + " voices x " +
                   std::to_string(stride) +
                   " frames exceeds the device's texel or storage buffer range; "
                   "use a smaller --block");
  }
  // The sets point at every buffer: they are rewritten below, after whatever grows.
  slot.sets.clear();
  slot.pool = nullptr;
  // Grow generously so a session's busiest block does not reallocate every time. A buffer big
  // enough keeps its contents (rows written through uploadRows() before submit()).
  if (growParams) {
    slot.paramCapacity =
        (params + kVoicesPerDispatch - 1) / kVoicesPerDispatch * kVoicesPerDispatch;
    slot.voices = std::make_unique<gpu::StagedBuffer>(
        ctx_, slot.paramCapacity * sizeof(VoiceParams), vk::BufferUsageFlagBits::eUniformBuffer);
    slot.order = std::make_unique<gpu::StagedBuffer>(
        ctx_, (slot.paramCapacity + kWideSplits + 1) * sizeof(std::uint32_t),
        vk::BufferUsageFlagBits::eStorageBuffer);
  }
  if (growRows) {
    slot.rowCapacity = newRowCapacity;
    slot.samplesView = nullptr;
    // Storage too: rows a device fills (MixBlock::deviceRows) are written by a shader.
    slot.samples = std::make_unique<gpu::StagedBuffer>(
        ctx_, slot.rowCapacity * sizeof(float),
        vk::BufferUsageFlagBits::eUniformTexelBuffer | vk::BufferUsageFlagBits::eStorageBuffer);
    slot.samplesView =
        gpu::texelView(ctx_, slot.samples->deviceSide(), vk::Format::eR32G32B32A32Sfloat, 16);
  }
  if (growOut) {
    slot.strideCapacity = stride;
    slot.out = std::make_unique<gpu::Buffer>(
        ctx_, outFloats * sizeof(float),
        vk::BufferUsageFlagBits::eStorageBuffer | vk::BufferUsageFlagBits::eTransferSrc,
        gpu::Placement::Readback);
  }
  if (growGrid) {
    slot.gridCapacity = gridFloats * 2;
    slot.gridView = nullptr;
    slot.grid = std::make_unique<gpu::StagedBuffer>(ctx_, slot.gridCapacity * sizeof(float),
                                                    vk::BufferUsageFlagBits::eUniformTexelBuffer);
    slot.gridView =
        gpu::texelView(ctx_, slot.grid->deviceSide(), vk::Format::eR32G32B32A32Sfloat, 16);
  }
  const auto chunks = static_cast<std::uint32_t>(slot.paramCapacity / kVoicesPerDispatch);
  std::array<vk::DescriptorPoolSize, 3> sizes{
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformBuffer, .descriptorCount = chunks},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformTexelBuffer,
                             .descriptorCount = 2 * chunks},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eStorageBuffer,
                             .descriptorCount = 2 * chunks}};
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
    vk::DescriptorBufferInfo ubo{.buffer = *slot.voices->deviceSide().buffer(),
                                 .offset = k * kVoicesPerDispatch * sizeof(VoiceParams),
                                 .range = kVoicesPerDispatch * sizeof(VoiceParams)};
    vk::DescriptorBufferInfo o{.buffer = *slot.out->buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    vk::DescriptorBufferInfo order{
        .buffer = *slot.order->deviceSide().buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
    const vk::BufferView samplesView = *slot.samplesView, gridView = *slot.gridView;
    const std::array<vk::WriteDescriptorSet, 5> writes{
        gpu::bufferWrite(slot.sets[k], 0, vk::DescriptorType::eUniformBuffer, ubo),
        gpu::texelWrite(slot.sets[k], 1, samplesView), gpu::texelWrite(slot.sets[k], 2, gridView),
        gpu::bufferWrite(slot.sets[k], 3, vk::DescriptorType::eStorageBuffer, o),
        gpu::bufferWrite(slot.sets[k], 4, vk::DescriptorType::eStorageBuffer, order)};
    ctx_.device().updateDescriptorSets(writes, nullptr);
  }
}

void GpuMixer::writeSplits(Slot& slot, const MixBlock& block, std::size_t plain) const {
  // A counting sort of the static rows by key modulo kWideSplits, stable: each split's rows stay
  // in row order, which is plan order.
  auto* words = static_cast<std::uint32_t*>(slot.order->mapped());
  std::array<std::uint32_t, kWideSplits + 1> begin{};
  auto split = [&](std::size_t k) { return block.voices[order_[k]].key % kWideSplits; };
  for (std::size_t k = 0; k < plain; ++k) ++begin[split(k) + 1];
  for (std::size_t s = 0; s < kWideSplits; ++s) begin[s + 1] += begin[s];
  std::copy(begin.begin(), begin.end(), words);
  std::uint32_t* rows = words + kWideSplits + 1;
  for (std::size_t k = 0; k < plain; ++k) rows[begin[split(k)]++] = static_cast<std::uint32_t>(k);
  slot.order->upload(0, (kWideSplits + 1 + plain) * sizeof(std::uint32_t));
}

std::span<float> GpuMixer::uploadRows(std::size_t numVoices, std::int64_t stride) {
  VKMIX_ASSERT(inFlight_ < kInFlight, "every slot holds an unfinished mix");
  Slot& slot = slots_[static_cast<std::size_t>(next_)];
  const std::size_t floats = numVoices * static_cast<std::size_t>(stride);
  // Rows and output are sized now; parameters and grid at submit().
  ensureCapacity(slot, 0, floats, stride, 0);
  return {static_cast<float*>(slot.samples->mapped()), floats};
}

void GpuMixer::submit(const MixBlock& block, const vk::raii::CommandBuffer* into,
                      const RowWriter& writeRows) {
  VKMIX_ASSERT(block.numChannels == numChannels_, "block channel count differs from the mixer's");
  VKMIX_ASSERT(block.stride % 4 == 0 && block.stride >= block.numFrames, "stride");
  VKMIX_ASSERT(inFlight_ < kInFlight, "every slot holds an unfinished mix");
  Slot& slot = slots_[static_cast<std::size_t>(next_)];
  const std::size_t numVoices = block.voices.size();
  // Static voices' parameters take [0, plain); moving ones start at the next chunk boundary, so
  // each kind's chunks have their own descriptor sets. Sample rows go in the same order, without
  // the gap: static voice k's row is k, moving voice j's is plain + j, so the shader finds a row
  // from its loop index (and a static voice's gains, grid point gridPoints + k, too). The block
  // loop fills blocks in that order, so their rows are already in place.
  order_.clear();
  for (std::size_t v = 0; v < numVoices; ++v)
    if (block.voices[v].moving == 0) order_.push_back(v);
  const std::size_t plain = order_.size();
  for (std::size_t v = 0; v < numVoices; ++v)
    if (block.voices[v].moving != 0) order_.push_back(v);
  rowOf_.resize(numVoices);
  for (std::size_t k = 0; k < numVoices; ++k) rowOf_[order_[k]] = k;
  VKMIX_ASSERT(block.deviceRows.empty() || writeRows, "rows a device fills with no writer");
  onDevice_.assign(numVoices, 0);
  for (const DeviceRow& r : block.deviceRows) onDevice_[r.voice] = 1;
  const std::size_t plainChunks = (plain + kVoicesPerDispatch - 1) / kVoicesPerDispatch;
  const std::size_t otherBase = plainChunks * kVoicesPerDispatch;
  const std::size_t others = numVoices - plain;
  const auto rowFloats = static_cast<std::size_t>(block.stride);
  const bool inPlace = block.external != nullptr && slot.samples &&
                       block.external == static_cast<float*>(slot.samples->mapped());
  // Rows written through uploadRows() are where they belong: growing them would lose them.
  VKMIX_ASSERT(!inPlace || numVoices * rowFloats <= slot.rowCapacity, "rows outgrew uploadRows");
  // The grid buffer holds the block's grid points, then one point per static voice: its gains.
  const std::size_t gridPoints = block.grid.size() / kMaxOutputChannels;
  ensureCapacity(slot, otherBase + others, numVoices * rowFloats, block.stride,
                 (gridPoints + plain) * kMaxOutputChannels);
  auto* params = static_cast<VoiceParams*>(slot.voices->mapped());
  auto* rows = static_cast<float*>(slot.samples->mapped());
  auto* grid = static_cast<float*>(slot.grid->mapped());
  // Rows already in the upload buffer but out of that order move through a copy.
  bool sorted = true;
  for (std::size_t k = 0; k < numVoices && sorted; ++k) sorted = order_[k] == k;
  const float* from = nullptr;
  if (inPlace && !sorted) {
    reorder_.assign(rows, rows + numVoices * rowFloats);
    from = reorder_.data();
  }
  for (std::size_t k = 0; k < numVoices; ++k) {
    const std::size_t v = order_[k];
    VoiceParams& p = params[k < plain ? k : otherBase + (k - plain)];
    p = block.voices[v];
    if (k < plain)
      std::memcpy(grid + (gridPoints + k) * kMaxOutputChannels, p.gains, sizeof(p.gains));
    float* row = rows + k * rowFloats;
    const float* in = from ? from + v * rowFloats : block.row(v);
    if (onDevice_[v] != 0) continue;  // written on the device, below
    if (!block.enveloped) {
      applyEnvelope(p, in, row, rowFloats);
    } else if (in != row) {
      std::memcpy(row, in, rowFloats * sizeof(float));
    }
  }
  if (!block.grid.empty()) std::memcpy(grid, block.grid.data(), block.grid.size() * sizeof(float));
  // What the shaders read of what was written above, for a device that stages uploads: every
  // parameter slot up to the last moving voice's, the rows the host wrote (in runs), the grid
  // and the static voices' gains after it.
  slot.voices->upload(0, (others > 0 ? otherBase + others : plain) * sizeof(VoiceParams));
  for (std::size_t k = 0; k < numVoices; ++k) {
    if (onDevice_[order_[k]] == 0)
      slot.samples->upload(k * rowFloats * sizeof(float), rowFloats * sizeof(float));
  }
  slot.grid->upload(0, (gridPoints + plain) * kMaxOutputChannels * sizeof(float));
  ctx_.traffic().hostToDeviceBytes +=
      static_cast<std::int64_t>((numVoices - block.deviceRows.size()) * rowFloats * sizeof(float) +
                                numVoices * sizeof(VoiceParams) +
                                (block.grid.size() + plain * kMaxOutputChannels) * sizeof(float));
  const auto stride4 = static_cast<std::uint32_t>(block.stride / 4);
  const std::uint32_t groups = (stride4 + kWorkgroup - 1) / kWorkgroup;
  const vk::raii::CommandBuffer& commands = into ? *into : slot.submitter->begin();
  const bool statics = plain > 0 || others == 0;  // a static dispatch (with no voices: zeros)
  if (statics && pipelines_->wide()) writeSplits(slot, block, plain);
  bool copied = slot.voices->recordUploads(commands);
  copied = slot.samples->recordUploads(commands) || copied;
  copied = slot.grid->recordUploads(commands) || copied;
  copied = slot.order->recordUploads(commands) || copied;
  if (copied) gpu::uploadBarrier(commands);
  if (!block.deviceRows.empty()) {
    writeRows(commands, slot.samples->deviceSide(), rowOf_);
    // The rows' writes before the dispatches below read them.
    vk::MemoryBarrier written{.srcAccessMask = vk::AccessFlagBits::eShaderWrite,
                              .dstAccessMask = vk::AccessFlagBits::eShaderRead};
    commands.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                             vk::PipelineStageFlagBits::eComputeShader, {}, written, nullptr,
                             nullptr);
  }
  bool first = true;
  // A kind's voices go in dispatches of `perDispatch` (at least one dispatch: no voices still
  // clears the output); every dispatch after the first accumulates onto the output. `base`: the
  // kind's first parameter slot (its chunk's descriptor set); `rowBase`: its first row.
  auto dispatch = [&](const gpu::ComputePipeline& pipeline, std::size_t base, std::size_t rowBase,
                      std::size_t count, std::size_t perDispatch, std::uint32_t groupCount) {
    commands.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline.pipeline());
    std::size_t done = 0;
    do {
      const std::size_t chunk = (base + done) / kVoicesPerDispatch;
      Push push{.stride4 = stride4,
                .numVoices = static_cast<std::uint32_t>(
                    std::min(perDispatch, count - std::min(count, done))),
                .accumulate = first ? 0u : 1u,
                .gridPhase = block.gridPhase,
                .voiceBase = static_cast<std::uint32_t>(rowBase + done),
                .gainBase = static_cast<std::uint32_t>(gridPoints)};
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
      commands.dispatch(groupCount, 1, 1);
      first = false;
      done += perDispatch;
    } while (done < count);
  };
  if (statics) {
    // mix_wide.comp takes every static voice in one dispatch: their gains are texels, no
    // parameter chunk is read. With no voices at all every split is empty and it writes zeros.
    if (pipelines_->wide()) {
      dispatch(pipelines_->get(false), 0, 0, plain, std::max<std::size_t>(plain, 1),
               (stride4 + kWideQuads - 1) / kWideQuads);
    } else {
      dispatch(pipelines_->get(false), 0, 0, plain, kVoicesPerDispatch, groups);
    }
  }
  if (others > 0)
    dispatch(pipelines_->get(true), otherBase, plain, others, kVoicesPerDispatch, groups);
  if (!into) slot.submitter->submit("voice mix");
  slot.shared = into != nullptr;
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
  if (!slot.shared) slot.submitter->wait("voice mix");
  const auto bytes = static_cast<std::size_t>(numChannels_) * slot.stride * sizeof(float);
  std::memcpy(out.data(), slot.out->mapped(), bytes);
  ctx_.traffic().deviceToHostBytes += static_cast<std::int64_t>(bytes);
}

const gpu::Buffer& GpuMixer::lastOutput() const {
  VKMIX_ASSERT(inFlight_ > 0, "no mix submitted");
  return *slots_[static_cast<std::size_t>((next_ + kInFlight - 1) % kInFlight)].out;
}

std::int64_t GpuMixer::lastStride() const {
  VKMIX_ASSERT(inFlight_ > 0, "no mix submitted");
  return slots_[static_cast<std::size_t>((next_ + kInFlight - 1) % kInFlight)].stride;
}

}  // namespace vkmix::dsp
