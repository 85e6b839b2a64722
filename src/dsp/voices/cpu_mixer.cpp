#include "dsp/voices/cpu_mixer.hpp"

#include <algorithm>
#include <array>

#include "core/assert.hpp"
#include "core/simd.hpp"

namespace vkmix::dsp {
namespace {

// Frames mixed per pass over the voices: 12 channels x 512 frames of sums (24 KiB) stay in the
// level-1 cache while every voice adds to them, where whole-block rows (12 x 8192 frames, 384 KiB)
// went out to memory and back once per voice.
constexpr std::int64_t kTileFrames = 512;

// acc[i] += x[i] * g for n frames; compiled per vector width (core/simd.hpp: same bits in each).
VKMIX_SIMD_CLONES void addScaled(float* __restrict acc, const float* __restrict x, float g,
                                 std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) acc[i] += x[i] * g;
}

// acc[i] += x[i] * (a + d * r[i]): a moving voice's gain interpolated from a to a + d along the
// grid's ramp, in the same operations as computing the gains first, so the same bits.
VKMIX_SIMD_CLONES void addRamped(float* __restrict acc, const float* __restrict x, float a, float d,
                                 const float* __restrict r, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) acc[i] += x[i] * (a + d * r[i]);
}

// The position of each frame between two grid points, as a fraction: k / kGridFrames.
const std::array<float, kGridFrames>& ramp() {
  static const std::array<float, kGridFrames> r = [] {
    std::array<float, kGridFrames> out{};
    for (int k = 0; k < kGridFrames; ++k) out[k] = static_cast<float>(k) * (1.0f / kGridFrames);
    return out;
  }();
  return r;
}

}  // namespace

void CpuMixer::mix(const MixBlock& block, std::span<float> out, int firstChannel, int endChannel) {
  VKMIX_ASSERT(block.deviceRows.empty(), "rows a device fills mixed on the host");
  const int nc = block.numChannels;
  VKMIX_ASSERT(nc > 0 && nc <= kMaxOutputChannels, "channel count");
  VKMIX_ASSERT(static_cast<std::int64_t>(out.size()) >= nc * block.stride, "output too small");
  const std::int64_t n = block.numFrames;
  const auto stride = static_cast<std::size_t>(block.stride);
  for (int c = firstChannel; c < endChannel; ++c)  // the padding past the last frame
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(c * stride + static_cast<std::size_t>(n)),
              out.begin() + static_cast<std::ptrdiff_t>((c + 1) * stride), 0.0f);
  enveloped_.resize(kTileFrames);
  // Each frame's sum is its voices' products added in block order, whatever the tiling.
  for (std::int64_t t0 = 0; t0 < n; t0 += kTileFrames) {
    const std::int64_t len = std::min(kTileFrames, n - t0);
    for (int c = firstChannel; c < endChannel; ++c)
      std::fill_n(out.data() + c * stride + static_cast<std::size_t>(t0), len, 0.0f);
    for (std::size_t v = 0; v < block.voices.size(); ++v) {
      const VoiceParams& p = block.voices[v];
      const float* x = block.row(v) + t0;
      if (!block.enveloped) {
        VoiceParams from = p;  // the envelope from the tile's first frame on
        from.clipFrame += static_cast<std::int32_t>(t0);
        applyEnvelope(from, x, enveloped_.data(), static_cast<std::size_t>(len));
        x = enveloped_.data();
      }
      for (int c = firstChannel; c < endChannel; ++c) {
        float* acc = out.data() + c * stride + static_cast<std::size_t>(t0);
        if (!p.moving) {
          const float g = p.gains[c];
          if (g != 0.0f) addScaled(acc, x, g, len);
          continue;
        }
        // Gains interpolated linearly between the absolute grid's points around each frame.
        std::int64_t i = 0;
        while (i < len) {
          const std::int64_t local = block.gridPhase + t0 + i;
          const std::size_t point = p.gridOffset + static_cast<std::size_t>(local / kGridFrames);
          const float a = block.grid[point * kMaxOutputChannels + static_cast<std::size_t>(c)];
          const float b =
              block.grid[(point + 1) * kMaxOutputChannels + static_cast<std::size_t>(c)];
          const std::int64_t phase = local % kGridFrames;
          const std::int64_t run = std::min<std::int64_t>(len - i, kGridFrames - phase);
          addRamped(acc + i, x + i, a, b - a, ramp().data() + phase, run);
          i += run;
        }
      }
    }
  }
}

}  // namespace vkmix::dsp
