#include "backend/cpu_backend.hpp"

#include <algorithm>
#include <map>

#include "backend/host_backend.hpp"
#include "core/assert.hpp"
#include "core/parallel_for.hpp"
#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/denoise/cpu_denoiser.hpp"
#include "dsp/voices/cpu_mixer.hpp"

namespace vkmix::backend {
namespace {

class CpuBackend final : public HostBackend<dsp::CpuConvolver, dsp::CpuDenoiser> {
 public:
  explicit CpuBackend(const BackendSetup& setup)
      : HostBackend(setup, "cpu", "cpu"),
        mixers_(static_cast<std::size_t>(setup.threads) + 1),
        premixers_(setup.denoised.size()),
        pool_(setup.threads, "vkmix-mix") {
    // Convolvers of one bus (one per stem that sends to it) share its IR spectra.
    std::map<int, std::shared_ptr<const dsp::CpuIrSpectra>> spectra;
    for (int bus : setup.instanceBus) {
      const dsp::ConvolverSpec& spec = *setup.buses[static_cast<std::size_t>(bus)];
      std::shared_ptr<const dsp::CpuIrSpectra>& s = spectra[bus];
      if (!s) s = std::make_shared<const dsp::CpuIrSpectra>(spec);
      convolvers_.push_back(std::make_unique<dsp::CpuConvolver>(spec, s));
    }
    std::map<const dsp::ConvolverSpec*, std::shared_ptr<const dsp::CpuIrSpectra>> filterSpectra;
    for (const dsp::ConvolverSpec* spec : setup.filters) {
      std::shared_ptr<const dsp::CpuIrSpectra>& s = filterSpectra[spec];
      if (!s) s = std::make_shared<const dsp::CpuIrSpectra>(*spec);
      convolvers_.push_back(std::make_unique<dsp::CpuConvolver>(*spec, s));
    }
  }

  // Mixed at submit, handed on in order at finish, as the reference does. A large mix's channels
  // are shared out over the pool: each channel is one thread's, summed in voice order, so the
  // bytes do not depend on how many threads there are.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    const std::span<float> out =
        mixes_.push(mixer, static_cast<std::size_t>(block.numChannels * block.stride));
    const int parts = std::min(block.numChannels, pool_.workers() + 1);
    const auto work = static_cast<std::int64_t>(block.voices.size()) * block.numFrames;
    if (parts == 1 || work < kParallelWork) {
      mixers_[0].mix(block, out);
      return;
    }
    pool_.run(static_cast<std::size_t>(parts), [&](std::size_t part) {
      const auto p = static_cast<int>(part);
      mixers_[part].mix(block, out, block.numChannels * p / parts,
                        block.numChannels * (p + 1) / parts);
    });
  }
  void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(denoiseSeconds_[track]);
    premixers_[track].mix(block, out);
  }

 private:
  // Below this many voice frames (4 voices x 4096) a mix costs about what waking the pool does.
  static constexpr std::int64_t kParallelWork = 16384;
  std::vector<dsp::CpuMixer> mixers_;     // one per share of a mix's channels (its scratch rows)
  std::vector<dsp::CpuMixer> premixers_;  // per denoised track
  ParallelFor pool_;                      // last: its workers stop before what they mix into goes
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend(const BackendSetup& setup) {
  return std::make_unique<CpuBackend>(setup);
}

}  // namespace vkmix::backend
