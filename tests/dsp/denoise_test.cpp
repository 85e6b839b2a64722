// The dialogue denoiser: STFT round trip (transparent at 0 dB), the double-precision reference's
// noise reduction on speech-like material in white noise and hum, and the GPU and the CPU
// backend's float denoiser against the reference in adaptive, learned and hum modes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "dsp/denoise/cpu_denoiser.hpp"
#include "dsp/denoise/gpu_denoiser.hpp"
#include "dsp/denoise/reference.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/speech.hpp"

namespace vkmix::dsp {
namespace {

constexpr int kRate = 48000;

// Runs a denoiser over whole signals chunk by chunk and returns the outputs aligned with the
// inputs (the latency removed).
template <typename Denoiser>
std::vector<std::vector<float>> runAligned(Denoiser& d, const std::vector<std::vector<float>>& in) {
  const StftShape shape = d.shape();
  const auto chunk = static_cast<std::size_t>(shape.chunkFrames());
  const auto latency = static_cast<std::size_t>(shape.latency());
  const std::size_t frames = in[0].size();
  const std::size_t chunks = (frames + latency + chunk - 1) / chunk;
  std::vector<std::vector<float>> out(in.size());
  std::vector<float> a(in.size() * chunk), b(in.size() * chunk);
  for (std::size_t k = 0; k < chunks; ++k) {
    for (std::size_t c = 0; c < in.size(); ++c)
      for (std::size_t i = 0; i < chunk; ++i) {
        const std::size_t at = k * chunk + i;
        a[c * chunk + i] = at < frames ? in[c][at] : 0.0f;
      }
    d.process(a, b);
    for (std::size_t c = 0; c < in.size(); ++c)
      out[c].insert(out[c].end(), b.begin() + static_cast<std::ptrdiff_t>(c * chunk),
                    b.begin() + static_cast<std::ptrdiff_t>((c + 1) * chunk));
  }
  for (auto& o : out) {
    o.erase(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(latency));
    o.resize(frames);
  }
  return out;
}

DenoiseSpec makeSpec(int channels, double reductionDb, double smoothing = 0.5,
                     std::optional<HumSettings> hum = std::nullopt) {
  DenoiseSpec spec;
  spec.numChannels = channels;
  spec.sampleRate = kRate;
  spec.settings.reductionDb = reductionDb;
  spec.settings.smoothing = smoothing;
  spec.settings.hum = hum;
  return spec;
}

struct NoisySpeech {
  std::vector<float> speech, noise, input;
};
NoisySpeech noisySpeech(test::NoiseKind kind, double snrDb, std::size_t frames,
                        std::uint32_t seed) {
  NoisySpeech n;
  n.speech = test::speechLike(frames, kRate, seed);
  n.input =
      test::mixAtSnr(n.speech, test::coloredNoise(kind, frames, kRate, seed + 1), snrDb, &n.noise);
  return n;
}

// Scores `out` against the clean speech, prints before/after, returns after.
test::DenoiseScores scoreAndPrint(const NoisySpeech& n, const std::vector<float>& out,
                                  const char* what) {
  const auto before = test::scoreDenoise(n.speech, n.noise, n.input, n.input, kRate);
  const auto after = test::scoreDenoise(n.speech, n.noise, n.input, out, kRate);
  std::printf("%s: SNR %.2f -> %.2f dB, segSNR %.2f -> %.2f, speech loss %.2f dB, pauses %.1f dB\n",
              what, before.snrDb, after.snrDb, before.segmentalSnrDb, after.segmentalSnrDb,
              after.speechDistortionDb, after.residualNoiseDb);
  EXPECT_NEAR(before.snrDb, 5.0, 1e-3);
  return after;
}

TEST(DenoiseShape, FrameAndHopFollowTheRate) {
  EXPECT_EQ(stftShapeFor(48000).frameSize, 2048);
  EXPECT_EQ(stftShapeFor(44100).frameSize, 2048);
  EXPECT_EQ(stftShapeFor(96000).frameSize, 4096);
  EXPECT_EQ(stftShapeFor(16000).frameSize, 512);
  EXPECT_EQ(stftShapeFor(48000).hop, 512);
  EXPECT_EQ(stftShapeFor(48000).latency(), 1536);
}

TEST(DenoiseReference, ExpintMatchesKnownValues) {
  // E1(0.1) = 1.822923958, E1(1) = 0.219383934, E1(5) = 0.001148296 (A&S table 5.1).
  EXPECT_NEAR(expint1(0.1), 1.822923958, 1e-4);
  EXPECT_NEAR(expint1(1.0), 0.219383934, 1e-5);
  EXPECT_NEAR(expint1(5.0) / 0.001148296, 1.0, 1e-4);
}

TEST(DenoiseReference, TransparentAtZeroDb) {
  DenoiseSpec spec = makeSpec(2, 0.0);
  ReferenceDenoiser d(spec);
  std::vector<std::vector<float>> in{test::noise(40000, 1), test::sine(40000, 997.0, kRate)};
  auto out = runAligned(d, in);
  for (std::size_t c = 0; c < 2; ++c) EXPECT_LE(test::maxAbsDiff(out[c], in[c]), 1e-6) << c;
}

TEST(DenoiseReference, LearnedProfileCleansWhiteNoise) {
  const auto n = noisySpeech(test::NoiseKind::White, 5.0, 10 * kRate, 7);
  // The first 0.3 s hold noise only (speechLike starts after 0.3 s).
  std::vector<float> head(n.input.begin(),
                          n.input.begin() + static_cast<std::ptrdiff_t>(0.28 * kRate));
  DenoiseSpec spec = makeSpec(1, 18.0);
  spec.profile = learnNoiseProfile({head}, kRate);
  ASSERT_EQ(spec.profile.size(), 1u);
  ReferenceDenoiser d(spec);
  const auto after = scoreAndPrint(n, runAligned(d, {n.input})[0], "white 5 dB learned");
  EXPECT_GT(after.snrDb, 10.0);              // from 5 dB
  EXPECT_LT(after.residualNoiseDb, -12.0);   // pauses: towards the 18 dB floor
  EXPECT_LT(after.speechDistortionDb, 0.6);  // speech keeps its level (measured 0.44 dB)
}

TEST(DenoiseReference, AdaptiveTracksNoiseWithoutAProfile) {
  const auto n = noisySpeech(test::NoiseKind::Pink, 5.0, 12 * kRate, 11);
  DenoiseSpec spec = makeSpec(1, 18.0);
  ReferenceDenoiser d(spec);
  const auto after = scoreAndPrint(n, runAligned(d, {n.input})[0], "pink 5 dB adaptive");
  EXPECT_GT(after.snrDb, 8.0);  // from 5 dB
  EXPECT_LT(after.residualNoiseDb, -5.0);
}

TEST(DenoiseReference, HumNotchesRemoveMainsAndKeepTheRest) {
  const std::size_t frames = 4 * kRate;
  auto hum = test::coloredNoise(test::NoiseKind::Hum50, frames, kRate, 3);
  auto tone = test::sine(frames, 1000.0, kRate, 0.25f);
  DenoiseSpec spec = makeSpec(2, 0.0, 0.5, HumSettings{});
  ReferenceDenoiser d(spec);
  auto out = runAligned(d, {hum, tone});
  // After the notches settle (1 s), the hum's harmonics are down by > 25 dB (what is left is the
  // -30 dB white part), the 1 kHz tone within 0.05 dB.
  auto tail = [&](const std::vector<float>& x) {
    return std::span<const float>(x).subspan(kRate, frames - 2 * kRate);
  };
  const double humDb = 20.0 * std::log10(test::rms(tail(out[0])) / test::rms(tail(hum)));
  const double toneDb = 20.0 * std::log10(test::rms(tail(out[1])) / test::rms(tail(tone)));
  std::printf("hum %.1f dB, 1 kHz tone %.3f dB\n", humDb, toneDb);
  EXPECT_LT(humDb, -25.0);
  EXPECT_NEAR(toneDb, 0.0, 0.05);
}

// GPU or CPU float denoiser against the reference: float32 FFTs and recursions against double;
// the estimators are continuous functions of their inputs, so the difference stays small
// (measured: GPU on lavapipe max abs 5.6e-7, RMS error -126 dB; CPU max abs 5.6e-7, RMS error
// -127 dB). Tolerance, the same for both (one algorithm, one precision): max abs error 1e-5 of
// full scale and RMS error -100 dB relative to the output.
void expectClose(const std::vector<float>& actual, const std::vector<float>& ref,
                 const char* what) {
  ASSERT_EQ(actual.size(), ref.size()) << what;
  ASSERT_FALSE(ref.empty()) << what;
  double err = 0, e = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(actual[i]) - ref[i];
    err += d * d;
    e += static_cast<double>(ref[i]) * ref[i];
  }
  const double relDb = 10.0 * std::log10(std::max(err, 1e-30) / std::max(e, 1e-30));
  std::size_t worst = 0;
  const double maxAbs = test::maxAbsDiff(actual, ref, &worst);
  std::printf(
      "%s vs reference: max abs %.2e (frame %zu: %.7f, reference %.7f), RMS error %.1f dB\n", what,
      maxAbs, worst, actual[worst], ref[worst], relDb);
  EXPECT_GT(e, 0.0) << what << ": the reference output has signal";
  EXPECT_LE(maxAbs, 1e-5) << what << " frame " << worst;
  EXPECT_LE(relDb, -100.0) << what;
}

class DenoiseGpu : public test::GpuFixture {};

TEST_F(DenoiseGpu, TransparentAtZeroDb) {
  DenoiseSpec spec = makeSpec(2, 0.0);
  GpuDenoiser d(context(), spec);
  std::vector<std::vector<float>> in{test::noise(40000, 1), test::sine(40000, 997.0, kRate)};
  auto out = runAligned(d, in);
  for (std::size_t c = 0; c < 2; ++c) {
    const double err = test::maxAbsDiff(out[c], in[c]);
    std::printf("GPU STFT round trip, channel %zu: max abs error %.2e\n", c, err);
    EXPECT_LE(err, 1e-6) << c;
  }
}

TEST_F(DenoiseGpu, MatchesReferenceAdaptive) {
  const auto n = noisySpeech(test::NoiseKind::Pink, 5.0, 6 * kRate, 21);
  const auto m = noisySpeech(test::NoiseKind::Brown, 0.0, 6 * kRate, 31);
  DenoiseSpec spec = makeSpec(2, 15.0);
  ReferenceDenoiser ref(spec);
  GpuDenoiser gpu(context(), spec);
  auto r = runAligned(ref, {n.input, m.input});
  auto g = runAligned(gpu, {n.input, m.input});
  expectClose(g[0], r[0], "GPU adaptive pink");
  expectClose(g[1], r[1], "GPU adaptive brown");
}

TEST_F(DenoiseGpu, MatchesReferenceLearnedWithHum) {
  const auto n = noisySpeech(test::NoiseKind::Hum50, 0.0, 5 * kRate, 41);
  std::vector<float> head(n.input.begin(),
                          n.input.begin() + static_cast<std::ptrdiff_t>(0.28 * kRate));
  DenoiseSpec spec = makeSpec(1, 24.0, 0.8, HumSettings{});
  spec.profile = learnNoiseProfile({head}, kRate);
  ReferenceDenoiser ref(spec);
  GpuDenoiser gpu(context(), spec);
  auto r = runAligned(ref, {n.input});
  auto g = runAligned(gpu, {n.input});
  expectClose(g[0], r[0], "GPU learned + hum");
}

TEST(DenoiseCpu, TransparentAtZeroDb) {
  DenoiseSpec spec = makeSpec(2, 0.0);
  CpuDenoiser d(spec);
  std::vector<std::vector<float>> in{test::noise(40000, 1), test::sine(40000, 997.0, kRate)};
  auto out = runAligned(d, in);
  for (std::size_t c = 0; c < 2; ++c) {
    const double err = test::maxAbsDiff(out[c], in[c]);
    std::printf("CPU STFT round trip, channel %zu: max abs error %.2e\n", c, err);
    EXPECT_LE(err, 1e-6) << c;
  }
}

TEST(DenoiseCpu, MatchesReferenceAdaptive) {
  const auto n = noisySpeech(test::NoiseKind::Pink, 5.0, 6 * kRate, 21);
  const auto m = noisySpeech(test::NoiseKind::Brown, 0.0, 6 * kRate, 31);
  for (double smoothing : {0.0, 0.5}) {
    DenoiseSpec spec = makeSpec(2, 15.0, smoothing);
    ReferenceDenoiser ref(spec);
    CpuDenoiser cpu(spec);
    auto r = runAligned(ref, {n.input, m.input});
    auto c = runAligned(cpu, {n.input, m.input});
    const std::string pink = "CPU adaptive pink, smoothing " + std::to_string(smoothing);
    const std::string brown = "CPU adaptive brown, smoothing " + std::to_string(smoothing);
    expectClose(c[0], r[0], pink.c_str());
    expectClose(c[1], r[1], brown.c_str());
  }
}

TEST(DenoiseCpu, MatchesReferenceLearnedWithHum) {
  const auto n = noisySpeech(test::NoiseKind::Hum50, 0.0, 5 * kRate, 41);
  std::vector<float> head(n.input.begin(),
                          n.input.begin() + static_cast<std::ptrdiff_t>(0.28 * kRate));
  DenoiseSpec spec = makeSpec(1, 24.0, 0.8, HumSettings{});
  spec.profile = learnNoiseProfile({head}, kRate);
  ReferenceDenoiser ref(spec);
  CpuDenoiser cpu(spec);
  auto r = runAligned(ref, {n.input});
  auto c = runAligned(cpu, {n.input});
  expectClose(c[0], r[0], "CPU learned + hum");
}

// The estimators depend on levels only through ratios (and the 1e-20 power floor), so a quiet
// track holds the same relative tolerance: float keeps its precision at -80 dB.
TEST(DenoiseCpu, MatchesReferenceOnAQuietTrack) {
  auto n = noisySpeech(test::NoiseKind::White, 5.0, 4 * kRate, 51);
  for (float& x : n.input) x *= 1e-4f;
  DenoiseSpec spec = makeSpec(1, 18.0);
  ReferenceDenoiser ref(spec);
  CpuDenoiser cpu(spec);
  auto r = runAligned(ref, {n.input})[0];
  auto c = runAligned(cpu, {n.input})[0];
  for (float* x : {r.data(), c.data()})
    for (std::size_t i = 0; i < r.size(); ++i) x[i] *= 1e4f;
  expectClose(c, r, "CPU adaptive white at -80 dB (scaled back)");
}

TEST(DenoiseCpu, LearnedProfileCleansWhiteNoise) {
  const auto n = noisySpeech(test::NoiseKind::White, 5.0, 10 * kRate, 7);
  std::vector<float> head(n.input.begin(),
                          n.input.begin() + static_cast<std::ptrdiff_t>(0.28 * kRate));
  DenoiseSpec spec = makeSpec(1, 18.0);
  spec.profile = learnNoiseProfile({head}, kRate);
  CpuDenoiser d(spec);
  const auto after = scoreAndPrint(n, runAligned(d, {n.input})[0], "CPU white 5 dB learned");
  // The reference's bounds (DenoiseReference.LearnedProfileCleansWhiteNoise).
  EXPECT_GT(after.snrDb, 10.0);
  EXPECT_LT(after.residualNoiseDb, -12.0);
  EXPECT_LT(after.speechDistortionDb, 0.6);
}

// The same bytes in every run and for any grouping of channels: a fresh instance repeats the
// output exactly, and a channel denoised beside another equals it denoised alone (the channels
// share FFT buffers and scratch, never state).
TEST(DenoiseCpu, SameBytesEveryRunAndChannelsIndependent) {
  const auto n = noisySpeech(test::NoiseKind::Pink, 5.0, 3 * kRate, 61);
  const auto m = noisySpeech(test::NoiseKind::White, 0.0, 3 * kRate, 71);
  DenoiseSpec two = makeSpec(2, 18.0, 0.5, HumSettings{60.0, 4, 2.0});
  CpuDenoiser a(two), b(two);
  const auto first = runAligned(a, {n.input, m.input});
  const auto second = runAligned(b, {n.input, m.input});
  EXPECT_EQ(first, second);
  DenoiseSpec one = two;
  one.numChannels = 1;
  CpuDenoiser alone(one);
  EXPECT_EQ(runAligned(alone, {m.input})[0], first[1]);
  EXPECT_GT(test::rms(first[1]), 0.01);  // there is signal where the bytes are compared
}

TEST(DenoiseCpu, InputIsUnchanged) {
  const auto n = noisySpeech(test::NoiseKind::Pink, 5.0, kRate, 81);
  DenoiseSpec spec = makeSpec(1, 18.0);
  CpuDenoiser d(spec);
  const auto chunk = static_cast<std::size_t>(d.shape().chunkFrames());
  const std::vector<float> in(n.input.begin(),
                              n.input.begin() + static_cast<std::ptrdiff_t>(chunk));
  std::vector<float> copy = in, out(chunk);
  for (int k = 0; k < 4; ++k) d.process(copy, out);
  EXPECT_EQ(copy, in);
  EXPECT_GT(test::rms(out), 0.0);
}

}  // namespace
}  // namespace vkmix::dsp
