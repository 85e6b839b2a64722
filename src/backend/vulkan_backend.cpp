// The Vulkan backend: a GpuMixer per dry group and per reverb send, a GpuConvolver per reverb
// instance (convolvers of a render share what they can through dsp::GpuConvolverSet) and per
// binaural filter, a premix GpuMixer and a GpuDenoiser per denoised track, each with its own
// buffers, and the rings their signals go to (dsp::GpuDenoisedRows); and DeviceStart, the
// factory that brings the device up while the engine plans.
#include <algorithm>
#include <array>
#include <deque>
#include <filesystem>
#include <future>
#include <iterator>
#include <map>
#include <optional>

#include "backend/backend.hpp"
#include "backend/cpu_backend.hpp"
#include "backend/reference_backend.hpp"
#include "backend/stage_clock.hpp"
#include "core/assert.hpp"
#include "core/thread_cpu.hpp"
#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/denoise/gpu_denoised_rows.hpp"
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
    addFilters(setup.filters);
    deviceFilters_ = std::vector<DeviceFilter>(filters_.size());
    for (auto& batch : batches_) batch = std::make_unique<gpu::Submitter>(*context_);
    batchOf_.resize(mixers_.size());
    mixedNow_.assign(mixers_.size(), 0);
    firstSend_ = setup.groupChannels.size();
    reverbs_.resize(convolvers_.size());
    for (BatchOutputs& b : outputs_) b.perInstance.resize(convolvers_.size());
    std::vector<int> trackChannels;
    for (const dsp::DenoiseSpec* spec : setup.denoised) {
      premixers_.push_back(std::make_unique<dsp::GpuMixer>(*context_, spec->numChannels,
                                                           mixPipelines(spec->numChannels)));
      denoisers_.push_back(std::make_unique<dsp::GpuDenoiser>(*context_, *spec));
      trackChannels.push_back(spec->numChannels);
    }
    if (!setup.denoised.empty()) {
      denoisedRows_ = std::make_unique<dsp::GpuDenoisedRows>(
          *context_, trackChannels, setup.denoised.front()->shape(), setup.chunkFrames, kInFlight,
          mixers_.size());
    }
  }

  // A chunk's work is recorded into one command buffer and goes to the device in one submission
  // at endChunk(): every stem's and send's mix, then the sends copied into their convolvers in
  // device memory and the spans they complete convolved; before the mixes, the denoised tracks'
  // premixes and denoising the chunk plays (denoiseInChunk), whose output the mixes' rows take
  // on the device. The host reads the results after the chunk's fence: one round trip a chunk,
  // not one a mixer, a convolution or a denoise chunk.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    const vk::raii::CommandBuffer& commands = recording();
    if (block.deviceRows.empty()) {
      mixers_[mixer]->submit(block, &commands);
    } else {
      mixers_[mixer]->submit(block, &commands,
                             [&](const vk::raii::CommandBuffer& cb, const gpu::Buffer& rows,
                                 std::span<const std::size_t> rowOf) {
                               denoisedRows_->recordRows(cb, nextBatch_, block, rows, rowOf);
                             });
    }
    batchOf_[mixer].push_back(nextBatch_);
    mixedNow_[mixer] = 1;
  }
  void endChunk(std::int64_t numFrames, bool last) override {
    {
      const StageClock clock(stageSeconds_["convolve"]);
      for (std::size_t k = 0; k < reverbs_.size(); ++k) sendChunk(k, numFrames, last);
      if (unrecordedFilters_ > 0) recordFilters();
    }
    std::fill(mixedNow_.begin(), mixedNow_.end(), 0);
    if (recording_ == nullptr) return;  // nothing to do in this chunk
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
    checkPremixes(batch);
    mixers_[mixer]->finish(out);
  }
  RowMemory rowMemory(std::size_t mixer) override {
    dsp::GpuMixer* m = mixers_[mixer].get();
    return [m](std::size_t voices, std::int64_t stride) { return m->uploadRows(voices, stride); };
  }
  std::int64_t convolverBatch(std::size_t instance) const override {
    if (instance >= reverbs_.size()) return filters_[instance - reverbs_.size()]->batch();
    return convolvers_[instance]->batch();
  }
  // The span was convolved in the chunk that completed it (endChunk); its outputs are read once
  // that chunk's submission has finished. `in` is the same sends, read back for the engine.
  void convolve(std::size_t instance, std::span<const float> in, std::span<float> out) override {
    const Convolved view = convolveView(instance, in, out);
    if (view.data == out.data()) return;
    const dsp::GpuConvolver& conv = *convolvers_[instance];
    const std::size_t floats = conv.numOutputs() * static_cast<std::size_t>(conv.span());
    for (std::size_t i = 0; i < floats; ++i) out[i] = view.data[i] * view.scale;
  }
  Convolved convolveView(std::size_t instance, std::span<const float> in,
                         std::span<float> out) override {
    const StageClock clock(stageSeconds_["convolve"]);
    if (instance >= reverbs_.size()) {
      filters_[instance - reverbs_.size()]->process(in, out);
      return {out.data(), 1.0f};
    }
    DeviceReverb& r = reverbs_[instance];
    dsp::GpuConvolver& conv = *convolvers_[instance];
    if (r.ready.empty()) {
      // A render that ended before the chunk endChunk was told was the last: the last, partial
      // span is convolved on its own.
      VKMIX_ASSERT(r.filled > 0, "a convolution asked for with no sends gathered");
      if (!flushOutput_ || flushOutput_->bytes() < conv.outputBufferBytes()) {
        flushOutput_ = std::make_unique<gpu::Buffer>(*context_, conv.outputBufferBytes(),
                                                     vk::BufferUsageFlagBits::eTransferDst,
                                                     gpu::Placement::Readback);
      }
      if (!flush_) flush_ = std::make_unique<gpu::Submitter>(*context_);
      conv.recordBatch(flush_->begin(), *flushOutput_);
      r.filled = 0;
      flush_->submitAndWait("convolution");
      return {conv.batchOutputs(*flushOutput_), conv.outputScale()};
    }
    const DeviceReverb::Ready ready = r.ready.front();
    r.ready.pop_front();
    batches_[static_cast<std::size_t>(ready.batch)]->wait("convolution");
    return {conv.batchOutputs(*ready.outputs), conv.outputScale()};
  }
  // A filter's spans are uploaded as queued and recorded into the next chunk's command buffer
  // (endChunk), after its mixes: the same rows, transforms and scaling as process(), the same
  // bits, read once that chunk's fence has signalled. The spans no chunk takes (the render's
  // end) are recorded together and submitted by the first takeFilter that needs one of them.
  bool filtersInChunk() const override { return true; }
  void queueFilter(std::size_t instance, std::span<const float> in) override {
    const StageClock clock(stageSeconds_["convolve"]);
    const std::size_t f = instance - reverbs_.size();
    DeviceFilter& d = deviceFilters_[f];
    const dsp::GpuConvolver& conv = *filters_[f];
    FilterSpan span;
    if (d.spare.empty()) {
      span.input = std::make_unique<gpu::Buffer>(*context_, in.size_bytes(),
                                                 vk::BufferUsageFlagBits::eTransferSrc);
      span.output = std::make_unique<gpu::Buffer>(*context_, conv.outputBufferBytes(),
                                                  vk::BufferUsageFlagBits::eTransferDst,
                                                  gpu::Placement::Readback);
    } else {
      span = std::move(d.spare.back());
      d.spare.pop_back();
    }
    VKMIX_ASSERT(span.input->bytes() >= in.size_bytes(), "a filter span of its convolver's size");
    std::copy(in.begin(), in.end(), span.input->as<float>());
    context_->traffic().hostToDeviceBytes += static_cast<std::int64_t>(in.size_bytes());
    span.batch = kUnrecorded;
    d.spans.push_back(std::move(span));
    ++unrecordedFilters_;
  }
  bool filterDone(std::size_t instance) const override {
    const DeviceFilter& d = deviceFilters_[instance - reverbs_.size()];
    VKMIX_ASSERT(!d.spans.empty(), "no filter span queued");
    const int batch = d.spans.front().batch;
    return batch == kCollected ||
           (batch >= 0 && !batches_[static_cast<std::size_t>(batch)]->pending());
  }
  void takeFilter(std::size_t instance, std::span<float> out) override {
    const StageClock clock(stageSeconds_["convolve"]);
    const std::size_t f = instance - reverbs_.size();
    DeviceFilter& d = deviceFilters_[f];
    VKMIX_ASSERT(!d.spans.empty(), "no filter span queued");
    if (d.spans.front().batch == kUnrecorded) {
      // No chunk is left to take it: the spans left, every filter's, in one submission.
      VKMIX_ASSERT(recording_ == nullptr, "filters submitted inside a chunk");
      recordFilters();
      recording_ = nullptr;
      batches_[static_cast<std::size_t>(nextBatch_)]->submit("binaural filter");
      nextBatch_ = (nextBatch_ + 1) % kInFlight;
    }
    FilterSpan& span = d.spans.front();
    if (span.batch >= 0) batches_[static_cast<std::size_t>(span.batch)]->wait("binaural filter");
    filters_[f]->readBatch(*span.output, out);
    d.spare.push_back(std::move(span));
    d.spans.pop_front();
  }
  // Denoising on the host's terms (`vkmix denoise`; a render denoises in its chunks' work,
  // below): a submission each.
  void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    premixers_[track]->mix(block, out);
  }
  void denoise(std::size_t track, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    denoisers_[track]->process(in, out);
  }
  bool denoisesInChunk() const override { return true; }
  bool mixesOnDevice() const override { return true; }
  // The premix's rows are the denoiser's input in device memory, chunk after chunk, and each
  // chunk's output goes to the track's ring, where the mixes recorded after take it.
  void denoiseInChunk(std::size_t track, const dsp::MixBlock* block, int chunks,
                      PremixCheck check) override {
    const StageClock clock(stageSeconds_["denoise"]);
    const vk::raii::CommandBuffer& commands = recording();
    dsp::GpuMixer& premixer = *premixers_[track];
    dsp::GpuDenoiser& denoiser = *denoisers_[track];
    const std::int64_t frames = denoiser.shape().chunkFrames();
    if (block != nullptr) {
      VKMIX_ASSERT(block->numFrames == chunks * frames, "a premix of whole denoise chunks");
      premixer.submit(*block, &commands);
      premixes_.push_back({nextBatch_, track,
                           static_cast<std::size_t>(block->numChannels * block->stride),
                           std::move(check)});
    }
    for (int j = 0; j < chunks; ++j) {
      denoiser.record(commands, block != nullptr ? &premixer.lastOutput() : nullptr,
                      block != nullptr ? premixer.lastStride() : 0, j * frames);
      denoisedRows_->recordChunk(commands, track, denoiser);
    }
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
  // The chunk's command buffer, begun on first use; the chunk its batch carried before was
  // collected (normally a no-op wait), convolution outputs included.
  const vk::raii::CommandBuffer& recording() {
    if (recording_ == nullptr) {
      gpu::Submitter& batch = *batches_[static_cast<std::size_t>(nextBatch_)];
      batch.wait("voice mix");
      checkPremixes(nextBatch_);
      if (denoisedRows_) denoisedRows_->beginBatch(nextBatch_);
      for (const DeviceReverb& r : reverbs_) {
        for (const DeviceReverb::Ready& ready : r.ready)
          VKMIX_ASSERT(ready.batch != nextBatch_, "a convolution's outputs outlived their chunk");
      }
      outputs_[static_cast<std::size_t>(nextBatch_)].used.assign(reverbs_.size(), 0);
      // The filter spans this batch carried are finished: their outputs stay in their buffers.
      for (DeviceFilter& d : deviceFilters_) {
        for (FilterSpan& span : d.spans)
          if (span.batch == nextBatch_) span.batch = kCollected;
      }
      recording_ = &batch.begin();
    }
    return *recording_;
  }
  // Reverb instance k's sends of a chunk of numFrames: its mix, if one was made, copied into the
  // convolver span by span, each span it completes (and the last, partial, one) convolved.
  void sendChunk(std::size_t k, std::int64_t numFrames, bool last) {
    DeviceReverb& r = reverbs_[k];
    dsp::GpuConvolver& conv = *convolvers_[k];
    const std::size_t mixer = firstSend_ + k;
    for (std::int64_t at = 0; at < numFrames;) {
      const std::int64_t take = std::min(numFrames - at, conv.span() - r.filled);
      if (mixedNow_[mixer]) {  // a silent send leaves the zeros there
        const dsp::GpuMixer& m = *mixers_[mixer];
        conv.recordSend(recording(), m.lastOutput(), m.lastStride(), at, take, r.filled);
      }
      r.filled += take;
      at += take;
      if (r.filled == conv.span()) convolveSpan(k);
    }
    if (last && r.filled > 0) convolveSpan(k);
  }
  void convolveSpan(std::size_t k) {
    const vk::raii::CommandBuffer& commands = recording();
    BatchOutputs& b = outputs_[static_cast<std::size_t>(nextBatch_)];
    std::vector<std::unique_ptr<gpu::Buffer>>& buffers = b.perInstance[k];
    const int index = b.used[k]++;
    if (static_cast<std::size_t>(index) == buffers.size()) {
      // Kept for the chunks after: a chunk completes the same few spans at most.
      buffers.push_back(std::make_unique<gpu::Buffer>(
          *context_, convolvers_[k]->outputBufferBytes(), vk::BufferUsageFlagBits::eTransferDst,
          gpu::Placement::Readback));
    }
    gpu::Buffer& out = *buffers[static_cast<std::size_t>(index)];
    convolvers_[k]->recordBatch(commands, out);
    reverbs_[k].ready.push_back({nextBatch_, &out});
    reverbs_[k].filled = 0;
  }
  // The filter spans queued since the last chunk, into the chunk being recorded, in order.
  void recordFilters() {
    const vk::raii::CommandBuffer& commands = recording();
    for (std::size_t f = 0; f < deviceFilters_.size(); ++f) {
      dsp::GpuConvolver& conv = *filters_[f];
      for (FilterSpan& span : deviceFilters_[f].spans) {
        if (span.batch != kUnrecorded) continue;
        conv.recordSend(commands, *span.input, conv.span(), 0, conv.span(), 0);
        conv.recordBatch(commands, *span.output);
        span.batch = nextBatch_;
      }
    }
    unrecordedFilters_ = 0;
  }
  // The premixes recorded in `batch`, its work finished, and those before them: each read back
  // (freeing its premixer's slot) and handed to its check, in the order they were recorded.
  void checkPremixes(int batch) {
    const auto last = std::find_if(premixes_.rbegin(), premixes_.rend(),
                                   [batch](const Premix& p) { return p.batch == batch; });
    for (auto count = std::distance(last, premixes_.rend()); count > 0; --count) {
      Premix p = std::move(premixes_.front());
      premixes_.pop_front();
      batches_[static_cast<std::size_t>(p.batch)]->wait("denoise");
      premixOut_.resize(p.floats);
      premixers_[p.track]->finish(premixOut_);
      p.check(premixOut_);
    }
  }
  // The filters' convolvers: a set of their own (their scratch and inverse stages shared among
  // them, each recording ordered after the one before by its barrier, as the reverbs' are), and
  // filters of one spec share its IR spectra.
  void addFilters(const std::vector<const dsp::ConvolverSpec*>& filters) {
    if (filters.empty()) return;
    std::vector<const dsp::ConvolverSpec*> specs;
    std::vector<std::size_t> specOf;
    for (const dsp::ConvolverSpec* spec : filters) {
      auto at = std::find(specs.begin(), specs.end(), spec);
      if (at == specs.end()) at = specs.insert(specs.end(), spec);
      specOf.push_back(static_cast<std::size_t>(at - specs.begin()));
    }
    dsp::GpuConvolverSet set(*context_, std::move(specs));
    for (std::size_t k : specOf) filters_.push_back(set.make(k));
  }
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
  std::vector<std::unique_ptr<dsp::GpuConvolver>> filters_;  // BackendSetup::filters
  // Per filter: its spans queued and not taken, in order (their inputs uploaded, their outputs'
  // buffer, the batch that convolves them), and buffers of spans taken, for the next ones.
  static constexpr int kUnrecorded = -1, kCollected = -2;
  struct FilterSpan {
    int batch = kUnrecorded;  // or kCollected: its batch finished and was reused since
    std::unique_ptr<gpu::Buffer> input, output;
  };
  struct DeviceFilter {
    std::deque<FilterSpan> spans;
    std::vector<FilterSpan> spare;
  };
  std::vector<DeviceFilter> deviceFilters_;
  std::size_t unrecordedFilters_ = 0;
  std::vector<std::unique_ptr<dsp::GpuMixer>> premixers_;
  std::vector<std::unique_ptr<dsp::GpuDenoiser>> denoisers_;
  std::unique_ptr<dsp::GpuDenoisedRows> denoisedRows_;  // null: no denoised track
  // Premixes recorded by denoiseInChunk whose check is still to come (their batch, track, size).
  struct Premix {
    int batch = 0;
    std::size_t track = 0, floats = 0;
    PremixCheck check;
  };
  std::deque<Premix> premixes_;
  std::vector<float> premixOut_;
  std::vector<char> mixedNow_;  // per mixer: submitted in the chunk being recorded
  std::size_t firstSend_ = 0;   // the first reverb instance's mixer
  // Per reverb instance: frames of the span being gathered on the device, and the spans
  // convolved whose outputs the engine has not taken yet (their batch, their buffer).
  struct DeviceReverb {
    struct Ready {
      int batch = 0;
      const gpu::Buffer* outputs = nullptr;
    };
    std::int64_t filled = 0;
    std::deque<Ready> ready;
  };
  std::vector<DeviceReverb> reverbs_;
  // Per batch, per reverb instance: the buffers its chunk's convolutions write (reused).
  struct BatchOutputs {
    std::vector<std::vector<std::unique_ptr<gpu::Buffer>>> perInstance;
    std::vector<int> used;
  };
  std::array<BatchOutputs, kInFlight> outputs_;
  std::unique_ptr<gpu::Buffer> flushOutput_;
  std::unique_ptr<gpu::Submitter> flush_;
  // The chunks' command buffers, after the mixers, convolvers and output buffers whose buffers
  // they use: a batch still in flight is waited for (Submitter's destructor) before those go.
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
    // The driver's set-up on this thread (instance, device, on lavapipe the pipeline's LLVM
    // compile) is the render's host CPU too: a GPU takes none of it away.
    struct Account {
      ~Account() { accountThreadCpu(); }
    } account;
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
    // Named only now: the driver's own threads, started with the device, take their creator's
    // name (lavapipe's then read as unnamed "vkmix" threads, not as this one).
    nameThisThread("vkmix-device");
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
