#include "binaural/virtual_speakers.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace vkmix::binaural {

dsp::ConvolverSpec binauralSpec(const Layout& speakers, const Hrtf& hrtf,
                                const BinauralOptions& options) {
  dsp::ConvolverSpec spec;
  spec.numInputs = speakers.numChannels();
  spec.partitionFrames = options.partitionFrames;
  std::vector<dsp::ConvolutionTerm> ears[2];
  int lfeIr = -1;
  for (int i = 0; i < speakers.numChannels(); ++i) {
    const Speaker& s = speakers.speakers[static_cast<std::size_t>(i)];
    if (s.lfe) {
      if (lfeIr < 0) {
        lfeIr = static_cast<int>(spec.irs.size());
        spec.irs.push_back({static_cast<float>(std::pow(10.0, options.lfeGainDb / 20.0))});
      }
      ears[0].push_back({i, lfeIr});
      ears[1].push_back({i, lfeIr});
      continue;
    }
    HrirPair pair = hrtf.pair(s.azimuthDeg, s.elevationDeg, options.interpolate);
    const int left = static_cast<int>(spec.irs.size());
    spec.irs.push_back(std::move(pair.left));
    spec.irs.push_back(std::move(pair.right));
    ears[0].push_back({i, left});
    ears[1].push_back({i, left + 1});
  }
  VKMIX_ASSERT(!spec.irs.empty(), "a binaural render needs at least one speaker");
  // Both ears have the same number of terms, so partials alternate left, right.
  for (std::size_t first = 0; first < ears[0].size(); first += kTermsPerOutput) {
    for (const auto& ear : ears) {
      const auto from = ear.begin() + static_cast<std::ptrdiff_t>(first);
      const auto to =
          ear.begin() + static_cast<std::ptrdiff_t>(std::min(ear.size(), first + kTermsPerOutput));
      spec.outputs.emplace_back(from, to);
    }
  }
  return spec;
}

void sumPartialEars(std::span<const float> outputs, int numOutputs, std::int64_t frames,
                    std::span<float> ears) {
  VKMIX_ASSERT(numOutputs % 2 == 0 &&
                   outputs.size() >= static_cast<std::size_t>(numOutputs * frames) &&
                   ears.size() >= static_cast<std::size_t>(2 * frames),
               "sumPartialEars: buffer sizes");
  const auto n = static_cast<std::size_t>(frames);
  std::fill(ears.begin(), ears.begin() + static_cast<std::ptrdiff_t>(2 * n), 0.0f);
  for (std::size_t o = 0; o < static_cast<std::size_t>(numOutputs); ++o) {
    float* ear = ears.data() + (o % 2) * n;
    const float* partial = outputs.data() + o * n;
    for (std::size_t i = 0; i < n; ++i) ear[i] += partial[i];
  }
}

const Layout& binauralVirtualLayout() {
  const Layout* layout = findLayout("9.1.6");
  VKMIX_ASSERT(layout != nullptr, "the built-in 9.1.6 layout is missing");
  return *layout;
}

}  // namespace vkmix::binaural
