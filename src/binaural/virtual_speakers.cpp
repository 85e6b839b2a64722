#include "binaural/virtual_speakers.hpp"

#include <cmath>

#include "core/assert.hpp"

namespace vkmix::binaural {

dsp::ConvolverSpec binauralSpec(const Layout& speakers, const Hrtf& hrtf,
                                const BinauralOptions& options) {
  dsp::ConvolverSpec spec;
  spec.numInputs = speakers.numChannels();
  spec.partitionFrames = options.partitionFrames;
  spec.outputs.assign(2, {});
  int lfeIr = -1;
  for (int i = 0; i < speakers.numChannels(); ++i) {
    const Speaker& s = speakers.speakers[static_cast<std::size_t>(i)];
    if (s.lfe) {
      if (lfeIr < 0) {
        lfeIr = static_cast<int>(spec.irs.size());
        spec.irs.push_back({static_cast<float>(std::pow(10.0, options.lfeGainDb / 20.0))});
      }
      spec.outputs[0].push_back({i, lfeIr});
      spec.outputs[1].push_back({i, lfeIr});
      continue;
    }
    HrirPair pair = hrtf.pair(s.azimuthDeg, s.elevationDeg, options.interpolate);
    const int left = static_cast<int>(spec.irs.size());
    spec.irs.push_back(std::move(pair.left));
    spec.irs.push_back(std::move(pair.right));
    spec.outputs[0].push_back({i, left});
    spec.outputs[1].push_back({i, left + 1});
  }
  VKMIX_ASSERT(!spec.irs.empty(), "a binaural render needs at least one speaker");
  return spec;
}

const Layout& binauralVirtualLayout() {
  const Layout* layout = findLayout("9.1.6");
  VKMIX_ASSERT(layout != nullptr, "the built-in 9.1.6 layout is missing");
  return *layout;
}

}  // namespace vkmix::binaural
