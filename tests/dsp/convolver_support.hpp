// Helpers the convolver tests share: a room-shaped IR, a whole signal run through any convolver
// a call at a time, and the error figures against the direct convolution (issue 4's bounds:
// RMS error <= -100 dB relative to the output, max abs error <= -90 dBFS).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "support/signals.hpp"

namespace vkmix::dsp::test_support {

// A decaying-noise IR: the shape of a room.
inline std::vector<float> roomIr(std::size_t frames, std::uint32_t seed) {
  auto h = test::noise(frames, seed, 0.3f);
  for (std::size_t i = 0; i < frames; ++i)
    h[i] *=
        static_cast<float>(std::exp(-3.0 * static_cast<double>(i) / static_cast<double>(frames)));
  return h;
}

// Runs a convolver over whole signals (inputs[i] all the same length), a batch of partitions per
// call, long enough for the full tails; returns the outputs.
template <typename Convolver>
std::vector<std::vector<float>> runWhole(Convolver& conv,
                                         const std::vector<std::vector<float>>& inputs,
                                         std::size_t outFrames, std::size_t numOutputs,
                                         std::size_t kP = kPartitionFrames) {
  const std::size_t span = kP * static_cast<std::size_t>(conv.batch());  // frames per call
  const std::size_t calls = (outFrames + span - 1) / span;
  std::vector<std::vector<float>> out(numOutputs);
  std::vector<float> in(inputs.size() * span), o(numOutputs * span);
  for (std::size_t call = 0; call < calls; ++call) {
    for (std::size_t c = 0; c < inputs.size(); ++c) {
      for (std::size_t i = 0; i < span; ++i) {
        const std::size_t at = call * span + i;
        in[c * span + i] = at < inputs[c].size() ? inputs[c][at] : 0.0f;
      }
    }
    conv.process(in, o);
    for (std::size_t c = 0; c < numOutputs; ++c)
      out[c].insert(out[c].end(), o.begin() + c * span, o.begin() + (c + 1) * span);
  }
  for (auto& c : out) c.resize(outFrames);
  return out;
}

struct ErrorFigures {
  double rmsRelativeDb, maxAbsDbfs;
};

// Frames [from, to) of got against expected (to = 0: all).
inline ErrorFigures compare(const std::vector<float>& got, const std::vector<double>& expected,
                            std::size_t from = 0, std::size_t to = 0) {
  double err2 = 0.0, ref2 = 0.0, maxAbs = 0.0;
  for (std::size_t i = from; i < (to == 0 ? expected.size() : to); ++i) {
    const double e = got[i] - expected[i];
    err2 += e * e;
    ref2 += expected[i] * expected[i];
    maxAbs = std::max(maxAbs, std::abs(e));
  }
  return {10.0 * std::log10(err2 / ref2 + 1e-300), 20.0 * std::log10(maxAbs + 1e-300)};
}

}  // namespace vkmix::dsp::test_support
