#include "backend/cpu_backend.hpp"

#include <algorithm>
#include <map>

#include "backend/mix_queue.hpp"
#include "backend/stage_clock.hpp"
#include "core/assert.hpp"
#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/denoise/cpu_denoiser.hpp"
#include "dsp/voices/cpu_mixer.hpp"

namespace vkmix::backend {
namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendSetup& setup)
      : mixes_(setup.groupChannels.size() + setup.instanceBus.size()) {
    // Convolvers of one bus (one per stem that sends to it) share its IR spectra.
    std::map<int, std::shared_ptr<const dsp::CpuIrSpectra>> spectra;
    for (int bus : setup.instanceBus) {
      const dsp::ConvolverSpec& spec = *setup.buses[static_cast<std::size_t>(bus)];
      std::shared_ptr<const dsp::CpuIrSpectra>& s = spectra[bus];
      if (!s) s = std::make_shared<const dsp::CpuIrSpectra>(spec);
      convolvers_.push_back(std::make_unique<dsp::CpuConvolver>(spec, s));
    }
    for (const dsp::DenoiseSpec* spec : setup.denoised)
      denoisers_.push_back(std::make_unique<dsp::CpuDenoiser>(*spec));
  }

  // Mixed at submit, handed on in order at finish, as the reference does.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    mixer_.mix(block,
               mixes_.push(mixer, static_cast<std::size_t>(block.numChannels * block.stride)));
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
  void premix(std::size_t, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    mixer_.mix(block, out);
  }
  void denoise(std::size_t track, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(stageSeconds_["denoise"]);
    denoisers_[track]->process(in, out);
  }
  const std::string& deviceName() const override { return name_; }
  int validationErrors() const override { return 0; }
  void fill(BackendFigures& f) const override {
    f.name = "cpu";
    for (const auto& [stage, seconds] : stageSeconds_) f.stageSeconds[stage] += seconds;
  }

 private:
  std::string name_ = "cpu";
  dsp::CpuMixer mixer_;
  MixQueues mixes_;
  std::vector<std::unique_ptr<dsp::CpuConvolver>> convolvers_;
  std::vector<std::unique_ptr<dsp::CpuDenoiser>> denoisers_;
  std::map<std::string, double> stageSeconds_;
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend(const BackendSetup& setup) {
  return std::make_unique<CpuBackend>(setup);
}

}  // namespace vkmix::backend
