#include "support/speech.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace vkmix::test {
namespace {

constexpr double kPi = std::numbers::pi;

// Two-pole resonator at f Hz with bandwidth bw Hz, unity gain at its peak (approximately).
struct Resonator {
  double a1 = 0, a2 = 0, g = 1, y1 = 0, y2 = 0;
  void set(double f, double bw, int rate) {
    const double r = std::exp(-kPi * bw / rate);
    a1 = -2.0 * r * std::cos(2.0 * kPi * f / rate);
    a2 = r * r;
    g = 1.0 - r;
  }
  double operator()(double x) {
    const double y = g * x - a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  }
};

struct Vowel {
  double f1, f2, f3;
};
constexpr Vowel kVowels[] = {{730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240},
                             {530, 1840, 2480}, {570, 840, 2410},  {660, 1720, 2410}};

double sumSquares(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += static_cast<double>(v) * v;
  return e;
}

}  // namespace

std::vector<float> speechLike(std::size_t frames, int sampleRate, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> y(frames, 0.0);
  std::vector<bool> active(frames, false);
  const double baseF0 = 95.0 + 135.0 * u(rng);
  std::size_t t = static_cast<std::size_t>(0.3 * sampleRate);
  Resonator r1, r2, r3, fric;
  double phase = 0.0, lp1 = 0.0, lp2 = 0.0;
  while (t < frames) {
    const int syllables = 2 + static_cast<int>(u(rng) * 7);  // one phrase
    double f0 = baseF0 * (1.1 + 0.1 * u(rng));
    for (int s = 0; s < syllables && t < frames; ++s) {
      // Optional fricative onset.
      if (u(rng) < 0.4) {
        const auto len = static_cast<std::size_t>((0.04 + 0.06 * u(rng)) * sampleRate);
        fric.set(4500.0 + 2500.0 * u(rng), 2500.0, sampleRate);
        for (std::size_t i = 0; i < len && t < frames; ++i, ++t) {
          const double env = std::sin(kPi * static_cast<double>(i) / static_cast<double>(len));
          y[t] += 0.35 * env * fric(gauss(rng));
          active[t] = true;
        }
      }
      const Vowel a = kVowels[static_cast<std::size_t>(u(rng) * 6) % 6];
      const Vowel b = kVowels[static_cast<std::size_t>(u(rng) * 6) % 6];
      const auto len = static_cast<std::size_t>((0.12 + 0.18 * u(rng)) * sampleRate);
      const double attack = 0.015 * sampleRate, release = 0.03 * sampleRate;
      for (std::size_t i = 0; i < len && t < frames; ++i, ++t) {
        const double x = static_cast<double>(i) / static_cast<double>(len);
        if (i % 64 == 0) {  // formants glide from vowel a to vowel b
          r1.set(a.f1 + (b.f1 - a.f1) * x, 70.0, sampleRate);
          r2.set(a.f2 + (b.f2 - a.f2) * x, 100.0, sampleRate);
          r3.set(a.f3 + (b.f3 - a.f3) * x, 140.0, sampleRate);
        }
        const double f =
            f0 * (1.0 + 0.04 * std::sin(2.0 * kPi * 5.0 * static_cast<double>(t) / sampleRate));
        phase += f / sampleRate;
        double pulse = 0.0;
        if (phase >= 1.0) {
          phase -= 1.0;
          pulse = 1.0;
        }
        // Glottal source: pulses through two one-pole low-passes (-12 dB/octave tilt) + aspiration.
        lp1 += 0.25 * (pulse * 40.0 + 0.02 * gauss(rng) - lp1);
        lp2 += 0.25 * (lp1 - lp2);
        const double v = r1(lp2) * 1.0 + r2(lp2) * 0.5 + r3(lp2) * 0.25;
        const double env = std::min(
            {1.0, static_cast<double>(i) / attack, static_cast<double>(len - i) / release});
        y[t] += env * v;
        active[t] = true;
      }
      f0 *= 0.97;  // declination
      t += static_cast<std::size_t>((0.02 + 0.06 * u(rng)) * sampleRate);
    }
    t += static_cast<std::size_t>((0.2 + 0.4 * u(rng)) * sampleRate);
  }
  double e = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    if (active[i]) {
      e += y[i] * y[i];
      ++n;
    }
  }
  const double scale = n == 0 ? 0.0 : 0.1 / std::sqrt(e / static_cast<double>(n));  // -20 dBFS
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = static_cast<float>(y[i] * scale);
  return out;
}

NoiseKind noiseKindFromName(const std::string& name) {
  if (name == "white") return NoiseKind::White;
  if (name == "pink") return NoiseKind::Pink;
  if (name == "brown") return NoiseKind::Brown;
  if (name == "hum") return NoiseKind::Hum50;
  throw std::invalid_argument("unknown noise kind " + name);
}

std::string noiseKindName(NoiseKind kind) {
  switch (kind) {
    case NoiseKind::White:
      return "white";
    case NoiseKind::Pink:
      return "pink";
    case NoiseKind::Brown:
      return "brown";
    case NoiseKind::Hum50:
      return "hum";
  }
  return "?";
}

std::vector<float> coloredNoise(NoiseKind kind, std::size_t frames, int sampleRate,
                                std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> x(frames);
  double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, brown = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    const double w = gauss(rng);
    switch (kind) {
      case NoiseKind::White:
        x[i] = w;
        break;
      case NoiseKind::Pink: {  // Kellet's economy of first-order sections, -3 dB/octave
        b0 = 0.99886 * b0 + w * 0.0555179;
        b1 = 0.99332 * b1 + w * 0.0750759;
        b2 = 0.96900 * b2 + w * 0.1538520;
        b3 = 0.86650 * b3 + w * 0.3104856;
        b4 = 0.55000 * b4 + w * 0.5329522;
        b5 = -0.7616 * b5 - w * 0.0168980;
        x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
        b6 = w * 0.115926;
        break;
      }
      case NoiseKind::Brown:  // leaky integration, -6 dB/octave above 10 Hz
        brown = brown * (1.0 - 2.0 * kPi * 10.0 / sampleRate) + w;
        x[i] = brown;
        break;
      case NoiseKind::Hum50: {
        double h = 0;
        for (int k = 1; k <= 8; ++k)
          h += std::sin(2.0 * kPi * 50.0 * k * static_cast<double>(i) / sampleRate + 0.7 * k) / k;
        x[i] = h + 0.03 * w;
        break;
      }
    }
  }
  double e = 0;
  for (double v : x) e += v * v;
  const double scale = 1.0 / std::sqrt(e / static_cast<double>(std::max<std::size_t>(frames, 1)));
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = static_cast<float>(x[i] * scale);
  return out;
}

std::vector<float> mixAtSnr(const std::vector<float>& speech, const std::vector<float>& noise,
                            double snrDb, std::vector<float>* scaledNoise) {
  const double gain =
      std::sqrt(sumSquares(speech) / (sumSquares(noise) * std::pow(10.0, snrDb / 10.0)));
  std::vector<float> mix(speech.size()), n(speech.size());
  for (std::size_t i = 0; i < speech.size(); ++i) {
    n[i] = static_cast<float>(noise[i] * gain);
    mix[i] = speech[i] + n[i];
  }
  if (scaledNoise) *scaledNoise = std::move(n);
  return mix;
}

DenoiseScores scoreDenoise(const std::vector<float>& speech, const std::vector<float>& noise,
                           const std::vector<float>& input, const std::vector<float>& output,
                           int sampleRate) {
  DenoiseScores s;
  const std::size_t n = std::min({speech.size(), output.size(), input.size(), noise.size()});
  double es = 0, err = 0;
  for (std::size_t i = 0; i < n; ++i) {
    es += static_cast<double>(speech[i]) * speech[i];
    const double d = static_cast<double>(output[i]) - speech[i];
    err += d * d;
  }
  s.snrDb = 10.0 * std::log10(es / std::max(err, 1e-30));
  // Segments of 20 ms: active where the clean speech is within 40 dB of its loudest segment.
  const auto seg = static_cast<std::size_t>(0.02 * sampleRate);
  std::vector<double> segEnergy;
  for (std::size_t a = 0; a + seg <= n; a += seg) {
    double e = 0;
    for (std::size_t i = a; i < a + seg; ++i) e += static_cast<double>(speech[i]) * speech[i];
    segEnergy.push_back(e);
  }
  const double loudest =
      segEnergy.empty() ? 0.0 : *std::max_element(segEnergy.begin(), segEnergy.end());
  double segSum = 0, pauseIn = 0, pauseOut = 0;
  std::size_t segCount = 0;
  double distortionSum = 0;
  std::size_t distortionCount = 0;
  // Band levels (1/3-octave-ish bands by Goertzel-free means: 8 band-pass resonators would be
  // heavy; instead, a 512-point DFT of each active segment's first 512 frames).
  const std::size_t m = 512;
  std::vector<double> hann(m);
  for (std::size_t i = 0; i < m; ++i)
    hann[i] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(m));
  auto bandPower = [&](const std::vector<float>& x, std::size_t a, std::vector<double>& bands) {
    // 16 bands, log-spaced from 100 Hz to 8 kHz.
    bands.assign(16, 0.0);
    for (std::size_t k = 1; k < m / 2; ++k) {
      const double f = static_cast<double>(k) * sampleRate / m;
      if (f < 100.0 || f >= 8000.0) continue;
      const auto band = static_cast<std::size_t>(16.0 * std::log(f / 100.0) / std::log(80.0));
      double re = 0, im = 0;
      for (std::size_t i = 0; i < m; ++i) {
        const double v = x[a + i] * hann[i];
        const double angle = 2.0 * kPi * static_cast<double>(k * i % m) / static_cast<double>(m);
        re += v * std::cos(angle);
        im -= v * std::sin(angle);
      }
      bands[std::min<std::size_t>(band, 15)] += re * re + im * im;
    }
  };
  std::vector<double> bs, bn, bo;
  for (std::size_t g = 0; g < segEnergy.size(); ++g) {
    const std::size_t a = g * seg;
    double eo = 0, ei = 0, d = 0;
    for (std::size_t i = a; i < a + seg; ++i) {
      const double e = static_cast<double>(output[i]) - speech[i];
      d += e * e;
      eo += static_cast<double>(output[i]) * output[i];
      ei += static_cast<double>(input[i]) * input[i];
    }
    if (segEnergy[g] > loudest * 1e-4) {
      segSum += std::clamp(10.0 * std::log10(segEnergy[g] / std::max(d, 1e-30)), -10.0, 35.0);
      ++segCount;
      if (g % 4 == 0 && a + m <= n) {  // every 4th active segment: speech-dominated band levels
        bandPower(speech, a, bs);
        bandPower(noise, a, bn);
        bandPower(output, a, bo);
        for (std::size_t b = 0; b < 16; ++b) {
          // Speech-dominated (10 dB over the noise): what the output lost of the speech's level.
          // Added noise is the SNR's business; a denoiser distorts speech by taking it away.
          if (bs[b] > 10.0 * bn[b] && bs[b] > 0.0) {
            distortionSum += std::max(0.0, 10.0 * std::log10(bs[b] / std::max(bo[b], 1e-30)));
            ++distortionCount;
          }
        }
      }
    } else if (segEnergy[g] < loudest * 1e-7) {
      pauseIn += ei;
      pauseOut += eo;
    }
  }
  s.segmentalSnrDb = segCount ? segSum / static_cast<double>(segCount) : 0.0;
  s.speechDistortionDb =
      distortionCount ? distortionSum / static_cast<double>(distortionCount) : 0.0;
  s.residualNoiseDb = 10.0 * std::log10(std::max(pauseOut, 1e-30) / std::max(pauseIn, 1e-30));
  return s;
}

}  // namespace vkmix::test
