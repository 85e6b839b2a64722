#include "dsp/denoise/cpu_denoiser.hpp"

#include <fftw3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <mutex>

#include "core/assert.hpp"
#include "core/simd.hpp"
#include "dsp/convolver/cpu_fft.hpp"

namespace vkmix::dsp {
namespace {

// exp and log in float as straight-line code (no calls, no branches), so the bin loops vectorise.
// Measured against double: exp within 1.2 ulp on [-87, 88], log within 1.6 ulp where
// |ln x| > 0.5 (and within 4e-6 absolute everywhere): float rounding, not the series, dominates.
// The split of ln 2 keeps the range reduction exact for |n| < 2^15.
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;

// e^x for x in [-87, 88]: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor series to r^7
// (truncation 5e-9 relative), 2^n built in the exponent field.
inline float expFloat(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // Adding and removing 1.5 * 2^23 rounds to the nearest integer (|x log2 e| < 2^22).
  const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  const float p =
      1.0f +
      r * (1.0f + r * (0.5f + r * (1.0f / 6 +
                                   r * (1.0f / 24 +
                                        r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  return p * std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
}

// ln x for normal x > 0: x = 2^e m with m in [sqrt(1/2), sqrt 2), ln m = 2 atanh(s) with
// s = (m - 1) / (m + 1), |s| <= 0.172, by its series to s^9 (truncation 7e-10).
inline float logFloat(float x) {
  const auto bits = std::bit_cast<std::int32_t>(x);
  std::int32_t e = (bits >> 23) - 127;
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);
  const bool high = m > 1.41421356f;
  m = high ? 0.5f * m : m;
  e = high ? e + 1 : e;
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  const float series =
      2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
  const auto ef = static_cast<float>(e);
  return ef * kLn2Hi + (series + ef * kLn2Lo);
}

// a where mask is all ones, b where it is zero: a select the compiler keeps as a blend (a ternary
// on one condition used six times is turned into branches, and the loop into scalar code).
inline float pick(std::int32_t mask, float a, float b) {
  return std::bit_cast<float>((mask & std::bit_cast<std::int32_t>(a)) |
                              (~mask & std::bit_cast<std::int32_t>(b)));
}

// Minimum statistics and the presence-steered recursive average, one frame of every bin
// (ReferenceDenoiser::processFrame's adaptive branch). A free function of plain pointers: with the
// arrays reached through members GCC 12 does not vectorise the loop.
VKMIX_SIMD_CLONES void trackAdaptive(std::size_t bins, const float* __restrict power,
                                     float* __restrict smoothed, float* __restrict minimum,
                                     float* __restrict running, float* __restrict presence,
                                     float* __restrict noise, float* __restrict clean,
                                     bool windowEnd) {
  const auto tiny = static_cast<float>(kDenoise.tiny);
  const auto ps = static_cast<float>(kDenoise.powerSmoothing);
  const auto qs = static_cast<float>(kDenoise.presenceSmoothing);
  const auto ns = static_cast<float>(kDenoise.noiseSmoothing);
  const auto low = static_cast<float>(kDenoise.presenceLow);
  const auto invSpan = static_cast<float>(1.0 / (kDenoise.presenceHigh - kDenoise.presenceLow));
  for (std::size_t b = 0; b < bins; ++b) {
    // Every load is unconditional and every select a blend, so the loop has no branch.
    const float p = power[b], oldNoise = noise[b], oldRunning = running[b], oldClean = clean[b],
                oldMinimum = minimum[b];
    const float sm = ps * smoothed[b] + (1.0f - ps) * p;
    // A window's end hands the running minimum on and restarts it.
    const float mn = std::min(windowEnd ? oldRunning : oldMinimum, sm);
    const float rm = windowEnd ? sm : std::min(oldRunning, sm);
    const float ratio = sm / std::max(mn, tiny);
    const float speech = std::min(std::max((ratio - low) * invSpan, 0.0f), 1.0f);
    const float pr = qs * presence[b] + (1.0f - qs) * speech;
    const float alpha = ns + (1.0f - ns) * pr;
    const float nz = alpha * oldNoise + (1.0f - alpha) * p;
    // A bin's estimators (re)start on its first frame with power.
    const std::int32_t start = -static_cast<std::int32_t>(oldNoise <= tiny);
    smoothed[b] = pick(start, p, sm);
    minimum[b] = pick(start, p, mn);
    running[b] = pick(start, p, rm);
    presence[b] = pick(start, 0.0f, pr);
    clean[b] = pick(start, p, oldClean);
    noise[b] = pick(start, p, nz);
  }
}

// The per-frame constants of lsaGains, in float.
struct GainConstants {
  float gmin, logGmin, alphaDd, xiMin, maxRatio, tiny, priorRatio;
};

// The two-step decision-directed a-priori SNR and the optimally-modified log-spectral-amplitude
// gain of every bin (ReferenceDenoiser::processFrame's first loop). With w = xi / (1 + xi),
// v = w gamma and E1 by A&S (params.hpp's expint1):
//   lsa = w exp(E1(v) / 2), and for v <= 1, where E1(v) = -ln v + P(v),
//       lsa = (w / sqrt v) exp(P(v) / 2); for v > 1, E1(v) = e^-v R(v) / v;
//   ln lsa = ln(w [v <= 1: / sqrt v]) + [P(v) / 2 | e^-v R(v) / (2 v)]   (one log);
//   lsa^p gmin^(1-p) = gmin exp(p (ln lsa - ln gmin))                      (one exp);
// and e^-v serves both E1 and the speech-presence probability p (one exp).
VKMIX_SIMD_CLONES void lsaGains(std::size_t bins, const float* __restrict power,
                                const float* __restrict noiseState, const float* __restrict clean,
                                float* __restrict gains, const GainConstants& c) {
  const float gmin = c.gmin, logGmin = c.logGmin, alphaDd = c.alphaDd, xiMin = c.xiMin,
              maxRatio = c.maxRatio, tiny = c.tiny, priorRatio = c.priorRatio;
  for (std::size_t b = 0; b < bins; ++b) {
    const float noise = std::max(noiseState[b], tiny);
    const float gamma = std::min(power[b] / noise, maxRatio);
    const float xiDd = std::min(
        std::max(alphaDd * clean[b] / noise + (1.0f - alphaDd) * std::max(gamma - 1.0f, 0.0f),
                 xiMin),
        maxRatio);
    // Two-step refinement (Plapous et al. 2006), as the reference.
    const float g1 = xiDd / (1.0f + xiDd);
    const float xi = std::min(std::max(g1 * g1 * gamma, xiMin), maxRatio);
    const float w = xi / (1.0f + xi);
    const float v = std::max(w * gamma, 1e-8f);
    // Past v = 80, e^-v (1 + xi) < 2e-27: p is 1 and the E1 term 0 in float either way.
    const float ev = expFloat(-std::min(v, 80.0f));
    const float polySmall =
        -0.57721566f +
        v * (0.99999193f +
             v * (-0.24991055f + v * (0.05519968f + v * (-0.00976004f + v * 0.00107857f))));
    const float ratioLarge =
        (v * v + 2.334733f * v + 0.250621f) / ((v * v + 3.330657f * v + 1.681534f) * v);
    const bool small = v <= 1.0f;
    const float overRoot = w / std::sqrt(v);
    const float logArg = small ? overRoot : w;
    const float halfE1Rest = 0.5f * (small ? polySmall : ev * ratioLarge);
    const float logLsa = std::min(logFloat(logArg) + halfE1Rest, 0.0f);
    // Optimally-modified LSA (Cohen): the gain leans to the floor where speech is unlikely.
    const float presence = 1.0f / (1.0f + priorRatio * (1.0f + xi) * ev);
    gains[b] = gmin * expFloat(presence * (logLsa - logGmin));
  }
}

}  // namespace

struct CpuDenoiser::Fft {
  float* time = nullptr;              // N real samples
  fftwf_complex* spectrum = nullptr;  // N / 2 + 1 bins
  fftwf_plan forward = nullptr, inverse = nullptr;
  explicit Fft(int n) {
    const std::lock_guard lock(fftwPlannerMutex());
    time = fftwf_alloc_real(static_cast<std::size_t>(n));
    spectrum = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
    VKMIX_ASSERT(time != nullptr && spectrum != nullptr, "FFTW allocation failed");
    forward = fftwf_plan_dft_r2c_1d(n, time, spectrum, FFTW_ESTIMATE);
    inverse = fftwf_plan_dft_c2r_1d(n, spectrum, time, FFTW_ESTIMATE);
    VKMIX_ASSERT(forward != nullptr && inverse != nullptr, "FFTW planning failed");
  }
  ~Fft() {
    const std::lock_guard lock(fftwPlannerMutex());
    fftwf_destroy_plan(forward);
    fftwf_destroy_plan(inverse);
    fftwf_free(time);
    fftwf_free(spectrum);
  }
  Fft(const Fft&) = delete;
  Fft& operator=(const Fft&) = delete;
};

CpuDenoiser::CpuDenoiser(const DenoiseSpec& spec)
    : spec_(spec),
      shape_(spec.shape()),
      notches_(spec.settings.hum ? humNotches(*spec.settings.hum, spec.sampleRate)
                                 : std::vector<Biquad>{}),
      frameIndex_(spec.firstHop),
      fft_(std::make_unique<Fft>(shape_.frameSize)) {
  const auto channels = static_cast<std::size_t>(spec.numChannels);
  const auto n = static_cast<std::size_t>(shape_.frameSize);
  const auto bins = static_cast<std::size_t>(shape_.bins());
  const auto chunk = static_cast<std::size_t>(shape_.chunkFrames());
  const auto latency = static_cast<std::size_t>(shape_.latency());
  VKMIX_ASSERT(channels >= 1, "a denoiser has channels");
  VKMIX_ASSERT(spec.profile.empty() || spec.profile.size() == channels, "one profile per channel");
  for (const std::vector<float>& p : spec.profile)
    VKMIX_ASSERT(p.size() == bins, "a profile holds one power per bin");
  const std::vector<double> w = sqrtHannWindow(shape_.frameSize);
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  window_.resize(n);
  synthesis_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    window_[i] = static_cast<float>(w[i]);
    synthesis_[i] = static_cast<float>(w[i] * scale);
  }
  humState_.assign(channels, std::vector<double>(notches_.size() * 4, 0.0));
  humScratch_.resize(notches_.empty() ? 0 : chunk);
  history_.assign(
      channels, std::vector<float>(static_cast<std::size_t>(shape_.historyFrames()) + chunk, 0.0f));
  carry_.assign(channels, std::vector<float>(latency, 0.0f));
  const std::vector<float> zeros(bins, 0.0f);
  bins_.assign(channels, BinStates{zeros, zeros, zeros, zeros, zeros, zeros});
  power_.resize(bins);
  gains_.resize(bins);
  accumulate_.resize(chunk + latency);
  minWindowFrames_ = std::max(
      1, static_cast<int>(std::lround(kDenoise.minWindowSeconds * spec.sampleRate / shape_.hop)));
}

CpuDenoiser::~CpuDenoiser() = default;

void CpuDenoiser::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto chunk = static_cast<std::size_t>(shape_.chunkFrames());
  const auto history = static_cast<std::size_t>(shape_.historyFrames());
  const auto hop = static_cast<std::size_t>(shape_.hop);
  const auto channels = static_cast<std::size_t>(spec_.numChannels);
  VKMIX_ASSERT(inputs.size() >= channels * chunk && outputs.size() >= channels * chunk,
               "one chunk per channel");
  for (std::size_t c = 0; c < channels; ++c) {
    std::vector<float>& h = history_[c];
    std::copy(h.end() - static_cast<std::ptrdiff_t>(history), h.end(), h.begin());
    float* fresh = h.data() + history;
    const float* in = inputs.data() + c * chunk;
    if (notches_.empty()) {
      std::copy_n(in, chunk, fresh);
    } else {
      std::copy_n(in, chunk, humScratch_.begin());
      runNotches(notches_, humState_[c], humScratch_.data(), chunk);
      for (std::size_t i = 0; i < chunk; ++i) fresh[i] = static_cast<float>(humScratch_[i]);
    }
  }
  for (std::size_t c = 0; c < channels; ++c) {
    std::fill(accumulate_.begin(), accumulate_.end(), 0.0f);
    std::copy(carry_[c].begin(), carry_[c].end(), accumulate_.begin());
    for (int f = 0; f < kFramesPerChunk; ++f) {
      processFrame(c, frameIndex_ + f, history_[c].data() + static_cast<std::size_t>(f) * hop,
                   accumulate_.data() + static_cast<std::size_t>(f) * hop);
    }
    std::copy_n(accumulate_.begin(), chunk,
                outputs.begin() + static_cast<std::ptrdiff_t>(c * chunk));
    std::copy(accumulate_.begin() + static_cast<std::ptrdiff_t>(chunk), accumulate_.end(),
              carry_[c].begin());
  }
  frameIndex_ += kFramesPerChunk;
}

void CpuDenoiser::processFrame(std::size_t channel, std::int64_t index, const float* frame,
                               float* accumulate) {
  const auto n = static_cast<std::size_t>(shape_.frameSize);
  const auto bins = static_cast<std::size_t>(shape_.bins());
  float* __restrict time = fft_->time;
  const float* __restrict window = window_.data();
  for (std::size_t i = 0; i < n; ++i) time[i] = frame[i] * window[i];
  fftwf_execute(fft_->forward);
  const float* __restrict y = reinterpret_cast<const float*>(fft_->spectrum);
  float* __restrict power = power_.data();
  for (std::size_t b = 0; b < bins; ++b)
    power[b] = y[2 * b] * y[2 * b] + y[2 * b + 1] * y[2 * b + 1];
  BinStates& s = bins_[channel];
  trackNoise(s, channel, index > 0 && index % minWindowFrames_ == 0);
  suppress(s);
  fftwf_execute(fft_->inverse);
  const float* __restrict synthesis = synthesis_.data();
  for (std::size_t i = 0; i < n; ++i) accumulate[i] += time[i] * synthesis[i];
}

// The noise power per bin: the learned profile, or minimum statistics steering a recursive
// average by the speech-presence probability. The reference's branches are selects here, so the
// loops vectorise: every lane computes both sides and keeps the one the reference takes.
void CpuDenoiser::trackNoise(BinStates& s, std::size_t channel, bool windowEnd) {
  if (spec_.profile.empty()) {
    trackAdaptive(power_.size(), power_.data(), s.smoothed.data(), s.minimum.data(),
                  s.runningMinimum.data(), s.presence.data(), s.noise.data(), s.cleanPower.data(),
                  windowEnd);
    return;
  }
  const float* __restrict profile = spec_.profile[channel].data();
  const float* __restrict power = power_.data();
  float* __restrict noise = s.noise.data();
  float* __restrict clean = s.cleanPower.data();
  const auto tiny = static_cast<float>(kDenoise.tiny);
  for (std::size_t b = 0; b < power_.size(); ++b) {
    noise[b] = profile[b];
    const float c = clean[b], p = power[b];
    clean[b] = pick(-static_cast<std::int32_t>(c <= tiny), p, c);
  }
}

// The suppression gain per bin (lsaGains), then 3-bin frequency smoothing, the floor, and the
// spectrum scaled in place.
void CpuDenoiser::suppress(BinStates& s) {
  const auto bins = power_.size();
  const DenoiseConstants& k = kDenoise;
  GainConstants c;
  c.gmin = static_cast<float>(std::pow(10.0, -spec_.settings.reductionDb / 20.0));
  c.logGmin = static_cast<float>(std::log(static_cast<double>(c.gmin)));
  c.alphaDd = static_cast<float>(decisionDirectedAlpha(spec_.settings.smoothing));
  c.xiMin = static_cast<float>(std::pow(10.0, k.xiMinDb / 10.0));
  c.maxRatio = static_cast<float>(k.maxRatio);
  c.tiny = static_cast<float>(k.tiny);
  c.priorRatio = static_cast<float>(k.absencePrior / (1.0 - k.absencePrior));
  lsaGains(bins, power_.data(), s.noise.data(), s.cleanPower.data(), gains_.data(), c);
  const float gmin = c.gmin;
  const float* __restrict power = power_.data();
  const float* __restrict gains = gains_.data();
  const float weight = static_cast<float>(frequencySmoothingWeight(spec_.settings.smoothing));
  float* __restrict y = reinterpret_cast<float*>(fft_->spectrum);
  float* __restrict cleanOut = s.cleanPower.data();
  auto apply = [&](std::size_t b, float below, float above) {
    const float smooth =
        (1.0f - weight) * gains[b] + weight * (0.25f * below + 0.5f * gains[b] + 0.25f * above);
    const float g = std::max(smooth, gmin);
    cleanOut[b] = g * g * power[b];
    y[2 * b] *= g;
    y[2 * b + 1] *= g;
  };
  // The edges mirror their one neighbour, as the reference; the bins between vectorise.
  apply(0, gains[1], gains[1]);
  for (std::size_t b = 1; b + 1 < bins; ++b) apply(b, gains[b - 1], gains[b + 1]);
  apply(bins - 1, gains[bins - 2], gains[bins - 2]);
}

}  // namespace vkmix::dsp
