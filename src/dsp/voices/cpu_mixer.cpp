#include "dsp/voices/cpu_mixer.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace vkmix::dsp {

void CpuMixer::mix(const MixBlock& block, std::span<float> out, int firstChannel, int endChannel) {
  const int nc = block.numChannels;
  VKMIX_ASSERT(nc > 0 && nc <= kMaxOutputChannels, "channel count");
  VKMIX_ASSERT(static_cast<std::int64_t>(out.size()) >= nc * block.stride, "output too small");
  const std::int64_t n = block.numFrames;
  const auto stride = static_cast<std::size_t>(block.stride);
  for (int c = firstChannel; c < endChannel; ++c)
    std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(c * stride), stride, 0.0f);
  enveloped_.resize(stride);
  gains_.resize(stride);
  for (std::size_t v = 0; v < block.voices.size(); ++v) {
    const VoiceParams& p = block.voices[v];
    const float* x = block.row(v);
    if (!block.enveloped) {
      applyEnvelope(p, x, enveloped_.data(), static_cast<std::size_t>(n));
      x = enveloped_.data();
    }
    for (int c = firstChannel; c < endChannel; ++c) {
      float* __restrict acc = out.data() + c * stride;
      if (!p.moving) {
        const float g = p.gains[c];
        if (g == 0.0f) continue;
        for (std::int64_t i = 0; i < n; ++i) acc[i] += x[i] * g;
        continue;
      }
      // Gains interpolated linearly between the absolute grid's points around each frame.
      float* __restrict g = gains_.data();
      std::int64_t i = 0;
      while (i < n) {
        const std::int64_t local = block.gridPhase + i;
        const std::size_t point = p.gridOffset + static_cast<std::size_t>(local / kGridFrames);
        const float a = block.grid[point * kMaxOutputChannels + static_cast<std::size_t>(c)];
        const float b = block.grid[(point + 1) * kMaxOutputChannels + static_cast<std::size_t>(c)];
        const std::int64_t phase = local % kGridFrames;
        const std::int64_t run = std::min<std::int64_t>(n - i, kGridFrames - phase);
        for (std::int64_t k = 0; k < run; ++k)
          g[i + k] = a + (b - a) * (static_cast<float>(phase + k) * (1.0f / kGridFrames));
        i += run;
      }
      for (std::int64_t k = 0; k < n; ++k) acc[k] += x[k] * g[k];
    }
  }
}

}  // namespace vkmix::dsp
