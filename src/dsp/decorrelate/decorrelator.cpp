#include "dsp/decorrelate/decorrelator.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace vkmix::dsp {

std::vector<double> decorrelator(unsigned index) {
  constexpr int n = kDecorrelatorTaps;
  constexpr double kTwoPi = 6.283185307179586476925;
  std::mt19937 random(index);  // init_genrand(index): MT19937 as BS.2127 seeds it
  std::vector<double> phase(n / 2 + 1, 0.0);
  for (int k = 1; k < n / 2; ++k)
    phase[k] = kTwoPi * (static_cast<double>(random()) / 4294967296.0);
  // The inverse real DFT of exp(i phase): bins 0 and n/2 real (1), the others with their
  // conjugates. 512 x 256 terms: computed directly, once per render.
  std::vector<double> h(n);
  for (int t = 0; t < n; ++t) {
    double sum = 1.0 + (t % 2 == 0 ? 1.0 : -1.0);
    for (int k = 1; k < n / 2; ++k) {
      // The angle reduced exactly first (k t mod n), so the sum does not lose precision at large
      // k t.
      const double angle = kTwoPi * static_cast<double>((k * t) % n) / n + phase[k];
      sum += 2.0 * std::cos(angle);
    }
    h[t] = sum / n;
  }
  return h;
}

std::vector<std::vector<float>> decorrelatorsAligned(const std::vector<std::string>& labels) {
  std::vector<std::string> sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<float>> out;
  for (const std::string& label : labels) {
    const auto index =
        static_cast<unsigned>(std::find(sorted.begin(), sorted.end(), label) - sorted.begin());
    const std::vector<double> h = decorrelator(index);
    std::vector<float> aligned(h.size());
    for (std::size_t t = 0; t < h.size(); ++t)
      aligned[t] = static_cast<float>(h[(t + kDecorrelatorDelay) % h.size()]);
    out.push_back(std::move(aligned));
  }
  return out;
}

}  // namespace vkmix::dsp
