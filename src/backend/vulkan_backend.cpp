// The Vulkan backend: a GpuMixer per dry group and per reverb send, a GpuConvolver per reverb
// instance (convolvers of a render share what they can through dsp::GpuConvolverSet), a premix
// GpuMixer and a GpuDenoiser per denoised track, each with its own buffers; and DeviceStart, the
// factory that brings the device up while the engine plans.
#include <array>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <optional>

#include "backend/backend.hpp"
#include "backend/cpu_backend.hpp"
#include "backend/reference_backend.hpp"
#include "backend/stage_clock.hpp"
#include "core/assert.hpp"
#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/denoise/gpu_denoiser.hpp"
#include "dsp/voices/gpu_mixer.hpp"
#include "gpu/context.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::backend {
namespace {

// A device made ahead of the render: its context and its mix pipelines for the output width.
// Members in creation order: the pipelines die before the context whose device they use.
struct ReadyDevice {
  std::unique_ptr<gpu::Context> context;
  std::shared_ptr<dsp::MixPipelines> pipelines;
};

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(ReadyDevice device, const BackendSetup& setup)
      : context_(std::move(device.context)) {
    // Moved, not copied: were the parameter to keep a reference, a throw below would destroy
    // these pipelines after context_, with their device gone.
    if (device.pipelines) {
      const int channels = device.pipelines->numChannels();
      mixPipelines_[channels] = std::move(device.pipelines);
    }
    name_ = context_->info().name + " [" + context_->info().type + "]";
    // Set-up (IR spectra, pipelines) is not the render's traffic.
    const gpu::Context::Traffic& t = context_->traffic();
    start_ = {t.submissions, t.hostToDeviceBytes, t.deviceToHostBytes};
    for (int channels : setup.groupChannels) addMixer(channels);
    // The render loop runs one convolution at a time, so its convolvers share what they can.
    std::optional<dsp::GpuConvolverSet> convolvers;
    if (!setup.instanceBus.empty()) {
      std::vector<const dsp::ConvolverSpec*> used(setup.buses.size(), nullptr);
      for (int bus : setup.instanceBus)
        used[static_cast<std::size_t>(bus)] = setup.buses[static_cast<std::size_t>(bus)];
      convolvers.emplace(*context_, std::move(used));
    }
    for (int bus : setup.instanceBus) {
      addMixer(setup.buses[static_cast<std::size_t>(bus)]->numInputs);
      convolvers_.push_back(convolvers->make(static_cast<std::size_t>(bus)));
    }
    for (auto& batch : batches_) batch = std::make_unique<gpu::Submitter>(*context_);
    batchOf_.resize(mixers_.size());
    for (const dsp::DenoiseSpec* spec : setup.denoised) {
      premixers_.push_back(std::make_unique<dsp::GpuMixer>(*context_, spec->numChannels,
                                                           mixPipelines(spec->numChannels)));
      denoisers_.push_back(std::make_unique<dsp::GpuDenoiser>(*context_, *spec));
    }
  }

  // A chunk's mixes (every stem's and send's) are recorded into one command buffer and go to
  // the device in one submission at endChunk(): one round trip a chunk, not one a mixer.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    if (recording_ == nullptr) {
      gpu::Submitter& batch = *batches_[static_cast<std::size_t>(nextBatch_)];
      batch.wait("voice mix");  // the chunk it last carried was collected: normally a no-op
      recording_ = &batch.begin();
    }
    mixers_[mixer]->submit(block, recording_);
    batchOf_[mixer].push_back(nextBatch_);
  }
  void endChunk() override {
    if (recording_ == nullptr) return;
    recording_ = nullptr;
    batches_[static_cast<std::size_t>(nextBatch_)]->submit("voice mix");
    nextBatch_ = (nextBatch_ + 1) % kInFlight;
  }
  void finishMix(std::size_t mixer, std::span<float> out) override {
    const StageClock clock(stageSeconds_["mix"]);
    VKMIX_ASSERT(!batchOf_[mixer].empty(), "no mix to finish");
    const int batch = batchOf_[mixer].front();
    batchOf_[mixer].pop_front();
    batches_[static_cast<std::size_t>(batch)]->wait("voice mix");
    mixers_[mixer]->finish(out);
  }
  RowMemory rowMemory(std::size_t mixer) override {
    dsp::GpuMixer* m = mixers_[mixer].get();
    return [m](std::size_t voices, std::int64_t stride) { return m->uploadRows(voices, stride); };
  }
  std::int64_t convolverBatch(std::size_t instance) const override {
    return convolvers_[instance]->batch();
  }
  void convolve(std::size_t instance, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(stageSeconds_["convolve"]);
    convolvers_[instance]->process(in, out);
  }
  void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    premixers_[track]->mix(block, out);
  }
  void denoise(std::size_t track, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    denoisers_[track]->process(in, out);
  }
  const std::string& deviceName() const override { return name_; }
  int validationErrors() const override { return context_->validationErrorCount(); }
  void fill(BackendFigures& f) const override {
    f.name = "vulkan";
    const gpu::Context::Traffic& t = context_->traffic();
    f.submissions = t.submissions - start_.submissions;
    f.hostToDeviceBytes = t.hostToDeviceBytes - start_.hostToDeviceBytes;
    f.deviceToHostBytes = t.deviceToHostBytes - start_.deviceToHostBytes;
    for (const auto& [stage, seconds] : stageSeconds_) f.stageSeconds[stage] += seconds;
  }

 private:
  void addMixer(int channels) {
    mixers_.push_back(std::make_unique<dsp::GpuMixer>(*context_, channels, mixPipelines(channels)));
  }
  // One set of mix pipelines per channel count, shared by the mixers of that count.
  std::shared_ptr<dsp::MixPipelines> mixPipelines(int channels) {
    std::shared_ptr<dsp::MixPipelines>& p = mixPipelines_[channels];
    if (!p) p = std::make_shared<dsp::MixPipelines>(*context_, channels);
    return p;
  }
  struct TrafficAtStart {
    std::int64_t submissions = 0, hostToDeviceBytes = 0, deviceToHostBytes = 0;
  };
  std::string name_;
  TrafficAtStart start_;
  std::map<std::string, double> stageSeconds_;
  // The context outlives the mixers and convolvers that use its device (reverse member order).
  std::unique_ptr<gpu::Context> context_;
  std::map<int, std::shared_ptr<dsp::MixPipelines>> mixPipelines_;
  std::vector<std::unique_ptr<dsp::GpuMixer>> mixers_;
  std::vector<std::unique_ptr<dsp::GpuConvolver>> convolvers_;
  std::vector<std::unique_ptr<dsp::GpuMixer>> premixers_;
  std::vector<std::unique_ptr<dsp::GpuDenoiser>> denoisers_;
  // The chunks' command buffers, after the mixers whose buffers they use: a batch still in flight
  // is waited for (Submitter's destructor) before those go.
  std::array<std::unique_ptr<gpu::Submitter>, kInFlight> batches_;
  std::vector<std::deque<int>> batchOf_;  // per mixer: the batch of each mix not yet finished
  const vk::raii::CommandBuffer* recording_ = nullptr;  // the chunk being recorded, if any
  int nextBatch_ = 0;
};

// The index of the first discrete GPU with a compute queue, else the first integrated one; ""
// when there is neither (or no Vulkan driver at all).
std::string bestGpu() {
  // A machine without a GPU's device nodes has none to find, and asking Vulkan would load its
  // CPU driver (LLVM) for nothing: tens of milliseconds of every render's start.
  std::error_code ec;
  if (!std::filesystem::exists("/dev/dri", ec) && !std::filesystem::exists("/dev/nvidia0", ec) &&
      !std::filesystem::exists("/dev/dxg", ec))
    return {};
  std::vector<gpu::DeviceInfo> devices;
  try {
    devices = gpu::listDevices();
  } catch (const std::exception&) {
    return {};
  }
  for (const char* type : {"discrete", "integrated"}) {
    for (const gpu::DeviceInfo& d : devices) {
      if (d.type == type && d.hasCompute) return std::to_string(d.index);
    }
  }
  return {};
}

}  // namespace

struct DeviceStart::Pending {
  std::future<ReadyDevice> device;  // invalid: a CPU backend
  bool reference = false;
};

DeviceStart::DeviceStart(const std::string& device, bool validation, int outputChannels)
    : pending_(std::make_unique<Pending>()) {
  if (device == "cpu") return;
  if (device == "reference" || device == "cpu-reference") {
    pending_->reference = true;
    return;
  }
  pending_->device = std::async(std::launch::async, [device, validation, outputChannels] {
    ReadyDevice d;
    std::string chosen = device;
    if (chosen.empty()) {
      // A GPU if there is one, discrete first; a CPU's Vulkan (lavapipe) only when named: the
      // native CPU backend is several times faster than shaders run on the same cores.
      chosen = bestGpu();
      if (chosen.empty()) return d;
    }
    d.context = std::make_unique<gpu::Context>(
        gpu::ContextOptions{.device = chosen, .validation = validation});
    // The static voices' pipeline for the output's width, which nearly every session uses: an
    // LLVM compile on lavapipe, made here rather than in the first block.
    if (outputChannels > 0) {
      d.pipelines = std::make_shared<dsp::MixPipelines>(*d.context, outputChannels);
      d.pipelines->get(false);
    }
    return d;
  });
}

// A device still coming up is waited for (std::future's destructor), then dies whole.
DeviceStart::~DeviceStart() = default;

std::unique_ptr<Backend> DeviceStart::make(const BackendSetup& setup) {
  if (!pending_->device.valid())
    return pending_->reference ? makeReferenceBackend(setup) : makeCpuBackend(setup);
  ReadyDevice device = pending_->device.get();
  if (!device.context) return makeCpuBackend(setup);  // no GPU: the native CPU backend
  return std::make_unique<VulkanBackend>(std::move(device), setup);
}

}  // namespace vkmix::backend
