#include "dsp/denoise/reference.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/assert.hpp"
#include "dsp/convolver/params.hpp"

namespace vkmix::dsp {

StftShape stftShapeFor(int sampleRate) {
  // The power of two nearest 42.7 ms, 256..4096 frames.
  const double want = 0.0427 * sampleRate;
  int n = 256;
  while (n < 4096 && std::abs(2.0 * n - want) < std::abs(n - want)) n *= 2;
  return StftShape{n, n / 4};
}

std::vector<double> sqrtHannWindow(int frameSize) {
  std::vector<double> w(static_cast<std::size_t>(frameSize));
  for (int i = 0; i < frameSize; ++i)
    w[static_cast<std::size_t>(i)] =
        std::sqrt(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / frameSize));
  return w;
}

std::vector<Biquad> humNotches(const HumSettings& hum, int sampleRate) {
  std::vector<Biquad> notches;
  const double r = 1.0 - std::numbers::pi * hum.bandwidthHz / sampleRate;
  for (int h = 1; h <= hum.harmonics; ++h) {
    const double f = hum.frequencyHz * h;
    if (f >= 0.45 * sampleRate) break;
    const double c = std::cos(2.0 * std::numbers::pi * f / sampleRate);
    // Zeros on the unit circle at f, poles just inside; scaled to unity gain at DC.
    const double scale = (1.0 - 2.0 * r * c + r * r) / (2.0 - 2.0 * c);
    notches.push_back(Biquad{scale, -2.0 * c * scale, scale, -2.0 * r * c, r * r});
  }
  return notches;
}

void runNotches(const std::vector<Biquad>& notches, std::vector<double>& z, double* x,
                std::size_t frames) {
  for (std::size_t s = 0; s < notches.size(); ++s) {
    const Biquad& q = notches[s];
    double* st = z.data() + 4 * s;
    for (std::size_t i = 0; i < frames; ++i) {
      const double in = x[i];
      const double y = q.b0 * in + q.b1 * st[0] + q.b2 * st[1] - q.a1 * st[2] - q.a2 * st[3];
      st[1] = st[0];
      st[0] = in;
      st[3] = st[2];
      st[2] = y;
      x[i] = y;
    }
  }
}

NoiseProfile learnNoiseProfile(const std::vector<std::vector<float>>& signal, int sampleRate,
                               const std::optional<HumSettings>& hum, std::size_t skipFrames) {
  const StftShape shape = stftShapeFor(sampleRate);
  const auto n = static_cast<std::size_t>(shape.frameSize);
  const std::vector<double> w = sqrtHannWindow(shape.frameSize);
  const std::vector<Biquad> notches = hum ? humNotches(*hum, sampleRate) : std::vector<Biquad>{};
  NoiseProfile profile;
  for (const std::vector<float>& channel : signal) {
    std::vector<double> x(channel.begin(), channel.end());
    std::vector<double> z(notches.size() * 4, 0.0);
    runNotches(notches, z, x.data(), x.size());
    std::vector<double> sum(static_cast<std::size_t>(shape.bins()), 0.0), re(n), im(n);
    std::size_t frames = 0;
    for (std::size_t start = 0; start + n <= x.size();
         start += static_cast<std::size_t>(shape.hop)) {
      if (start < skipFrames) continue;
      for (std::size_t i = 0; i < n; ++i) {
        re[i] = x[start + i] * w[i];
        im[i] = 0.0;
      }
      fftInPlace(re, im, false);
      for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += re[k] * re[k] + im[k] * im[k];
      ++frames;
    }
    if (frames == 0) return {};
    std::vector<float> mean(sum.size());
    for (std::size_t k = 0; k < sum.size(); ++k)
      mean[k] = static_cast<float>(sum[k] / static_cast<double>(frames));
    profile.push_back(std::move(mean));
  }
  return profile;
}

ReferenceDenoiser::ReferenceDenoiser(const DenoiseSpec& spec)
    : spec_(spec),
      shape_(spec.shape()),
      window_(sqrtHannWindow(shape_.frameSize)),
      notches_(spec.settings.hum ? humNotches(*spec.settings.hum, spec.sampleRate)
                                 : std::vector<Biquad>{}),
      frameIndex_(spec.firstHop) {
  const auto channels = static_cast<std::size_t>(spec.numChannels);
  VKMIX_ASSERT(spec.profile.empty() || spec.profile.size() == channels, "one profile per channel");
  humState_.assign(channels, std::vector<double>(notches_.size() * 4, 0.0));
  history_.assign(
      channels, std::vector<double>(
                    static_cast<std::size_t>(shape_.historyFrames() + shape_.chunkFrames()), 0.0));
  carry_.assign(channels, std::vector<double>(static_cast<std::size_t>(shape_.latency()), 0.0));
  bins_.assign(channels, std::vector<DenoiseBinState>(static_cast<std::size_t>(shape_.bins())));
  gains_.resize(static_cast<std::size_t>(shape_.bins()));
  re_.resize(static_cast<std::size_t>(shape_.frameSize));
  im_.resize(re_.size());
  minWindowFrames_ = std::max(
      1, static_cast<int>(std::lround(kDenoise.minWindowSeconds * spec.sampleRate / shape_.hop)));
}

void ReferenceDenoiser::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto chunk = static_cast<std::size_t>(shape_.chunkFrames());
  const auto history = static_cast<std::size_t>(shape_.historyFrames());
  const auto hop = static_cast<std::size_t>(shape_.hop);
  const auto channels = static_cast<std::size_t>(spec_.numChannels);
  VKMIX_ASSERT(inputs.size() >= channels * chunk && outputs.size() >= channels * chunk,
               "one chunk per channel");
  std::vector<double> accumulate(chunk + history);
  for (std::size_t c = 0; c < channels; ++c) {
    std::vector<double>& h = history_[c];
    std::copy(h.end() - static_cast<std::ptrdiff_t>(history), h.end(), h.begin());
    double* fresh = h.data() + history;
    for (std::size_t i = 0; i < chunk; ++i) fresh[i] = inputs[c * chunk + i];
    runNotches(notches_, humState_[c], fresh, chunk);
  }
  for (std::size_t c = 0; c < channels; ++c) {
    std::fill(accumulate.begin(), accumulate.end(), 0.0);
    std::copy(carry_[c].begin(), carry_[c].end(), accumulate.begin());
    for (int f = 0; f < kFramesPerChunk; ++f) {
      processFrame(static_cast<int>(c), frameIndex_ + f, history_[c].data() + f * hop,
                   accumulate.data() + f * hop);
    }
    for (std::size_t i = 0; i < chunk; ++i)
      outputs[c * chunk + i] = static_cast<float>(accumulate[i]);
    std::copy(accumulate.begin() + static_cast<std::ptrdiff_t>(chunk), accumulate.end(),
              carry_[c].begin());
  }
  frameIndex_ += kFramesPerChunk;
}

void ReferenceDenoiser::processFrame(int channel, std::int64_t index, const double* frame,
                                     double* accumulate) {
  const auto n = static_cast<std::size_t>(shape_.frameSize);
  const auto bins = static_cast<std::size_t>(shape_.bins());
  for (std::size_t i = 0; i < n; ++i) {
    re_[i] = frame[i] * window_[i];
    im_[i] = 0.0;
  }
  fftInPlace(re_, im_, false);
  const DenoiseConstants& k = kDenoise;
  const double gmin = std::pow(10.0, -spec_.settings.reductionDb / 20.0);
  const double alphaDd = decisionDirectedAlpha(spec_.settings.smoothing);
  const double xiMin = std::pow(10.0, k.xiMinDb / 10.0);
  const bool learned = !spec_.profile.empty();
  const bool windowEnd = index > 0 && index % minWindowFrames_ == 0;
  std::vector<DenoiseBinState>& state = bins_[static_cast<std::size_t>(channel)];
  for (std::size_t b = 0; b < bins; ++b) {
    DenoiseBinState& s = state[b];
    const double power = re_[b] * re_[b] + im_[b] * im_[b];
    if (learned) {
      s.noise = spec_.profile[static_cast<std::size_t>(channel)][b];
      if (s.cleanPower <= k.tiny) s.cleanPower = power;
    } else if (s.noise <= k.tiny) {
      // A bin's estimators (re)start on its first frame with power.
      s.smoothed = s.minimum = s.runningMinimum = s.noise = s.cleanPower = power;
      s.presence = 0.0;
    } else {
      s.smoothed = k.powerSmoothing * s.smoothed + (1.0 - k.powerSmoothing) * power;
      if (windowEnd) {
        s.minimum = std::min(s.runningMinimum, s.smoothed);
        s.runningMinimum = s.smoothed;
      } else {
        s.minimum = std::min(s.minimum, s.smoothed);
        s.runningMinimum = std::min(s.runningMinimum, s.smoothed);
      }
      const double ratio = s.smoothed / std::max(s.minimum, k.tiny);
      const double speech =
          std::clamp((ratio - k.presenceLow) / (k.presenceHigh - k.presenceLow), 0.0, 1.0);
      s.presence = k.presenceSmoothing * s.presence + (1.0 - k.presenceSmoothing) * speech;
      const double alpha = k.noiseSmoothing + (1.0 - k.noiseSmoothing) * s.presence;
      s.noise = alpha * s.noise + (1.0 - alpha) * power;
    }
    const double noise = std::max(s.noise, k.tiny);
    const double gamma = std::min(power / noise, k.maxRatio);
    const double xiDd =
        std::clamp(alphaDd * s.cleanPower / noise + (1.0 - alphaDd) * std::max(gamma - 1.0, 0.0),
                   xiMin, k.maxRatio);
    // Two-step refinement (Plapous et al. 2006): the decision-directed estimate lags a frame at
    // onsets; its Wiener gain applied to this frame's posteriori SNR does not.
    const double g1 = xiDd / (1.0 + xiDd);
    const double xi = std::clamp(g1 * g1 * gamma, xiMin, k.maxRatio);
    const double v = std::max(xi * gamma / (1.0 + xi), 1e-8);
    const double lsa = std::min(xi / (1.0 + xi) * std::exp(0.5 * expint1(v)), 1.0);
    // Optimally-modified LSA (Cohen): the gain leans to the floor where speech is unlikely.
    const double q = k.absencePrior;
    const double presence = 1.0 / (1.0 + q / (1.0 - q) * (1.0 + xi) * std::exp(-v));
    gains_[b] = std::pow(lsa, presence) * std::pow(gmin, 1.0 - presence);
  }
  const double weight = frequencySmoothingWeight(spec_.settings.smoothing);
  for (std::size_t b = 0; b < bins; ++b) {
    const double below = gains_[b == 0 ? 1 : b - 1];
    const double above = gains_[b + 1 == bins ? bins - 2 : b + 1];
    const double smooth =
        (1.0 - weight) * gains_[b] + weight * (0.25 * below + 0.5 * gains_[b] + 0.25 * above);
    const double g = std::max(smooth, gmin);
    const double power = re_[b] * re_[b] + im_[b] * im_[b];
    state[b].cleanPower = g * g * power;
    re_[b] *= g;
    im_[b] *= g;
  }
  for (std::size_t b = 1; b + 1 < bins; ++b) {  // the mirrored half of a real signal's spectrum
    re_[n - b] = re_[b];
    im_[n - b] = -im_[b];
  }
  fftInPlace(re_, im_, true);
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) accumulate[i] += re_[i] * window_[i] * scale;
}

}  // namespace vkmix::dsp
