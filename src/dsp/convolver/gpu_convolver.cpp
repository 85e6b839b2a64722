#include "dsp/convolver/gpu_convolver.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kGroup = 64;
constexpr std::size_t kMaxOutputs = 16;
constexpr std::size_t kMaxTerms = 4;

struct OutputTerms {  // std140 struct Output in complex_mac.comp
  std::int32_t inputs[4];
  std::int32_t irs[4];
  std::int32_t count[4];
};

struct ToFdlPush {
  std::uint32_t bins, rowVec2s, numInputs, head, stride;
};
struct MacPush {
  std::uint32_t bins, rowVec2s, numInputs, head, partitions, numOutputs, pairs;
};

constexpr vk::BufferUsageFlags kStorageAndTexels =
    vk::BufferUsageFlagBits::eStorageBuffer | vk::BufferUsageFlagBits::eUniformTexelBuffer;

vk::DeviceSize rowBytes(std::int64_t p) {
  return static_cast<vk::DeviceSize>(2 * p + 2) * sizeof(float);
}

// Complex values per row of the delay line and of the IR spectra: bins 0..P and a zero, so a row
// is whole RGBA32F texels (two bins each) for complex_mac.comp.
std::int64_t spectrumStride(std::int64_t p) { return p + 2; }

void barrier(const vk::raii::CommandBuffer& cb, vk::AccessFlags src, vk::AccessFlags dst,
             vk::PipelineStageFlags dstStage = vk::PipelineStageFlagBits::eComputeShader) {
  vk::MemoryBarrier b{.srcAccessMask = src, .dstAccessMask = dst};
  cb.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader, dstStage, {}, b, nullptr, nullptr);
}

}  // namespace

GpuConvolver::GpuConvolver(const gpu::Context& ctx, const ConvolverSpec& spec)
    : ctx_(ctx),
      p_(spec.partitionFrames),
      partitions_(std::max<std::int64_t>(
          1, (spec.maxIrFrames() + spec.partitionFrames - 1) / spec.partitionFrames)),
      numInputs_(static_cast<std::uint32_t>(spec.numInputs)),
      numOutputs_(static_cast<std::uint32_t>(spec.outputs.size())),
      previous_(static_cast<std::size_t>(spec.numInputs * spec.partitionFrames), 0.0f),
      toFdl_(ctx, {.name = "convolver/to_fdl",
                   .spirv = gpu::shaders::convolverToFdl(),
                   .bindings = {vk::DescriptorType::eUniformTexelBuffer,
                                vk::DescriptorType::eStorageBuffer},
                   .pushConstantBytes = sizeof(ToFdlPush),
                   .specialization = {}}),
      mac_(ctx, {.name = "convolver/complex_mac",
                 .spirv = gpu::shaders::convolverMac(),
                 .bindings = {vk::DescriptorType::eUniformBuffer,
                              vk::DescriptorType::eUniformTexelBuffer,
                              vk::DescriptorType::eUniformTexelBuffer,
                              vk::DescriptorType::eStorageBuffer},
                 .pushConstantBytes = sizeof(MacPush),
                 .specialization = {}}),
      forward_(ctx, numInputs_ * rowBytes(spec.partitionFrames), kStorageAndTexels),
      // The delay line and the IR spectra are read every block and written by the CPU at most
      // once: device memory, where the CPU can map some (gpu::Placement).
      fdl_(ctx,
           static_cast<vk::DeviceSize>(partitions_) * numInputs_ *
               spectrumStride(spec.partitionFrames) * 8,
           kStorageAndTexels, gpu::Placement::Resident),
      irs_(ctx,
           std::max<vk::DeviceSize>(1, spec.irs.size()) * static_cast<vk::DeviceSize>(partitions_) *
               spectrumStride(spec.partitionFrames) * 8,
           vk::BufferUsageFlagBits::eUniformTexelBuffer, gpu::Placement::Resident),
      inverse_(ctx, numOutputs_ * rowBytes(spec.partitionFrames),
               vk::BufferUsageFlagBits::eStorageBuffer, gpu::Placement::Readback),
      terms_(ctx, kMaxOutputs * sizeof(OutputTerms), vk::BufferUsageFlagBits::eUniformBuffer),
      submitter_(ctx) {
  VKMIX_ASSERT(numOutputs_ >= 1 && numOutputs_ <= kMaxOutputs, "convolver outputs");
  VKMIX_ASSERT((p_ & (p_ - 1)) == 0, "partition size must be a power of two");
  if (fdl_.bytes() > ctx.limits().maxStorageBufferRange ||
      irs_.bytes() / 16 > ctx.limits().maxTexelBufferElements) {
    throw GpuError(ctx.info().name + ": impulse responses of " +
                   std::to_string(spec.maxIrFrames()) + " frames x " +
                   std::to_string(spec.irs.size()) +
                   " channels exceed the device's storage or texel buffer range");
  }
  // IR spectra, once, in double precision (each partition zero-padded to 2P), on the CPU's cores:
  // the device has nothing to do yet.
  irPartitionSpectra(spec.irs, p_, partitions_, static_cast<std::size_t>(spectrumStride(p_)),
                     static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)),
                     irs_.as<float>());
  std::memset(fdl_.mapped(), 0, fdl_.bytes());
  auto* terms = terms_.as<OutputTerms>();
  std::memset(terms, 0, terms_.bytes());
  for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
    VKMIX_ASSERT(spec.outputs[o].size() <= kMaxTerms, "at most 4 terms per output");
    for (std::size_t t = 0; t < spec.outputs[o].size(); ++t) {
      terms[o].inputs[t] = spec.outputs[o][t].input;
      terms[o].irs[t] = spec.outputs[o][t].ir;
    }
    terms[o].count[0] = static_cast<std::int32_t>(spec.outputs[o].size());
  }

  forwardPlan_ = std::make_unique<gpu::FftPlan>(ctx, static_cast<std::uint32_t>(2 * p_), numInputs_,
                                                forward_.buffer(), forward_.bytes(),
                                                gpu::FftDirections::ForwardOnly);
  inversePlan_ = std::make_unique<gpu::FftPlan>(ctx, static_cast<std::uint32_t>(2 * p_),
                                                numOutputs_, inverse_.buffer(), inverse_.bytes(),
                                                gpu::FftDirections::InverseOnly);

  forwardView_ = gpu::texelView(ctx, forward_, vk::Format::eR32G32Sfloat, 8);
  fdlView_ = gpu::texelView(ctx, fdl_, vk::Format::eR32G32B32A32Sfloat, 16);
  irsView_ = gpu::texelView(ctx, irs_, vk::Format::eR32G32B32A32Sfloat, 16);
  std::array<vk::DescriptorPoolSize, 3> sizes{
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformBuffer, .descriptorCount = 1},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformTexelBuffer, .descriptorCount = 3},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eStorageBuffer, .descriptorCount = 2}};
  pool_ = ctx.device().createDescriptorPool(
      {.maxSets = 2, .poolSizeCount = 3, .pPoolSizes = sizes.data()});
  std::array<vk::DescriptorSetLayout, 2> layouts{*toFdl_.setLayout(), *mac_.setLayout()};
  auto sets =
      (*ctx.device())
          .allocateDescriptorSets(
              {.descriptorPool = *pool_, .descriptorSetCount = 2, .pSetLayouts = layouts.data()});
  toFdlSet_ = sets[0];
  macSet_ = sets[1];
  auto info = [](const gpu::Buffer& b) {
    return vk::DescriptorBufferInfo{.buffer = *b.buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
  };
  const vk::DescriptorBufferInfo fdlInfo = info(fdl_), termsInfo = info(terms_),
                                 inverseInfo = info(inverse_);
  const vk::BufferView forwardView = *forwardView_, fdlView = *fdlView_, irsView = *irsView_;
  const std::array<vk::WriteDescriptorSet, 6> writes{
      gpu::texelWrite(toFdlSet_, 0, forwardView),
      gpu::bufferWrite(toFdlSet_, 1, vk::DescriptorType::eStorageBuffer, fdlInfo),
      gpu::bufferWrite(macSet_, 0, vk::DescriptorType::eUniformBuffer, termsInfo),
      gpu::texelWrite(macSet_, 1, fdlView),
      gpu::texelWrite(macSet_, 2, irsView),
      gpu::bufferWrite(macSet_, 3, vk::DescriptorType::eStorageBuffer, inverseInfo)};
  ctx.device().updateDescriptorSets(writes, nullptr);
}

GpuConvolver::~GpuConvolver() = default;

void GpuConvolver::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto p = static_cast<std::size_t>(p_);
  const std::size_t row = static_cast<std::size_t>(2 * p_ + 2);
  VKMIX_ASSERT(inputs.size() >= numInputs_ * p && outputs.size() >= numOutputs_ * p,
               "partition sizes");
  // Overlap-save input rows: [previous partition | this partition | 2 pad floats].
  auto* fwd = forward_.as<float>();
  for (std::size_t in = 0; in < numInputs_; ++in) {
    float* r = fwd + in * row;
    std::memcpy(r, &previous_[in * p], p * sizeof(float));
    std::memcpy(r + p, &inputs[in * p], p * sizeof(float));
    r[2 * p] = r[2 * p + 1] = 0.0f;
    std::memcpy(&previous_[in * p], &inputs[in * p], p * sizeof(float));
  }
  const auto bins = static_cast<std::uint32_t>(p_ + 1);
  const auto rowVec2s = static_cast<std::uint32_t>(p_ + 1);
  const auto stride = static_cast<std::uint32_t>(spectrumStride(p_));
  const vk::raii::CommandBuffer& commands = submitter_.begin();
  forwardPlan_->recordForward(commands);
  // Orders the forward FFT's writes of the spectra before to_fdl reads them.
  barrier(commands, vk::AccessFlagBits::eShaderWrite, vk::AccessFlagBits::eShaderRead);
  commands.bindPipeline(vk::PipelineBindPoint::eCompute, *toFdl_.pipeline());
  commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *toFdl_.layout(), 0, toFdlSet_,
                              nullptr);
  commands.pushConstants<ToFdlPush>(*toFdl_.layout(), vk::ShaderStageFlagBits::eCompute, 0,
                                    ToFdlPush{bins, rowVec2s, numInputs_, head_, stride});
  commands.dispatch((stride + kGroup - 1) / kGroup, numInputs_, 1);
  // Orders to_fdl's write of slot `head` before the multiply-accumulate reads the delay line.
  barrier(commands, vk::AccessFlagBits::eShaderWrite, vk::AccessFlagBits::eShaderRead);
  commands.bindPipeline(vk::PipelineBindPoint::eCompute, *mac_.pipeline());
  commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *mac_.layout(), 0, macSet_, nullptr);
  commands.pushConstants<MacPush>(
      *mac_.layout(), vk::ShaderStageFlagBits::eCompute, 0,
      MacPush{bins, rowVec2s, numInputs_, head_, static_cast<std::uint32_t>(partitions_),
              numOutputs_, stride / 2});
  commands.dispatch((stride / 2 + kGroup - 1) / kGroup, numOutputs_, 1);
  // Orders the accumulated spectra's writes before the inverse FFT reads them.
  barrier(commands, vk::AccessFlagBits::eShaderWrite,
          vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite);
  inversePlan_->recordInverse(commands);
  submitter_.submitAndWait("convolution");
  const auto* inv = inverse_.as<float>();
  const float scale = 1.0f / static_cast<float>(2 * p_);
  for (std::size_t o = 0; o < numOutputs_; ++o) {
    for (std::size_t i = 0; i < p; ++i) outputs[o * p + i] = inv[o * row + p + i] * scale;
  }
  head_ = static_cast<std::uint32_t>((head_ + 1) % static_cast<std::uint32_t>(partitions_));
}

}  // namespace vkmix::dsp
