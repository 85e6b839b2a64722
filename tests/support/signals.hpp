// Seeded test signals and comparison helpers shared by every test binary.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vkmix::test {

std::vector<float> noise(std::size_t frames, std::uint32_t seed, float amplitude = 0.5f);
std::vector<float> sine(std::size_t frames, double frequencyHz, int sampleRate,
                        float amplitude = 0.5f);
double rms(std::span<const float> x);
double energy(std::span<const float> x);
// Largest |a[i] - b[i]|; the sizes must match. `where` receives the index of the largest.
double maxAbsDiff(std::span<const float> a, std::span<const float> b, std::size_t* where = nullptr);
// Estimated frequency from zero crossings (good for clean sines).
double zeroCrossingFrequency(std::span<const float> x, int sampleRate);

}  // namespace vkmix::test
