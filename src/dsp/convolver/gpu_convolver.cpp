#include "dsp/convolver/gpu_convolver.hpp"

#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "core/assert.hpp"
#include "gpu/shaders.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

constexpr std::uint32_t kGroup = 64;
constexpr std::size_t kMaxOutputs = 16;
constexpr std::size_t kMaxTerms = 4;
constexpr std::uint32_t kGroupOutputs = 4;  // complex_mac.comp's outputs per invocation

struct OutputTerms {  // std140 struct Output in complex_mac.comp
  std::int32_t inputs[4];
  std::int32_t irs[4];
  std::int32_t count[4];
};

struct MacPush {
  std::uint32_t bins, numInputs, head, partitions, numOutputs, pairs, ring;
};

// The delay line is also written by copies when the convolver is fed on the device.
constexpr vk::BufferUsageFlags kStorageAndTexels = vk::BufferUsageFlagBits::eStorageBuffer |
                                                   vk::BufferUsageFlagBits::eUniformTexelBuffer |
                                                   vk::BufferUsageFlagBits::eTransferDst;

vk::DeviceSize rowBytes(std::int64_t p) {
  return static_cast<vk::DeviceSize>(2 * p + 2) * sizeof(float);
}

// Complex values per row of the IR spectra: bins 0..P and a zero, so a row is whole RGBA32F texels
// (two bins each) for complex_mac.comp.
std::int64_t spectrumStride(std::int64_t p) { return p + 2; }

void barrier(const vk::raii::CommandBuffer& cb, vk::AccessFlags src, vk::AccessFlags dst,
             vk::PipelineStageFlags dstStage = vk::PipelineStageFlagBits::eComputeShader) {
  vk::MemoryBarrier b{.srcAccessMask = src, .dstAccessMask = dst};
  cb.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader, dstStage, {}, b, nullptr, nullptr);
}

constexpr vk::DeviceSize kFloat = sizeof(float);

// complex_mac.comp's shared reads: several outputs, each one term, on input 0 (a mono send into a
// per-speaker or stereo IR). One output alone runs faster through the plain path (lavapipe).
bool sharedReads(const ConvolverSpec& spec) {
  return spec.outputs.size() > 1 &&
         std::all_of(spec.outputs.begin(), spec.outputs.end(),
                     [](const auto& terms) { return terms.size() == 1 && terms[0].input == 0; });
}

std::int64_t partitionsOf(const ConvolverSpec& spec) {
  return std::max<std::int64_t>(
      1, (spec.maxIrFrames() + spec.partitionFrames - 1) / spec.partitionFrames);
}

// Delay-line slots: enough for the oldest partition the batch's first output needs and the
// batch's own, rounded up to whole batches so that a batch's slots are one run of rows.
std::int64_t ringSlots(std::int64_t partitions, std::int64_t batch) {
  return (partitions + 2 * batch - 2) / batch * batch;
}

// The delay line has one complex value to spare, bin P + 1 of its last row for complex_mac.comp.
vk::DeviceSize fdlBytes(const ConvolverSpec& spec, std::int64_t ring) {
  return static_cast<vk::DeviceSize>(ring * spec.numInputs) * rowBytes(spec.partitionFrames) + 8;
}

vk::DeviceSize inverseBytes(const ConvolverSpec& spec, std::int64_t batch) {
  return static_cast<vk::DeviceSize>(batch) * spec.outputs.size() * rowBytes(spec.partitionFrames);
}

vk::DeviceSize irSpectraBytes(const ConvolverSpec& spec, std::int64_t partitions) {
  return std::max<vk::DeviceSize>(1, spec.irs.size()) * static_cast<vk::DeviceSize>(partitions) *
         spectrumStride(spec.partitionFrames) * 8;
}

}  // namespace

vk::DeviceSize GpuConvolver::fftScratchBytes(const ConvolverSpec& spec, int batch) {
  const std::int64_t b = batch > 0 ? batch : defaultBatch(spec);
  return std::max(fdlBytes(spec, ringSlots(partitionsOf(spec), b)), inverseBytes(spec, b));
}

int GpuConvolver::defaultBatch(const ConvolverSpec& spec) {
  // At least two FFT rows per launch, where one input and one output would give one.
  return std::max<std::size_t>(static_cast<std::size_t>(spec.numInputs), spec.outputs.size()) == 1
             ? 2
             : 1;
}

GpuIrSpectra::GpuIrSpectra(const gpu::Context& ctx, const ConvolverSpec& spec)
    : ctx_(ctx),
      p_(spec.partitionFrames),
      partitions_(partitionsOf(spec)),
      // Read every block, written by the CPU once: device memory, which the CPU maps where the
      // context does not stage uploads (gpu::Placement); else filled by one copy.
      buffer_(
          ctx, irSpectraBytes(spec, partitions_),
          ctx.stagesUploads()
              ? vk::BufferUsageFlagBits::eUniformTexelBuffer | vk::BufferUsageFlagBits::eTransferDst
              : vk::BufferUsageFlags(vk::BufferUsageFlagBits::eUniformTexelBuffer),
          ctx.stagesUploads() ? gpu::Placement::Device : gpu::Placement::Resident) {
  if (buffer_.bytes() / 16 > ctx.limits().maxTexelBufferElements) {
    throw GpuError(ctx.info().name + ": impulse responses of " +
                   std::to_string(spec.maxIrFrames()) + " frames x " +
                   std::to_string(spec.irs.size()) +
                   " channels exceed the device's texel buffer range");
  }
  view_ = gpu::texelView(ctx, buffer_, vk::Format::eR32G32B32A32Sfloat, 16);
  if (ctx.stagesUploads()) {
    upload_ =
        std::make_unique<gpu::Buffer>(ctx, buffer_.bytes(), vk::BufferUsageFlagBits::eTransferSrc);
  }
  float* spectra = upload_ ? upload_->as<float>() : buffer_.as<float>();
  // In double precision, each partition zero-padded to 2P: 16 channels x 6 s are 40 transforms
  // of 131072 points.
  transforms_ = std::async(std::launch::async, [this, &spec, spectra] {
    irPartitionSpectra(spec.irs, p_, partitions_, static_cast<std::size_t>(spectrumStride(p_)),
                       static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)),
                       spectra);
  });
}

GpuInverseStage::GpuInverseStage(const gpu::Context& ctx, const ConvolverSpec& spec, int batch,
                                 std::shared_ptr<gpu::Buffer> scratch)
    : p_(spec.partitionFrames),
      rows_(static_cast<std::size_t>(batch) * spec.outputs.size()),
      buffer_(ctx, inverseBytes(spec, batch),
              vk::BufferUsageFlagBits::eStorageBuffer | vk::BufferUsageFlagBits::eTransferSrc,
              gpu::Placement::Readback),
      scratch_(std::move(scratch)) {
  VKMIX_ASSERT(batch >= 1, "an inverse stage needs its batch");
  // Overlap-save keeps the second half of each inverse, so only that half is stored.
  plan_ = std::make_unique<gpu::FftPlan>(
      ctx, static_cast<std::uint32_t>(2 * p_), static_cast<std::uint32_t>(rows_), buffer_.buffer(),
      buffer_.bytes(), gpu::FftDirections::InverseOnly,
      gpu::FftRows{.inverseWritesSecondHalf = true}, scratch_.get());
}

bool GpuInverseStage::fits(const ConvolverSpec& spec, int batch) const {
  return spec.partitionFrames == p_ &&
         static_cast<std::size_t>(batch) * spec.outputs.size() == rows_;
}

GpuIrSpectra::~GpuIrSpectra() {
  if (transforms_.valid()) transforms_.wait();
}

void GpuIrSpectra::wait() {
  if (!transforms_.valid()) return;
  transforms_.get();
  if (!upload_) return;
  gpu::Submitter submitter(ctx_);
  const vk::raii::CommandBuffer& commands = submitter.begin();
  commands.copyBuffer(*upload_->buffer(), *buffer_.buffer(),
                      vk::BufferCopy{.srcOffset = 0, .dstOffset = 0, .size = buffer_.bytes()});
  // The copy before every shader's read, in this submission's successors too.
  vk::MemoryBarrier copied{.srcAccessMask = vk::AccessFlagBits::eTransferWrite,
                           .dstAccessMask = vk::AccessFlagBits::eShaderRead};
  commands.pipelineBarrier(vk::PipelineStageFlagBits::eTransfer,
                           vk::PipelineStageFlagBits::eComputeShader, {}, copied, nullptr, nullptr);
  submitter.submitAndWait("uploading impulse-response spectra");
  upload_.reset();
}

GpuConvolver::GpuConvolver(const gpu::Context& ctx, const ConvolverSpec& spec, int batch,
                           std::shared_ptr<GpuIrSpectra> spectra,
                           std::shared_ptr<gpu::Buffer> scratch,
                           std::shared_ptr<GpuInverseStage> inverse)
    : ctx_(ctx),
      p_(spec.partitionFrames),
      partitions_(partitionsOf(spec)),
      batch_(batch > 0 ? batch : defaultBatch(spec)),
      ring_(static_cast<std::uint32_t>(ringSlots(partitions_, batch_))),
      numInputs_(static_cast<std::uint32_t>(spec.numInputs)),
      numOutputs_(static_cast<std::uint32_t>(spec.outputs.size())),
      shared_(sharedReads(spec)),
      previous_(static_cast<std::size_t>(spec.numInputs * spec.partitionFrames), 0.0f),
      mac_(ctx, {.name = "convolver/complex_mac",
                 .spirv = gpu::shaders::convolverMac(),
                 .bindings = {vk::DescriptorType::eUniformBuffer,
                              vk::DescriptorType::eUniformTexelBuffer,
                              vk::DescriptorType::eUniformTexelBuffer,
                              vk::DescriptorType::eStorageBuffer},
                 .pushConstantBytes = sizeof(MacPush),
                 .specialization = {static_cast<std::int32_t>(kGroup), shared_ ? 1 : 0}}),
      // The delay line is read every block and written by the CPU: device memory, where the CPU
      // can map some (gpu::Placement).
      fdl_(ctx, fdlBytes(spec, ring_), kStorageAndTexels, gpu::Placement::Resident),
      // A convolver's own spectra transform while this constructor makes the FFT plans (an
      // LLVM compile each on lavapipe).
      irs_(spectra ? std::move(spectra) : std::make_shared<GpuIrSpectra>(ctx, spec)),
      // Both plans' scratch: they run one after the other, a barrier between them.
      scratch_(scratch ? std::move(scratch)
                       : std::make_shared<gpu::Buffer>(ctx, fftScratchBytes(spec, batch_),
                                                       vk::BufferUsageFlagBits::eStorageBuffer,
                                                       gpu::Placement::Device)),
      inverse_(inverse ? std::move(inverse)
                       : std::make_shared<GpuInverseStage>(ctx, spec, batch_, scratch_)),
      terms_(ctx, kMaxOutputs * sizeof(OutputTerms), vk::BufferUsageFlagBits::eUniformBuffer),
      submitter_(ctx) {
  VKMIX_ASSERT(numOutputs_ >= 1 && numOutputs_ <= kMaxOutputs, "convolver outputs");
  VKMIX_ASSERT((p_ & (p_ - 1)) == 0, "partition size must be a power of two");
  VKMIX_ASSERT(irs_->partitionFrames() == p_ && irs_->partitions() == partitions_,
               "shared IR spectra of another shape");
  VKMIX_ASSERT(inverse_->fits(spec, batch_), "a shared inverse stage of another shape");
  if (fdl_.bytes() > ctx.limits().maxStorageBufferRange ||
      fdl_.bytes() / 8 > ctx.limits().maxTexelBufferElements) {
    throw GpuError(ctx.info().name + ": impulse responses of " +
                   std::to_string(spec.maxIrFrames()) + " frames x " +
                   std::to_string(spec.numInputs) +
                   " inputs exceed the device's storage or texel buffer range");
  }
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

  // The forward FFT runs in place on a batch's delay-line slots (batch x inputs rows), wherever
  // in the ring they begin.
  forwardPlan_ = std::make_unique<gpu::FftPlan>(
      ctx, static_cast<std::uint32_t>(2 * p_), static_cast<std::uint32_t>(batch_) * numInputs_,
      fdl_.buffer(), fdl_.bytes(), gpu::FftDirections::ForwardOnly,
      gpu::FftRows{.offsetsAtLaunch = true}, scratch_.get());

  fdlView_ = gpu::texelView(ctx, fdl_, vk::Format::eR32G32Sfloat, 8);
  std::array<vk::DescriptorPoolSize, 3> sizes{
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformBuffer, .descriptorCount = 1},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eUniformTexelBuffer, .descriptorCount = 2},
      vk::DescriptorPoolSize{.type = vk::DescriptorType::eStorageBuffer, .descriptorCount = 1}};
  pool_ = ctx.device().createDescriptorPool(
      {.maxSets = 1, .poolSizeCount = 3, .pPoolSizes = sizes.data()});
  const vk::DescriptorSetLayout layout = *mac_.setLayout();
  macSet_ = (*ctx.device())
                .allocateDescriptorSets(
                    {.descriptorPool = *pool_, .descriptorSetCount = 1, .pSetLayouts = &layout})
                .front();
  const vk::DescriptorBufferInfo termsInfo{
      .buffer = *terms_.buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
  const vk::DescriptorBufferInfo inverseInfo{
      .buffer = *inverse_->buffer_.buffer(), .offset = 0, .range = VK_WHOLE_SIZE};
  const vk::BufferView fdlView = *fdlView_, irsView = irs_->view();
  const std::array<vk::WriteDescriptorSet, 4> writes{
      gpu::bufferWrite(macSet_, 0, vk::DescriptorType::eUniformBuffer, termsInfo),
      gpu::texelWrite(macSet_, 1, fdlView), gpu::texelWrite(macSet_, 2, irsView),
      gpu::bufferWrite(macSet_, 3, vk::DescriptorType::eStorageBuffer, inverseInfo)};
  ctx.device().updateDescriptorSets(writes, nullptr);
  irs_->wait();
}

GpuConvolver::~GpuConvolver() = default;

void GpuConvolver::measureStages(bool on) {
  stageTimes_ = {};
  timer_ = on ? std::make_unique<gpu::StageTimer>(ctx_, 4) : nullptr;
}

void GpuConvolver::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto p = static_cast<std::size_t>(p_);
  const auto batch = static_cast<std::size_t>(batch_);
  const std::size_t span = batch * p;  // frames per call, per input and output
  const std::size_t row = 2 * p + 2;   // floats per FFT row
  VKMIX_ASSERT(inputs.size() >= numInputs_ * span && outputs.size() >= numOutputs_ * span,
               "partition sizes");
  // Overlap-save rows, straight into the batch's delay-line slots: [previous partition | this
  // partition | 2 pad floats]. The forward FFT below makes them spectra in place.
  auto* fdl = fdl_.as<float>();
  for (std::size_t j = 0; j < batch; ++j) {
    for (std::size_t in = 0; in < numInputs_; ++in) {
      float* r = fdl + ((head_ + j) * numInputs_ + in) * row;
      const float* now = &inputs[in * span + j * p];
      const float* before = j == 0 ? &previous_[in * p] : now - p;
      std::memcpy(r, before, p * sizeof(float));
      std::memcpy(r + p, now, p * sizeof(float));
      r[2 * p] = r[2 * p + 1] = 0.0f;
    }
  }
  for (std::size_t in = 0; in < numInputs_; ++in)
    std::memcpy(&previous_[in * p], &inputs[in * span + span - p], p * sizeof(float));
  const vk::raii::CommandBuffer& commands = submitter_.begin();
  if (timer_) timer_->reset(commands);
  recordTransforms(commands, timer_.get());
  submitter_.submitAndWait("convolution");
  ctx_.traffic().hostToDeviceBytes += static_cast<std::int64_t>(inputs.size() * sizeof(float));
  ctx_.traffic().deviceToHostBytes += static_cast<std::int64_t>(outputs.size() * sizeof(float));
  if (timer_) {
    const std::vector<double> ms = timer_->stageMilliseconds();
    stageTimes_.forwardMs += ms[0];
    stageTimes_.macMs += ms[1];
    stageTimes_.inverseMs += ms[2];
    ++stageTimes_.calls;
  }
  const auto* inv = inverse_->buffer_.as<float>();
  const float scale = 1.0f / static_cast<float>(2 * p_);
  for (std::size_t j = 0; j < batch; ++j) {
    for (std::size_t o = 0; o < numOutputs_; ++o) {
      const float* from = inv + (j * numOutputs_ + o) * row + p;
      float* to = &outputs[o * span + j * p];
      for (std::size_t i = 0; i < p; ++i) to[i] = from[i] * scale;
    }
  }
  head_ = (head_ + static_cast<std::uint32_t>(batch_)) % ring_;
}

// The batch's work once its slots hold the overlap-save rows: the forward FFT into the delay
// line, the multiply-accumulate over the partitions, the inverse FFT; `timer` (optional) marks
// the stages.
void GpuConvolver::recordTransforms(const vk::raii::CommandBuffer& commands,
                                    gpu::StageTimer* timer) {
  const auto bins = static_cast<std::uint32_t>(p_ + 1);
  const auto pairs = static_cast<std::uint32_t>(spectrumStride(p_) / 2);
  if (timer) timer->mark(commands, 0);
  forwardPlan_->recordForward(commands, head_ * numInputs_ * rowBytes(p_));
  if (timer) timer->mark(commands, 1);
  // Orders the forward FFT's writes of the slots before the multiply-accumulate reads them.
  barrier(commands, vk::AccessFlagBits::eShaderWrite, vk::AccessFlagBits::eShaderRead);
  commands.bindPipeline(vk::PipelineBindPoint::eCompute, *mac_.pipeline());
  commands.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *mac_.layout(), 0, macSet_, nullptr);
  commands.pushConstants<MacPush>(
      *mac_.layout(), vk::ShaderStageFlagBits::eCompute, 0,
      MacPush{bins, numInputs_, head_, static_cast<std::uint32_t>(partitions_), numOutputs_, pairs,
              ring_});
  commands.dispatch((pairs + kGroup - 1) / kGroup,
                    shared_ ? (numOutputs_ + kGroupOutputs - 1) / kGroupOutputs : numOutputs_,
                    static_cast<std::uint32_t>(batch_));
  if (timer) timer->mark(commands, 2);
  // Orders the accumulated spectra's writes before the inverse FFT reads them.
  barrier(commands, vk::AccessFlagBits::eShaderWrite,
          vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite);
  inverse_->plan_->recordInverse(commands);
  if (timer) timer->mark(commands, 3);
}

void GpuConvolver::makeSends() {
  if (sends_) return;
  // Read and written by the device chunk after chunk: device memory (gpu::Placement). Zeros:
  // the partition before the first, and the frames no mix is sent to.
  sends_ = std::make_unique<gpu::Buffer>(
      ctx_, numInputs_ * static_cast<vk::DeviceSize>(p_ + span()) * kFloat,
      vk::BufferUsageFlagBits::eTransferSrc | vk::BufferUsageFlagBits::eTransferDst,
      gpu::Placement::Resident);
  std::memset(sends_->mapped(), 0, sends_->bytes());
}

void GpuConvolver::recordSend(const vk::raii::CommandBuffer& commands, const gpu::Buffer& rows,
                              std::int64_t stride, std::int64_t from, std::int64_t frames,
                              std::int64_t at) {
  VKMIX_ASSERT(frames > 0 && at >= 0 && at + frames <= span(), "a send beyond the batch");
  const auto sendRow = static_cast<vk::DeviceSize>(p_ + span());
  makeSends();
  // After the mix's shader writes, and after the previous batch's reads and clearing of the
  // frames this copy writes.
  gpu::fullBarrier(commands);
  std::vector<vk::BufferCopy> regions;
  for (std::uint32_t in = 0; in < numInputs_; ++in) {
    regions.push_back({.srcOffset = static_cast<vk::DeviceSize>(in * stride + from) * kFloat,
                       .dstOffset = (in * sendRow + static_cast<vk::DeviceSize>(p_ + at)) * kFloat,
                       .size = static_cast<vk::DeviceSize>(frames) * kFloat});
  }
  commands.copyBuffer(*rows.buffer(), *sends_->buffer(), regions);
}

vk::DeviceSize GpuConvolver::outputBufferBytes() const {
  return numOutputs_ * static_cast<vk::DeviceSize>(span()) * kFloat;
}

void GpuConvolver::recordBatch(const vk::raii::CommandBuffer& commands,
                               const gpu::Buffer& outputs) {
  VKMIX_ASSERT(outputs.bytes() >= outputBufferBytes(), "convolver output buffer too small");
  makeSends();
  const auto p = static_cast<vk::DeviceSize>(p_);
  const auto batch = static_cast<vk::DeviceSize>(batch_);
  const vk::DeviceSize sendRow = p + batch * p;  // floats
  const vk::DeviceSize row = 2 * p + 2;          // floats per FFT row
  gpu::fullBarrier(commands);
  // Overlap-save rows into the batch's delay-line slots, as process() writes them: partition
  // j - 1 and partition j of the send row are one run of 2P floats, then 2 pad floats.
  std::vector<vk::BufferCopy> regions;
  for (vk::DeviceSize j = 0; j < batch; ++j) {
    for (vk::DeviceSize in = 0; in < numInputs_; ++in) {
      const vk::DeviceSize slotRow = (head_ + j) * numInputs_ + in;
      regions.push_back({.srcOffset = (in * sendRow + j * p) * kFloat,
                         .dstOffset = slotRow * row * kFloat,
                         .size = 2 * p * kFloat});
    }
  }
  commands.copyBuffer(*sends_->buffer(), *fdl_.buffer(), regions);
  for (vk::DeviceSize j = 0; j < batch; ++j) {
    for (vk::DeviceSize in = 0; in < numInputs_; ++in)
      commands.fillBuffer(*fdl_.buffer(), (((head_ + j) * numInputs_ + in) * row + 2 * p) * kFloat,
                          2 * kFloat, 0);
  }
  gpu::fullBarrier(commands);
  // The batch's last partition is the next batch's partition before.
  regions.clear();
  for (vk::DeviceSize in = 0; in < numInputs_; ++in)
    regions.push_back({.srcOffset = (in * sendRow + batch * p) * kFloat,
                       .dstOffset = in * sendRow * kFloat,
                       .size = p * kFloat});
  commands.copyBuffer(*sends_->buffer(), *sends_->buffer(), regions);
  recordTransforms(commands, nullptr);
  // The inverse's writes before the copies read them; the copy above before the clearing.
  gpu::fullBarrier(commands);
  for (vk::DeviceSize in = 0; in < numInputs_; ++in)
    commands.fillBuffer(*sends_->buffer(), (in * sendRow + p) * kFloat, batch * p * kFloat, 0);
  // Overlap-save keeps the second half of each inverse row: [output][span] for the host.
  regions.clear();
  for (vk::DeviceSize j = 0; j < batch; ++j) {
    for (vk::DeviceSize o = 0; o < numOutputs_; ++o)
      regions.push_back({.srcOffset = ((j * numOutputs_ + o) * row + p) * kFloat,
                         .dstOffset = (o * batch * p + j * p) * kFloat,
                         .size = p * kFloat});
  }
  commands.copyBuffer(*inverse_->buffer_.buffer(), *outputs.buffer(), regions);
  head_ = (head_ + static_cast<std::uint32_t>(batch_)) % ring_;
}

void GpuConvolver::readBatch(const gpu::Buffer& recorded, std::span<float> outputs) const {
  const std::size_t floats = numOutputs_ * static_cast<std::size_t>(span());
  VKMIX_ASSERT(outputs.size() >= floats, "partition sizes");
  const float* from = batchOutputs(recorded);
  const float scale = outputScale();
  for (std::size_t i = 0; i < floats; ++i) outputs[i] = from[i] * scale;
}

const float* GpuConvolver::batchOutputs(const gpu::Buffer& recorded) const {
  const std::size_t floats = numOutputs_ * static_cast<std::size_t>(span());
  ctx_.traffic().deviceToHostBytes += static_cast<std::int64_t>(floats * sizeof(float));
  return recorded.as<const float>();
}

GpuConvolverSet::GpuConvolverSet(const gpu::Context& ctx, std::vector<const ConvolverSpec*> buses)
    : ctx_(ctx), buses_(std::move(buses)), spectra_(buses_.size()) {
  vk::DeviceSize bytes = 0;
  for (const ConvolverSpec* spec : buses_)
    if (spec) bytes = std::max(bytes, GpuConvolver::fftScratchBytes(*spec));
  if (bytes > 0) {
    scratch_ = std::make_shared<gpu::Buffer>(ctx, bytes, vk::BufferUsageFlagBits::eStorageBuffer,
                                             gpu::Placement::Device);
  }
}

std::unique_ptr<GpuConvolver> GpuConvolverSet::make(std::size_t bus) {
  VKMIX_ASSERT(bus < buses_.size() && buses_[bus] != nullptr,
               "a convolver of a bus not in the set");
  const ConvolverSpec& spec = *buses_[bus];
  if (!spectra_[bus]) spectra_[bus] = std::make_shared<GpuIrSpectra>(ctx_, spec);
  const int batch = GpuConvolver::defaultBatch(spec);
  auto inverse = std::find_if(inverses_.begin(), inverses_.end(),
                              [&](const auto& stage) { return stage->fits(spec, batch); });
  if (inverse == inverses_.end()) {
    inverse = inverses_.insert(inverses_.end(),
                               std::make_shared<GpuInverseStage>(ctx_, spec, batch, scratch_));
  }
  return std::make_unique<GpuConvolver>(ctx_, spec, batch, spectra_[bus], scratch_, *inverse);
}

}  // namespace vkmix::dsp
