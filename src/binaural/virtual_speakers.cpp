#include "binaural/virtual_speakers.hpp"

#include <algorithm>
#include <cmath>

#include "binaural/room.hpp"
#include "core/assert.hpp"
#include "layout/downmix.hpp"

namespace vkmix::binaural {

dsp::ConvolverSpec binauralSpec(const Layout& speakers, const Hrtf& hrtf,
                                const BinauralOptions& options) {
  dsp::ConvolverSpec spec;
  spec.numInputs = speakers.numChannels();
  spec.partitionFrames = options.partitionFrames;
  std::vector<dsp::ConvolutionTerm> ears[2];
  int lfeIr = -1;
  // Off: the fold-down's gains, +3 dB so that a centre source reaches each ear at 0 dB as it
  // does through the HRTF (libmysofa normalises the frontal pair to an energy of 2).
  std::vector<std::vector<double>> fold;
  if (options.mode == BinauralMode::Off) fold = layout::downmixMatrix(speakers, *findLayout("2.0"));
  const RoomParams room = roomFor(options.mode);
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
    HrirPair pair;
    if (options.mode == BinauralMode::Off) {
      const auto c = static_cast<std::size_t>(i);
      pair.left = {static_cast<float>(std::sqrt(2.0) * fold[0][c])};
      pair.right = {static_cast<float>(std::sqrt(2.0) * fold[1][c])};
    } else {
      pair = hrtf.pair(s.azimuthDeg, s.elevationDeg, options.interpolate);
      // Each speaker's tail its own (seeded by its channel), so the speakers' rooms are
      // decorrelated as a real room's are for sources in different places.
      addRoom(pair, hrtf, room, 0x9e3779b9u + static_cast<std::uint32_t>(i), options.interpolate);
    }
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

const Layout& binauralLayout() {
  static const Layout ears = [] {
    Layout l = *findLayout("2.0");
    l.name = "binaural";
    l.itu = "";
    return l;
  }();
  return ears;
}

const Layout& binauralVirtualLayout() {
  const Layout* layout = findLayout("9.1.6");
  VKMIX_ASSERT(layout != nullptr, "the built-in 9.1.6 layout is missing");
  return *layout;
}

}  // namespace vkmix::binaural
