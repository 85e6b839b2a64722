// The specification of voice mixing, written to be read: plain loops, double precision.
#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "core/units.hpp"
#include "dsp/voices/params.hpp"

namespace vkmix::dsp {
namespace {

double fadeCurve(double x, float shape) {
  switch (static_cast<int>(shape)) {
    case static_cast<int>(FadeCode::EqualPower):
      return std::sin(x * kPi / 2.0);
    case static_cast<int>(FadeCode::SCurve):
      return 0.5 - 0.5 * std::cos(x * kPi);
    default:
      return x;
  }
}

}  // namespace

void MixBlock::reset(int channels, std::int64_t frames, std::uint32_t phase, std::size_t numVoices,
                     bool zeroSamples, std::span<float> rows) {
  numChannels = channels;
  numFrames = frames;
  stride = (frames + 3) / 4 * 4;
  gridPhase = phase;
  voices.assign(numVoices, VoiceParams{});
  deviceRows.clear();
  enveloped = false;
  const std::size_t floats = numVoices * static_cast<std::size_t>(stride);
  if (!rows.empty()) {
    VKMIX_ASSERT(rows.size() >= floats, "row memory too small for the block");
    external = rows.data();
    if (zeroSamples) std::fill_n(external, floats, 0.0f);
  } else {
    external = nullptr;
    if (zeroSamples) {
      samples.assign(floats, 0.0f);
    } else {
      samples.resize(floats);
    }
  }
  grid.clear();
}

double envelopeAt(const VoiceParams& v, std::int64_t t) {
  if (t < 0 || t >= v.clipLength) return 0.0;
  double g = v.gainLinear;
  // Fades run from silence: the first frame of a fade-in and the last of a fade-out are 0.
  if (t < v.fadeInFrames) g *= fadeCurve(static_cast<double>(t) / v.fadeInFrames, v.fadeInShape);
  std::int64_t fromEnd = v.clipLength - 1 - t;
  if (fromEnd < v.fadeOutFrames) {
    g *= fadeCurve(static_cast<double>(fromEnd) / v.fadeOutFrames, v.fadeOutShape);
  }
  return g;
}

namespace {

// An envelope row: between the fades the gain itself (envelopeAt's float there is gainLinear
// exactly), the frames of the fades and outside the clip from `edge(i)`.
template <typename Edge>
void envelopeFrames(const VoiceParams& v, float* env, std::size_t n, Edge edge) {
  const auto len = static_cast<std::int64_t>(n);
  const std::int64_t flatFrom =
      std::clamp<std::int64_t>(std::max<std::int64_t>(v.fadeInFrames, 0) - v.clipFrame, 0, len);
  const std::int64_t flatTo = std::clamp<std::int64_t>(
      std::min<std::int64_t>(v.clipLength - v.fadeOutFrames, v.clipLength) - v.clipFrame, flatFrom,
      len);
  for (std::int64_t i = 0; i < flatFrom; ++i) env[i] = edge(i);
  std::fill(env + flatFrom, env + flatTo, v.gainLinear);
  for (std::int64_t i = flatTo; i < len; ++i) env[i] = edge(i);
}

}  // namespace

void envelopeRow(const VoiceParams& v, float* env, std::size_t n) {
  envelopeFrames(v, env, n, [&](std::int64_t i) {
    return static_cast<float>(envelopeAt(v, v.clipFrame + i));
  });
}

void fadeCurveTable(std::int32_t frames, float shape, std::vector<double>& table) {
  table.resize(static_cast<std::size_t>(std::max<std::int32_t>(frames, 0)));
  for (std::int32_t t = 0; t < frames; ++t)
    table[static_cast<std::size_t>(t)] = fadeCurve(static_cast<double>(t) / frames, shape);
}

void envelopeRowFromCurves(const VoiceParams& v, std::span<const double> inCurve,
                           std::span<const double> outCurve, float* env, std::size_t n) {
  VKMIX_ASSERT(inCurve.size() == static_cast<std::size_t>(std::max(v.fadeInFrames, 0)) &&
                   outCurve.size() == static_cast<std::size_t>(std::max(v.fadeOutFrames, 0)),
               "fade tables of the voice's fades");
  // envelopeRow's frames, envelopeAt's products with each fadeCurve a look-up.
  envelopeFrames(v, env, n, [&](std::int64_t i) {
    const std::int64_t t = v.clipFrame + i;
    if (t < 0 || t >= v.clipLength) return 0.0f;
    double g = v.gainLinear;
    if (t < v.fadeInFrames) g *= inCurve[static_cast<std::size_t>(t)];
    const std::int64_t fromEnd = v.clipLength - 1 - t;
    if (fromEnd < v.fadeOutFrames) g *= outCurve[static_cast<std::size_t>(fromEnd)];
    return static_cast<float>(g);
  });
}

void applyEnvelope(const VoiceParams& v, const float* in, float* out, std::size_t n) {
  if (v.plain == 1.0f) {
    for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * v.gainLinear;
    return;
  }
  // The product in pieces: the gain alone between the fades, as envelopeRow gives.
  constexpr std::size_t kPiece = 1024;
  float env[kPiece];
  for (std::size_t at = 0; at < n; at += kPiece) {
    const std::size_t m = std::min(kPiece, n - at);
    VoiceParams piece = v;
    piece.clipFrame = v.clipFrame + static_cast<std::int32_t>(at);
    envelopeRow(piece, env, m);
    for (std::size_t i = 0; i < m; ++i) out[at + i] = in[at + i] * env[i];
  }
}

void referenceMix(const MixBlock& block, std::span<float> out) {
  const int nc = block.numChannels;
  VKMIX_ASSERT(nc > 0 && nc <= kMaxOutputChannels, "channel count");
  VKMIX_ASSERT(static_cast<std::int64_t>(out.size()) >= nc * block.stride, "output too small");
  VKMIX_ASSERT(block.deviceRows.empty(), "rows a device fills mixed on the host");
  std::vector<double> acc(static_cast<std::size_t>(nc * block.stride), 0.0);
  for (std::size_t v = 0; v < block.voices.size(); ++v) {
    const VoiceParams& p = block.voices[v];
    const float* s = block.row(v);
    for (std::int64_t i = 0; i < block.numFrames; ++i) {
      double x = block.enveloped ? s[i] : s[i] * envelopeAt(p, p.clipFrame + i);
      if (x == 0.0) continue;
      if (!p.moving) {
        for (int c = 0; c < nc; ++c) acc[c * block.stride + i] += x * p.gains[c];
        continue;
      }
      // Moving: gains interpolated linearly between the grid points around this frame.
      std::int64_t local = block.gridPhase + i;
      std::size_t point = p.gridOffset + static_cast<std::size_t>(local / kGridFrames);
      double frac = static_cast<double>(local % kGridFrames) / kGridFrames;
      const float* a = &block.grid[point * kMaxOutputChannels];
      const float* b = a + kMaxOutputChannels;
      for (int c = 0; c < nc; ++c) acc[c * block.stride + i] += x * (a[c] + (b[c] - a[c]) * frac);
    }
  }
  for (std::size_t k = 0; k < acc.size(); ++k) out[k] = static_cast<float>(acc[k]);
}

}  // namespace vkmix::dsp
