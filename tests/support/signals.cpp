#include "support/signals.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

namespace vkmix::test {

std::vector<float> noise(std::size_t frames, std::uint32_t seed, float amplitude) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-amplitude, amplitude);
  std::vector<float> out(frames);
  for (float& s : out) s = dist(rng);
  return out;
}

std::vector<float> sine(std::size_t frames, double frequencyHz, int sampleRate, float amplitude) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    out[i] = amplitude * static_cast<float>(std::sin(2.0 * 3.14159265358979323846 * frequencyHz *
                                                     static_cast<double>(i) / sampleRate));
  }
  return out;
}

double energy(std::span<const float> x) {
  double e = 0.0;
  for (float s : x) e += static_cast<double>(s) * s;
  return e;
}

double rms(std::span<const float> x) {
  return x.empty() ? 0.0 : std::sqrt(energy(x) / static_cast<double>(x.size()));
}

double maxAbsDiff(std::span<const float> a, std::span<const float> b, std::size_t* where) {
  if (a.size() != b.size()) throw std::invalid_argument("maxAbsDiff: sizes differ");
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double d = std::abs(static_cast<double>(a[i]) - b[i]);
    if (d > worst || std::isnan(d)) {
      worst = std::isnan(d) ? INFINITY : d;
      if (where != nullptr) *where = i;
    }
  }
  return worst;
}

double zeroCrossingFrequency(std::span<const float> x, int sampleRate) {
  std::size_t crossings = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if ((x[i - 1] < 0.0f) != (x[i] < 0.0f)) ++crossings;
  }
  return static_cast<double>(crossings) / 2.0 * sampleRate / static_cast<double>(x.size());
}

}  // namespace vkmix::test
