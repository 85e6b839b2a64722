#include "dsp/denoise/gpu_denoiser.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kMaxSections = 32;  // hum.comp's state array

struct HumPush {
  std::uint32_t rowFloats, offset, frames, sections, channels, section;
};
struct AnalyzePush {
  std::uint32_t frameSize, hop, framesPerChunk, rowsTotal, inRowFloats, fftRowFloats;
};
struct GainPush {
  std::uint32_t numBins, framesPerChunk, rowVec2s, frameIndex, minWindowFrames, learned;
  float gainFloor, alphaDd, smoothingWeight, xiMin, powerSmoothing, presenceSmoothing,
      noiseSmoothing, presenceLow, presenceHigh, tiny, maxRatio, absencePrior;
};
struct SynthesizePush {
  std::uint32_t frameSize, hop, framesPerChunk, channels, fftRowFloats, latency, accRowFloats;
  float scale;
};

constexpr auto kStorage = vk::DescriptorType::eStorageBuffer;
constexpr auto kUsage = vk::BufferUsageFlagBits::eStorageBuffer;

gpu::PipelineDesc desc(std::string name, std::span<const std::uint32_t> spirv, std::size_t bindings,
                       std::uint32_t pushBytes) {
  return {.name = std::move(name),
          .spirv = spirv,
          .bindings = std::vector<vk::DescriptorType>(bindings, kStorage),
          .pushConstantBytes = pushBytes,
          .specialization = {}};
}

vk::DeviceSize floats(std::size_t n) { return std::max<std::size_t>(n, 1) * sizeof(float); }

constexpr vk::BufferUsageFlags kCopied =
    vk::BufferUsageFlagBits::eTransferSrc | vk::BufferUsageFlagBits::eTransferDst;

void barrier(const vk::raii::CommandBuffer& cb) {
  vk::MemoryBarrier b{
      .srcAccessMask = vk::AccessFlagBits::eShaderWrite,
      .dstAccessMask = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite};
  cb.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                     vk::PipelineStageFlagBits::eComputeShader, {}, b, nullptr, nullptr);
}

}  // namespace

GpuDenoiser::GpuDenoiser(const gpu::Context& ctx, const DenoiseSpec& spec)
    : traffic_(ctx.traffic()),
      spec_(spec),
      shape_(spec.shape()),
      channels_(static_cast<std::uint32_t>(spec.numChannels)),
      sections_(spec.settings.hum ? static_cast<std::uint32_t>(
                                        humNotches(*spec.settings.hum, spec.sampleRate).size())
                                  : 0),
      minWindowFrames_(static_cast<std::uint32_t>(std::max<long>(
          1, std::lround(kDenoise.minWindowSeconds * spec.sampleRate / shape_.hop)))),
      hum_(ctx, desc("denoise/hum", gpu::shaders::denoiseHum(), 3, sizeof(HumPush))),
      analyze_(ctx,
               desc("denoise/analyze", gpu::shaders::denoiseAnalyze(), 3, sizeof(AnalyzePush))),
      gain_(ctx, desc("denoise/gain", gpu::shaders::denoiseGain(), 3, sizeof(GainPush))),
      synthesize_(ctx, desc("denoise/synthesize", gpu::shaders::denoiseSynthesize(), 4,
                            sizeof(SynthesizePush))),
      input_(ctx,
             floats(channels_ *
                    static_cast<std::size_t>(shape_.historyFrames() + shape_.chunkFrames())),
             kUsage | kCopied, gpu::Placement::Resident),
      window_(ctx, floats(static_cast<std::size_t>(shape_.frameSize)), kUsage),
      rows_(ctx,
            floats(channels_ * kFramesPerChunk * static_cast<std::size_t>(shape_.frameSize + 2)),
            kUsage),
      states_(ctx, floats(channels_ * static_cast<std::size_t>(shape_.bins()) * 6), kUsage),
      profile_(
          ctx,
          floats(spec.profile.empty() ? 0 : channels_ * static_cast<std::size_t>(shape_.bins())),
          kUsage),
      carry_(ctx, floats(channels_ * static_cast<std::size_t>(shape_.latency())), kUsage | kCopied,
             gpu::Placement::Resident),
      acc_(ctx,
           floats(channels_ * static_cast<std::size_t>(shape_.chunkFrames() + shape_.latency())),
           kUsage | kCopied, gpu::Placement::Readback),
      coeffs_(ctx, std::max<vk::DeviceSize>(sections_, 1) * 5 * sizeof(double), kUsage),
      humState_(ctx, std::max<vk::DeviceSize>(channels_ * sections_, 1) * 4 * sizeof(double),
                kUsage),
      staging_(ctx, floats(channels_ * static_cast<std::size_t>(shape_.chunkFrames())), kCopied),
      submitter_(ctx) {
  VKMIX_ASSERT(channels_ >= 1, "a denoiser has channels");
  VKMIX_ASSERT(shape_.bins() <= 2049, "gain.comp holds the bins of frames up to 4096");
  if (sections_ > kMaxSections) {
    throw InternalError("hum removal is limited to " + std::to_string(kMaxSections) + " harmonics");
  }
  if (sections_ > 0 && !ctx.hasFloat64()) {
    throw GpuError(ctx.info().name +
                   ": hum removal needs double precision in shaders (shaderFloat64), which this "
                   "device lacks; use --device cpu or drop \"hum\"");
  }
  const std::vector<double> w = sqrtHannWindow(shape_.frameSize);
  std::transform(w.begin(), w.end(), window_.as<float>(),
                 [](double x) { return static_cast<float>(x); });
  for (gpu::Buffer* b : {&input_, &rows_, &states_, &carry_, &acc_, &humState_, &profile_})
    std::memset(b->mapped(), 0, b->bytes());
  frameIndex_ = static_cast<std::uint32_t>(spec.firstHop);
  const auto bins = static_cast<std::size_t>(shape_.bins());
  for (std::size_t c = 0; c < spec.profile.size(); ++c)
    std::copy(spec.profile[c].begin(), spec.profile[c].end(), profile_.as<float>() + c * bins);
  if (spec.settings.hum) {
    auto* q = coeffs_.as<double>();
    for (const Biquad& s : humNotches(*spec.settings.hum, spec.sampleRate)) {
      *q++ = s.b0;
      *q++ = s.b1;
      *q++ = s.b2;
      *q++ = s.a1;
      *q++ = s.a2;
    }
  }
  plan_ =
      std::make_unique<gpu::FftPlan>(ctx, static_cast<std::uint32_t>(shape_.frameSize),
                                     channels_ * kFramesPerChunk, rows_.buffer(), rows_.bytes());

  vk::DescriptorPoolSize size{.type = kStorage, .descriptorCount = 13};
  pool_ =
      ctx.device().createDescriptorPool({.maxSets = 4, .poolSizeCount = 1, .pPoolSizes = &size});
  std::array<vk::DescriptorSetLayout, 4> layouts{*hum_.setLayout(), *analyze_.setLayout(),
                                                 *gain_.setLayout(), *synthesize_.setLayout()};
  auto sets =
      (*ctx.device())
          .allocateDescriptorSets(
              {.descriptorPool = *pool_, .descriptorSetCount = 4, .pSetLayouts = layouts.data()});
  humSet_ = sets[0];
  analyzeSet_ = sets[1];
  gainSet_ = sets[2];
  synthesizeSet_ = sets[3];
  const std::vector<std::pair<vk::DescriptorSet, std::vector<const gpu::Buffer*>>> bindings = {
      {humSet_, {&input_, &coeffs_, &humState_}},
      {analyzeSet_, {&input_, &window_, &rows_}},
      {gainSet_, {&rows_, &states_, &profile_}},
      {synthesizeSet_, {&rows_, &window_, &carry_, &acc_}}};
  std::vector<vk::DescriptorBufferInfo> infos;
  infos.reserve(13);
  std::vector<vk::WriteDescriptorSet> writes;
  for (const auto& [set, buffers] : bindings) {
    for (std::uint32_t i = 0; i < buffers.size(); ++i) {
      infos.push_back({.buffer = *buffers[i]->buffer(), .offset = 0, .range = VK_WHOLE_SIZE});
      writes.push_back({.dstSet = set,
                        .dstBinding = i,
                        .descriptorCount = 1,
                        .descriptorType = kStorage,
                        .pBufferInfo = &infos.back()});
    }
  }
  ctx.device().updateDescriptorSets(writes, nullptr);
}

GpuDenoiser::~GpuDenoiser() = default;

void GpuDenoiser::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto chunk = static_cast<std::size_t>(shape_.chunkFrames());
  VKMIX_ASSERT(inputs.size() >= channels_ * chunk && outputs.size() >= channels_ * chunk,
               "one chunk per channel");
  std::memcpy(staging_.mapped(), inputs.data(), channels_ * chunk * sizeof(float));
  traffic_.hostToDeviceBytes += static_cast<std::int64_t>(channels_ * chunk * sizeof(float));
  record(submitter_.begin(), &staging_, static_cast<std::int64_t>(chunk));
  submitter_.submitAndWait("denoise");
  read(outputs);
}

void GpuDenoiser::record(const vk::raii::CommandBuffer& cb, const gpu::Buffer* rows,
                         std::int64_t stride, std::int64_t offset) {
  const auto chunk = static_cast<std::uint32_t>(shape_.chunkFrames());
  const auto history = static_cast<std::uint32_t>(shape_.historyFrames());
  const auto latency = static_cast<std::uint32_t>(shape_.latency());
  const std::uint32_t inRow = history + chunk;
  const std::uint32_t accRow = chunk + latency;
  VKMIX_ASSERT(history <= chunk && (rows == nullptr || (offset >= 0 && stride >= offset + chunk)),
               "a chunk's input rows");
  constexpr vk::DeviceSize f = sizeof(float);
  // Input rows: the last `history` (hum-filtered) frames of the previous chunk, then this chunk.
  // After the previous chunk's reads of them and the writes of `rows`.
  gpu::fullBarrier(cb);
  std::vector<vk::BufferCopy> regions;
  for (std::uint32_t c = 0; c < channels_; ++c)
    regions.push_back(
        {.srcOffset = (c * inRow + chunk) * f, .dstOffset = c * inRow * f, .size = history * f});
  cb.copyBuffer(*input_.buffer(), *input_.buffer(), regions);
  gpu::fullBarrier(cb);  // the history read before this chunk overwrites it
  if (rows != nullptr) {
    regions.clear();
    for (std::uint32_t c = 0; c < channels_; ++c)
      regions.push_back({.srcOffset = static_cast<vk::DeviceSize>(c * stride + offset) * f,
                         .dstOffset = (c * inRow + history) * f,
                         .size = chunk * f});
    cb.copyBuffer(*rows->buffer(), *input_.buffer(), regions);
  } else {
    for (std::uint32_t c = 0; c < channels_; ++c)
      cb.fillBuffer(*input_.buffer(), (c * inRow + history) * f, chunk * f, 0);
  }
  gpu::fullBarrier(cb);
  const auto n = static_cast<std::uint32_t>(shape_.frameSize);
  const auto bins = static_cast<std::uint32_t>(shape_.bins());
  const std::uint32_t rowsTotal = channels_ * kFramesPerChunk;
  auto bind = [&](const gpu::ComputePipeline& p, vk::DescriptorSet set, const auto& push) {
    cb.bindPipeline(vk::PipelineBindPoint::eCompute, *p.pipeline());
    cb.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *p.layout(), 0, set, nullptr);
    cb.pushConstants<std::remove_cvref_t<decltype(push)>>(
        *p.layout(), vk::ShaderStageFlagBits::eCompute, 0, push);
  };
  if (sections_ > 0) {
    for (std::uint32_t s = 0; s < sections_; ++s) {
      bind(hum_, humSet_, HumPush{inRow, history, chunk, sections_, channels_, s});
      cb.dispatch(channels_, 1, 1);
      barrier(cb);
    }
  }
  bind(analyze_, analyzeSet_,
       AnalyzePush{n, static_cast<std::uint32_t>(shape_.hop), kFramesPerChunk, rowsTotal, inRow,
                   n + 2});
  cb.dispatch((n + 63) / 64, rowsTotal, 1);
  barrier(cb);
  plan_->recordForward(cb);
  barrier(cb);
  const DenoiseConstants& k = kDenoise;
  const DenoiseSettings& s = spec_.settings;
  bind(gain_, gainSet_,
       GainPush{bins, kFramesPerChunk, bins, frameIndex_, minWindowFrames_,
                spec_.profile.empty() ? 0u : 1u,
                static_cast<float>(std::pow(10.0, -s.reductionDb / 20.0)),
                static_cast<float>(decisionDirectedAlpha(s.smoothing)),
                static_cast<float>(frequencySmoothingWeight(s.smoothing)),
                static_cast<float>(std::pow(10.0, k.xiMinDb / 10.0)),
                static_cast<float>(k.powerSmoothing), static_cast<float>(k.presenceSmoothing),
                static_cast<float>(k.noiseSmoothing), static_cast<float>(k.presenceLow),
                static_cast<float>(k.presenceHigh), static_cast<float>(k.tiny),
                static_cast<float>(k.maxRatio), static_cast<float>(k.absencePrior)});
  cb.dispatch(channels_, 1, 1);
  barrier(cb);
  plan_->recordInverse(cb);
  barrier(cb);
  bind(synthesize_, synthesizeSet_,
       SynthesizePush{n, static_cast<std::uint32_t>(shape_.hop), kFramesPerChunk, channels_, n + 2,
                      latency, accRow, static_cast<float>(1.0 / (2.0 * n))});
  cb.dispatch((accRow + 63) / 64, channels_, 1);
  // The overlap-add tail the next chunk's synthesis adds.
  gpu::fullBarrier(cb);
  regions.clear();
  for (std::uint32_t c = 0; c < channels_; ++c)
    regions.push_back(
        {.srcOffset = (c * accRow + chunk) * f, .dstOffset = c * latency * f, .size = latency * f});
  cb.copyBuffer(*acc_.buffer(), *carry_.buffer(), regions);
  frameIndex_ += kFramesPerChunk;
}

void GpuDenoiser::recordCopyOut(const vk::raii::CommandBuffer& cb, const gpu::Buffer& dst,
                                std::int64_t dstFirst, std::int64_t dstRowFloats) const {
  // acc_ was written before record()'s last barrier, which orders it for copies.
  const auto chunk = static_cast<vk::DeviceSize>(shape_.chunkFrames());
  const vk::DeviceSize accRow = chunk + static_cast<vk::DeviceSize>(shape_.latency());
  constexpr vk::DeviceSize f = sizeof(float);
  std::vector<vk::BufferCopy> regions;
  for (std::uint32_t c = 0; c < channels_; ++c)
    regions.push_back({.srcOffset = c * accRow * f,
                       .dstOffset = static_cast<vk::DeviceSize>(dstFirst + c * dstRowFloats) * f,
                       .size = chunk * f});
  cb.copyBuffer(*acc_.buffer(), *dst.buffer(), regions);
}

void GpuDenoiser::read(std::span<float> outputs) const {
  const auto chunk = static_cast<std::size_t>(shape_.chunkFrames());
  const std::size_t accRow = chunk + static_cast<std::size_t>(shape_.latency());
  VKMIX_ASSERT(outputs.size() >= channels_ * chunk, "one chunk per channel");
  const float* acc = acc_.as<float>();
  for (std::uint32_t c = 0; c < channels_; ++c)
    std::memcpy(&outputs[c * chunk], acc + c * accRow, chunk * sizeof(float));
  traffic_.deviceToHostBytes += static_cast<std::int64_t>(channels_ * chunk * sizeof(float));
}

}  // namespace vkmix::dsp
