#include "backend/reference_backend.hpp"

#include "backend/host_backend.hpp"
#include "dsp/convolver/reference.hpp"
#include "dsp/denoise/reference.hpp"

namespace vkmix::backend {
namespace {

class ReferenceBackend final : public HostBackend<dsp::ReferenceConvolver, dsp::ReferenceDenoiser> {
 public:
  explicit ReferenceBackend(const BackendSetup& setup)
      : HostBackend(setup, "cpu-reference", "reference") {
    for (int bus : setup.instanceBus)
      convolvers_.push_back(
          std::make_unique<dsp::ReferenceConvolver>(*setup.buses[static_cast<std::size_t>(bus)]));
    for (const dsp::ConvolverSpec* spec : setup.filters)
      convolvers_.push_back(std::make_unique<dsp::ReferenceConvolver>(*spec));
  }

  // The reference mixes at submit and hands the mixes on in order at finish.
  void submitMix(std::size_t mixer, const dsp::MixBlock& block) override {
    const StageClock clock(stageSeconds_["mix"]);
    dsp::referenceMix(
        block, mixes_.push(mixer, static_cast<std::size_t>(block.numChannels * block.stride)));
  }
  void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) override {
    const StageClock clock(denoiseSeconds_[track]);
    dsp::referenceMix(block, out);
  }
};

}  // namespace

std::unique_ptr<Backend> makeReferenceBackend(const BackendSetup& setup) {
  return std::make_unique<ReferenceBackend>(setup);
}

}  // namespace vkmix::backend
