// What the two backends that run on the host's CPU share (cpu: float, FFTW, vectorised; reference:
// double precision): a chunk's mixes made when submitted and handed on in order when collected,
// one convolver per reverb instance and one denoiser per denoised track called in place, and the
// time each stage took. Each says how it mixes and premixes and which convolver and denoiser it
// runs.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
#include "backend/mix_queue.hpp"
#include "backend/stage_clock.hpp"

namespace vkmix::backend {

template <class Convolver, class Denoiser>
class HostBackend : public Backend {
 public:
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
  void denoise(std::size_t track, std::span<const float> in, std::span<float> out) override {
    const StageClock clock(denoiseSeconds_[track]);
    denoisers_[track]->process(in, out);
  }
  bool concurrentTracks() const override { return true; }
  const std::string& deviceName() const override { return name_; }
  int validationErrors() const override { return 0; }
  void fill(BackendFigures& f) const override {
    f.name = figuresName_;
    for (const auto& [stage, seconds] : stageSeconds_) f.stageSeconds[stage] += seconds;
    for (double seconds : denoiseSeconds_) f.stageSeconds["denoise"] += seconds;
  }

 protected:
  // `name`: the device the report names; `figuresName`: the backend figures' "name".
  HostBackend(const BackendSetup& setup, std::string name, std::string figuresName)
      : name_(std::move(name)),
        figuresName_(std::move(figuresName)),
        mixes_(setup.groupChannels.size() + setup.instanceBus.size()),
        denoiseSeconds_(setup.denoised.size(), 0.0) {
    for (const dsp::DenoiseSpec* spec : setup.denoised)
      denoisers_.push_back(std::make_unique<Denoiser>(*spec));
  }

  std::string name_, figuresName_;
  MixQueues mixes_;
  std::vector<std::unique_ptr<Convolver>> convolvers_;  // the subclass makes them
  std::vector<std::unique_ptr<Denoiser>> denoisers_;
  std::map<std::string, double> stageSeconds_;
  std::vector<double> denoiseSeconds_;  // per track: tracks may run on several threads at once
};

}  // namespace vkmix::backend
