// What the dialogue denoiser computes, shared by the CPU reference and the GPU denoiser
// (docs/denoise.md). Per channel: optional hum notches, then an STFT (periodic sqrt-Hann window,
// 75% overlap, perfect reconstruction), a noise power estimate per bin (a learned profile, or
// adaptive tracking: minimum statistics steering a recursive average by a soft speech-presence
// probability), the decision-directed a-priori SNR with a two-step refinement, the optimally-
// modified log-spectral-amplitude gain (Ephraim-Malah, Cohen), frequency smoothing and a gain floor
// set by the reduction amount, then overlap-add. Processing goes in chunks of kFramesPerChunk hops;
// a chunk's output lags its input by latency() frames, which the engine hides by running the
// denoiser ahead (offline, exact).
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

namespace vkmix::dsp {

struct HumSettings {
  double frequencyHz = 50.0;  // mains fundamental: 50 or 60 (any 20..1000 accepted)
  int harmonics = 8;          // notches at 1..harmonics x the fundamental (below 0.45 fs)
  double bandwidthHz = 2.0;   // each notch's -3 dB width
};

struct DenoiseSettings {
  double reductionDb = 12.0;  // the gain floor: noise is attenuated by at most this much
  double smoothing = 0.5;     // 0..1: decision-directed smoothing and frequency smoothing
  std::optional<HumSettings> hum;
};

constexpr int kFramesPerChunk = 16;  // STFT hops per GPU submission

// The STFT's shape at a sample rate: a ~43 ms frame (2048 at 48 kHz), hop a quarter of it.
struct StftShape {
  int frameSize = 2048;
  int hop = 512;
  int bins() const { return frameSize / 2 + 1; }
  int chunkFrames() const { return hop * kFramesPerChunk; }
  int latency() const { return frameSize - hop; }  // output frame t leaves with input t + latency
  int historyFrames() const { return frameSize - hop; }
};
StftShape stftShapeFor(int sampleRate);

// Periodic sqrt-Hann: analysis and synthesis window. With hop N/4 the products overlap-add to
// 2, so synthesis scales by 1 / (2 N) (the inverse FFT being unnormalised).
std::vector<double> sqrtHannWindow(int frameSize);

// The constants of the per-bin estimator, in one place for the reference and the shader.
struct DenoiseConstants {
  double powerSmoothing = 0.8;     // S: smoothed periodogram
  double presenceSmoothing = 0.2;  // p: speech-presence probability
  double noiseSmoothing = 0.95;    // lambda's recursion when speech is absent
  double presenceLow = 2.5;        // S / Smin at which speech presence starts to count
  double presenceHigh = 6.0;       // ... and counts fully
  double minWindowSeconds = 1.0;   // minimum-statistics window (the minimum spans 1..2 windows)
  double xiMinDb = -25.0;          // a-priori SNR floor (against musical noise)
  double absencePrior = 0.5;       // q: a-priori probability that a bin holds no speech
  double tiny = 1e-20;             // power floor
  double maxRatio = 1e8;           // clamp of the SNRs (keeps float finite)
};
inline constexpr DenoiseConstants kDenoise{};

// Decision-directed smoothing factor and the weight of 3-bin frequency smoothing.
inline double decisionDirectedAlpha(double smoothing) { return 0.82 + 0.16 * smoothing; }
inline double frequencySmoothingWeight(double smoothing) { return 0.2 * smoothing; }

// Exponential integral E1(x), x > 0: Abramowitz & Stegun 5.1.53 (x <= 1) and 5.1.56 (x > 1),
// |error| < 5e-5 relative. The shader evaluates the same polynomials.
inline double expint1(double x) {
  if (x <= 1.0) {
    return -std::log(x) - 0.57721566 +
           x * (0.99999193 +
                x * (-0.24991055 + x * (0.05519968 + x * (-0.00976004 + x * 0.00107857))));
  }
  const double num = x * x + 2.334733 * x + 0.250621;
  const double den = x * x + 3.330657 * x + 1.681534;
  return std::exp(-x) / x * (num / den);
}

// One notch section y = (b0 x + b1 x1 + b2 x2) - a1 y1 - a2 y2, unity gain at DC.
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};
std::vector<Biquad> humNotches(const HumSettings& hum, int sampleRate);
// Runs the notch cascade over x in place, in double on every backend's CPU side (the poles sit
// close to the unit circle); state z: 4 per section (x1 x2 y1 y2), carried across calls.
void runNotches(const std::vector<Biquad>& notches, std::vector<double>& z, double* x,
                std::size_t frames);

// A learned noise profile: mean power per bin, per channel ([channel][bin]).
using NoiseProfile = std::vector<std::vector<float>>;

// What one denoiser instance runs: channels, settings, and (learn mode) the profile.
struct DenoiseSpec {
  int numChannels = 1;
  int sampleRate = 48000;
  DenoiseSettings settings;
  NoiseProfile profile;  // empty: adaptive
  // The STFT hop the first chunk is, counted from the track's start: a range render that starts a
  // track's denoiser afresh inside the track, where its state is known (engine/render_plan,
  // planRange), keeps the minimum-statistics windows on the track's grid.
  std::int64_t firstHop = 0;
  StftShape shape() const { return stftShapeFor(sampleRate); }
};

// Mean power per bin of the STFT frames (on the hop grid from frame 0) that start at or after
// `skipFrames` and lie wholly inside `signal` (numChannels x frames, channel-major), after the hum
// notches when `hum` is set (the skipped frames let the notches settle). Empty when no frame fits.
NoiseProfile learnNoiseProfile(const std::vector<std::vector<float>>& signal, int sampleRate,
                               const std::optional<HumSettings>& hum = std::nullopt,
                               std::size_t skipFrames = 0);

}  // namespace vkmix::dsp
