// Synthesises the demo session's media into a folder (default assets/demo/media):
//   dialogue.wav  speech-like voice over room tone and 50 Hz hum: a glottal pulse train with
//                 intonation through vowel formant resonators, in syllables and phrases
//                 (mono, 24-bit)
//   car.flac      an engine: pulse harmonics at a rising firing rate plus filtered noise (mono)
//   birds.wav     chirps: short rising sine sweeps in irregular bursts (mono)
//   score.flac    a stereo pad: a four-chord progression of detuned saws, low-passed, with bass
//   hall.wav      a 12-channel (7.1.4, one per speaker) hall impulse response, 1.8 s
// Deterministic (fixed seeds), so the demo renders the same bytes everywhere.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "io/writer.hpp"
#include "vkmix/layout.hpp"

namespace {

constexpr int kRate = 48000;
constexpr double kPi = 3.14159265358979323846;

// A two-pole resonator (formant filter) at `freq` Hz with bandwidth `bw` Hz, unity peak gain.
struct Resonator {
  double a1 = 0, a2 = 0, g = 0, y1 = 0, y2 = 0;
  void set(double freq, double bw) {
    double r = std::exp(-kPi * bw / kRate);
    a1 = 2 * r * std::cos(2 * kPi * freq / kRate);
    a2 = -r * r;
    g = 1 - r;
  }
  double operator()(double x) {
    double y = g * x + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  }
};

// A one-pole low-pass.
struct LowPass {
  double a = 0, y = 0;
  explicit LowPass(double cutoff) : a(1 - std::exp(-2 * kPi * cutoff / kRate)) {}
  double operator()(double x) { return y += a * (x - y); }
};

std::vector<float> dialogue(double seconds) {
  // Formants (F1, F2, F3) of five vowels.
  const double vowels[5][3] = {
      {730, 1090, 2440}, {530, 1840, 2480}, {270, 2290, 3010}, {570, 840, 2410}, {300, 870, 2240}};
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 4);
  std::normal_distribution<double> breath(0.0, 1.0);
  std::vector<float> out(static_cast<std::size_t>(seconds * kRate));
  Resonator f[3];
  LowPass roomTone(400.0);
  double phase = 0.0;
  int vowel = pick(rng);
  double syllable = 0.22;  // seconds
  for (std::size_t i = 0; i < out.size(); ++i) {
    double t = static_cast<double>(i) / kRate;
    double inPhrase = std::fmod(t, 3.2);  // 2.6 s phrases, 0.6 s pauses
    double s = std::fmod(t, syllable) / syllable;
    if (i % static_cast<std::size_t>(syllable * kRate) == 0) {
      vowel = pick(rng);
    }
    for (int k = 0; k < 3; ++k) {
      double fk = vowels[vowel][k];
      f[k].set(fk, 60.0 + 40.0 * k);
    }
    double f0 =
        115.0 + 25.0 * std::sin(2 * kPi * 0.4 * t) - 20.0 * inPhrase / 2.6;  // falling phrase
    phase += f0 / kRate;
    double pulse = 0.0;
    if (phase >= 1.0) {
      phase -= 1.0;
      pulse = 1.0;
    }
    double source = pulse * 40.0 + 0.02 * breath(rng);
    double voiced = f[0](source) + 0.6 * f[1](source) + 0.3 * f[2](source);
    double env = inPhrase < 2.6 ? std::pow(std::sin(kPi * s), 0.6) : 0.0;
    // Location noise under the voice: air-conditioning rumble and 50 Hz mains hum, for the
    // session's denoise to remove (it learns the noise in the first pause, timeline 3.6-4.2 s).
    double hum = 0.0;
    for (int h = 1; h <= 6; ++h) hum += std::sin(2 * kPi * 50.0 * h * t + h) / h;
    double tone = 0.02 * roomTone(breath(rng)) + 0.0015 * hum;
    out[i] = static_cast<float>(0.25 * env * voiced + tone);
  }
  return out;
}

std::vector<float> car(double seconds) {
  std::mt19937 rng(12);
  std::normal_distribution<double> noise(0.0, 1.0);
  LowPass rumble(300.0), lp(1800.0);
  std::vector<float> out(static_cast<std::size_t>(seconds * kRate));
  double phase = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    double t = static_cast<double>(i) / kRate;
    double rpmHz = 30.0 + 25.0 * t / seconds + 3.0 * std::sin(2 * kPi * 0.7 * t);  // accelerating
    phase += rpmHz / kRate;
    double p = phase - std::floor(phase);
    double firing = std::exp(-p * 12.0) - 0.08;  // a pulse per firing, rich in harmonics
    double x = lp(0.7 * firing + 0.15 * rumble(noise(rng)));
    out[i] = static_cast<float>(0.5 * x);
  }
  return out;
}

std::vector<float> birds(double seconds) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> out(static_cast<std::size_t>(seconds * kRate), 0.0f);
  double t = 0.2;
  while (t < seconds - 0.3) {
    int chirps = 2 + static_cast<int>(u(rng) * 4);
    double base = 2500.0 + 1500.0 * u(rng);
    for (int c = 0; c < chirps; ++c) {
      double len = 0.06 + 0.05 * u(rng);
      auto start = static_cast<std::size_t>(t * kRate);
      double phase = 0.0;
      for (std::size_t k = 0; k < static_cast<std::size_t>(len * kRate) && start + k < out.size();
           ++k) {
        double x = static_cast<double>(k) / (len * kRate);
        phase += (base + 1800.0 * x) / kRate;
        out[start + k] += static_cast<float>(0.3 * std::sin(kPi * x) * std::sin(2 * kPi * phase));
      }
      t += len + 0.04;
    }
    t += 0.4 + 1.2 * u(rng);
  }
  return out;
}

std::vector<std::vector<float>> score(double seconds) {
  // I - vi - IV - V in C, two seconds a chord; left and right get differently detuned voices.
  const double chords[4][3] = {{261.63, 329.63, 392.00},
                               {220.00, 261.63, 329.63},
                               {174.61, 220.00, 261.63},
                               {196.00, 246.94, 293.66}};
  std::vector<std::vector<float>> out(
      2, std::vector<float>(static_cast<std::size_t>(seconds * kRate)));
  for (int side = 0; side < 2; ++side) {
    LowPass lp(900.0);
    double phases[4] = {0, 0.3, 0.6, 0.1};
    const double detune = side == 0 ? 0.997 : 1.003;
    for (std::size_t i = 0; i < out[side].size(); ++i) {
      double t = static_cast<double>(i) / kRate;
      int chord = static_cast<int>(t / 2.0) % 4;
      double inChord = std::fmod(t, 2.0);
      double env = std::min(1.0, inChord / 0.3) * std::min(1.0, (2.0 - inChord) / 0.3);
      double x = 0.0;
      for (int v = 0; v < 3; ++v) {
        phases[v] += chords[chord][v] * detune / kRate;
        x += 2.0 * (phases[v] - std::floor(phases[v])) - 1.0;  // saw
      }
      phases[3] += chords[chord][0] / 2.0 / kRate;  // bass an octave down
      double bass = std::sin(2 * kPi * phases[3]);
      out[side][i] = static_cast<float>(0.12 * lp(x) * env + 0.15 * bass * env);
    }
  }
  return out;
}

// A 12-channel hall impulse response for 7.1.4 (one channel per speaker): each channel its own
// decaying noise (RT60 about 1.6 s), darkening as it decays, after a few early reflections; the
// LFE channel (3) stays silent.
std::vector<std::vector<float>> hallIr(double seconds) {
  std::vector<std::vector<float>> out;
  for (int c = 0; c < 12; ++c) {
    std::mt19937 rng(100 + c);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<float> h(static_cast<std::size_t>(seconds * kRate), 0.0f);
    double lp = 0.0;
    for (std::size_t i = 0; i < h.size(); ++i) {
      const double t = static_cast<double>(i) / kRate;
      const double cutoff = 9000.0 * std::exp(-2.0 * t) + 800.0;  // high frequencies die first
      const double a = 1.0 - std::exp(-2.0 * kPi * cutoff / kRate);
      lp += a * (noise(rng) - lp);
      const double decay = std::exp(-6.9 * t / 1.6);  // -60 dB at 1.6 s
      const double onset = std::min(1.0, t / 0.02);
      h[i] = static_cast<float>(0.06 * decay * onset * lp);
    }
    for (int r = 0; r < 4; ++r) {  // early reflections, different per speaker
      const auto at = static_cast<std::size_t>((0.008 + 0.011 * r + 0.0013 * c) * kRate);
      h[at] += static_cast<float>(0.25 / (r + 1));
    }
    if (c == 3) std::fill(h.begin(), h.end(), 0.0f);  // LFE: no broadband reverb into the sub
    out.push_back(std::move(h));
  }
  // Unity energy over all 12 channels: a send at 0 dB returns the same power it sent.
  double energy = 0.0;
  for (const auto& h : out) {
    for (float x : h) energy += static_cast<double>(x) * x;
  }
  const auto scale = static_cast<float>(1.0 / std::sqrt(energy));
  for (auto& h : out) {
    for (float& x : h) x *= scale;
  }
  return out;
}

void write(const std::filesystem::path& path, const std::vector<std::vector<float>>& channels,
           vkmix::io::OutputFormat format) {
  vkmix::Layout layout;
  if (channels.size() == 1) {
    layout = {"1.0", "0+1+0", {vkmix::Speaker{"M+000", "C", 0, 0, false, 0x4}}};
  } else if (channels.size() == 12) {
    layout = *vkmix::findLayout("7.1.4");
  } else {
    layout = *vkmix::findLayout("2.0");
  }
  vkmix::io::AudioWriter w(path, layout, kRate, format);
  std::vector<float> planar;
  for (const auto& ch : channels) planar.insert(planar.end(), ch.begin(), ch.end());
  const auto frames = static_cast<std::int64_t>(channels[0].size());
  w.write(planar, frames, frames);
  w.finish();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = argc > 1 ? argv[1] : "assets/demo/media";
  try {
    std::filesystem::create_directories(dir);
    using vkmix::io::OutputFormat;
    write(dir / "dialogue.wav", {dialogue(12.0)}, OutputFormat::Wav24);
    write(dir / "car.flac", {car(9.0)}, OutputFormat::Flac);
    write(dir / "birds.wav", {birds(16.0)}, OutputFormat::Wav24);
    write(dir / "score.flac", score(20.0), OutputFormat::Flac);
    write(dir / "hall.wav", hallIr(1.8), OutputFormat::Wav24);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix_make_demo: %s\n", e.what());
    return 1;
  }
  std::printf("demo media written to %s\n", dir.string().c_str());
  return 0;
}
