#include "backend/reference_backend.hpp"

#include <algorithm>
#include <map>

#include "backend/mix_queue.hpp"
#include "backend/stage_clock.hpp"
#include "core/assert.hpp"
#include "dsp/convolver/reference.hpp"
#include "dsp/denoise/reference.hpp"

namespace vkmix::backend {
namespace {

class ReferenceBackend final : public Backend {
 public:
  explicit ReferenceBackend(const BackendSetup& setup)
      : mixes_(setup.groupChannels.size() + setup.instanceBus.size()) {
    for (int bus : setup.instanceBus)
      convolvers_.push_back(
          std::make_unique<dsp::ReferenceConvolver>(*setup.buses[static_cast<std::size_t>(bus)]));
    denoiseSeconds_.assign(setup.denoised.size(), 0.0);
    for (const dsp::DenoiseSpec* spec : setup.denoised)
      denoisers_.push_back(std::make_unique<dsp::ReferenceDenoiser>(*spec));
  }

  // The reference mixes at submit and hands the mixes on in order at finish.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    dsp::referenceMix(
        block, mixes_.push(mixer, static_cast<std::size_t>(block.numChannels * block.stride)));
  }
  void finishMix(std::size_t mixer, std::span<float> out) override {
    const StageClock clock(stageSeconds_["mix"]);
    mixes_.pop(mixer, out);
  }
  RowMemory rowMemory(std::size_t) override { return {}; }
  std::int64_t convolverBatch(std::size_t instance) const override {
    return convolvers_[instance]->batch();
  }
  void convolve(std::size_t instance, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(stageSeconds_["convolve"]);
    convolvers_[instance]->process(in, out);
  }
  void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(denoiseSeconds_[track]);
    dsp::referenceMix(block, out);
  }
  void denoise(std::size_t track, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(denoiseSeconds_[track]);
    denoisers_[track]->process(in, out);
  }
  bool concurrentTracks() const override { return true; }
  const std::string& deviceName() const override { return name_; }
  int validationErrors() const override { return 0; }
  void fill(BackendFigures& f) const override {
    f.name = "reference";
    for (const auto& [stage, seconds] : stageSeconds_) f.stageSeconds[stage] += seconds;
    for (double seconds : denoiseSeconds_) f.stageSeconds["denoise"] += seconds;
  }

 private:
  std::string name_ = "cpu-reference";
  MixQueues mixes_;
  std::vector<std::unique_ptr<dsp::ReferenceConvolver>> convolvers_;
  std::vector<std::unique_ptr<dsp::ReferenceDenoiser>> denoisers_;
  std::map<std::string, double> stageSeconds_;
  std::vector<double> denoiseSeconds_;  // per track: tracks may run on several threads at once
};

}  // namespace

std::unique_ptr<Backend> makeReferenceBackend(const BackendSetup& setup) {
  return std::make_unique<ReferenceBackend>(setup);
}

}  // namespace vkmix::backend
