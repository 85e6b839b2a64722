// Synthetic test material for the denoiser, shared by tests and benchmarks (no test framework):
// speech-like signal (voiced syllables with a moving pitch through vowel formants, unvoiced
// fricatives, pauses), coloured noises, mains hum, mixing at a given SNR, and the measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vkmix::test {

// Speech-like: phrases of syllables (glottal pulses through 3 formant resonators, pitch 95..230
// Hz with declination), fricative noise bursts, 0.2-0.6 s pauses; active-speech RMS -20 dBFS.
std::vector<float> speechLike(std::size_t frames, int sampleRate, std::uint32_t seed);

enum class NoiseKind { White, Pink, Brown, Hum50 };
NoiseKind noiseKindFromName(const std::string& name);  // "white", "pink", "brown", "hum"
std::string noiseKindName(NoiseKind kind);
// Unit-RMS noise of the kind (hum: 50 Hz and 7 harmonics at 1/h amplitude, plus -30 dB white).
std::vector<float> coloredNoise(NoiseKind kind, std::size_t frames, int sampleRate,
                                std::uint32_t seed);

// speech + noise scaled so the whole-signal SNR is snrDb; `scaledNoise` receives the noise part.
std::vector<float> mixAtSnr(const std::vector<float>& speech, const std::vector<float>& noise,
                            double snrDb, std::vector<float>* scaledNoise = nullptr);

struct DenoiseScores {
  double snrDb = 0;           // 10 log10(sum s^2 / sum (y - s)^2)
  double segmentalSnrDb = 0;  // mean over 20 ms speech-active segments, each clamped to -10..35
  // Mean level lost by the speech in speech-dominated bands (clean >= 10x the noise) of active
  // frames: 10 log10(clean / output) where positive, else 0.
  double speechDistortionDb = 0;
  double residualNoiseDb = 0;  // output level in speech pauses relative to the input's
};
// Scores `output` against the clean `speech` and the `input` it was made from (same length,
// aligned). `noise` is the noise in the input (for the speech-dominated band mask).
DenoiseScores scoreDenoise(const std::vector<float>& speech, const std::vector<float>& noise,
                           const std::vector<float>& input, const std::vector<float>& output,
                           int sampleRate);

}  // namespace vkmix::test
