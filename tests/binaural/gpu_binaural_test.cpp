// binauralSpec on the Vulkan convolver (lavapipe in CI), against the double-precision reference
// running the same spec: the virtual-speaker render needs nothing of a backend but its convolver.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "binaural/virtual_speakers.hpp"
#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/convolver/reference.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"

namespace vkmix::binaural {
namespace {

using GpuBinauralTest = test::GpuFixture;

// Runs `conv` over planar feeds (numInputs x frames), a call of batch() partitions at a time, and
// returns the two ears (2 x frames planar), its partial ears summed.
template <typename Convolver>
std::vector<float> runEars(Convolver& conv, const dsp::ConvolverSpec& spec,
                           const std::vector<float>& feeds, std::int64_t frames) {
  const std::int64_t span = spec.partitionFrames * conv.batch();
  const auto numOutputs = static_cast<int>(spec.outputs.size());
  std::vector<float> in(static_cast<std::size_t>(spec.numInputs * span));
  std::vector<float> o(static_cast<std::size_t>(numOutputs * span));
  std::vector<float> ears(static_cast<std::size_t>(2 * span));
  std::vector<float> out(static_cast<std::size_t>(2 * frames));
  for (std::int64_t at = 0; at < frames; at += span) {
    for (int c = 0; c < spec.numInputs; ++c)
      for (std::int64_t i = 0; i < span; ++i)
        in[static_cast<std::size_t>(c * span + i)] =
            at + i < frames ? feeds[static_cast<std::size_t>(c * frames + at + i)] : 0.0f;
    conv.process(in, o);
    sumPartialEars(o, numOutputs, span, ears);
    for (int e = 0; e < 2; ++e)
      for (std::int64_t i = 0; i < span && at + i < frames; ++i)
        out[static_cast<std::size_t>(e * frames + at + i)] =
            ears[static_cast<std::size_t>(e * span + i)];
  }
  return out;
}

// Tolerance: the GPU's float FFTs keep the convolvers ~120 dB below the output (dsp tests);
// -100 dB re the ears' RMS still catches any misrouted ear or speaker.
TEST_F(GpuBinauralTest, VirtualSpeakersOnTheGpuMatchTheReference) {
  const Hrtf hrtf(Hrtf::defaultPath(), 48000.0);
  const Layout& layout = binauralVirtualLayout();
  BinauralOptions options;
  options.partitionFrames = 1024;
  const dsp::ConvolverSpec spec = binauralSpec(layout, hrtf, options);
  const int n = layout.numChannels();
  const std::int64_t frames = 5 * options.partitionFrames + 321;
  std::vector<float> feeds;
  for (int c = 0; c < n; ++c) {
    const auto x = test::noise(static_cast<std::size_t>(frames), 40 + static_cast<unsigned>(c));
    feeds.insert(feeds.end(), x.begin(), x.end());
  }
  dsp::ReferenceConvolver ref(spec);
  dsp::GpuConvolver gpu(context(), spec);
  const auto expected = runEars(ref, spec, feeds, frames);
  const auto actual = runEars(gpu, spec, feeds, frames);
  double err = 0.0, sig = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    err += (actual[i] - expected[i]) * static_cast<double>(actual[i] - expected[i]);
    sig += expected[i] * static_cast<double>(expected[i]);
  }
  const double db = 10.0 * std::log10(err / sig);
  std::printf("[figures] GPU vs reference: %.1f dB re the ears' RMS\n", db);
  EXPECT_LT(db, -100.0);
}

}  // namespace
}  // namespace vkmix::binaural
