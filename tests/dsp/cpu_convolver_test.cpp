// The CPU backend's convolver (FFTW, float, its own block size, work spread over threads) against
// the direct convolution in double (the outside oracle) on speech, noise and impulses, for every
// IR shape a bus has: mono, stereo, true stereo, one IR per speaker, IRs shorter than a block and
// four long partitions long. Bounds (issue 4): RMS error <= -100 dB relative to the output, and
// to the quiet tail alone; max abs error <= -90 dBFS. Its bytes do not depend on the batch, the
// thread count or the call; FFTW wisdom replays the planner's own choices.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/convolver/cpu_fft.hpp"
#include "dsp/convolver_support.hpp"
#include "support/signals.hpp"
#include "support/speech.hpp"
#include "support/test_media.hpp"

namespace vkmix::dsp {
namespace {

using test_support::compare;
using test_support::ErrorFigures;
using test_support::roomIr;
using test_support::runWhole;

enum class Shape { Mono, Stereo, TrueStereo, PerSpeaker };

// A bus of the shape; its IRs are irFrames long, or shorter for the later channels (IRs of one
// bus differ in length in real files: trimmed silence).
ConvolverSpec makeSpec(Shape shape, std::size_t irFrames) {
  ConvolverSpec spec;
  auto ir = [&](std::size_t k) {
    return roomIr(std::max<std::size_t>(1, irFrames - irFrames * k / 5),
                  60u + static_cast<std::uint32_t>(k));
  };
  switch (shape) {
    case Shape::Mono:
      spec.irs = {ir(0)};
      spec.outputs = {{ConvolutionTerm{0, 0}}};
      break;
    case Shape::Stereo:
      spec.numInputs = 2;
      spec.irs = {ir(0), ir(1)};
      spec.outputs = {{ConvolutionTerm{0, 0}}, {ConvolutionTerm{1, 1}}};
      break;
    case Shape::TrueStereo:  // LL LR RL RR
      spec.numInputs = 2;
      spec.irs = {ir(0), ir(1), ir(2), ir(3)};
      spec.outputs = {{ConvolutionTerm{0, 0}, ConvolutionTerm{1, 2}},
                      {ConvolutionTerm{0, 1}, ConvolutionTerm{1, 3}}};
      break;
    case Shape::PerSpeaker:
      for (std::size_t o = 0; o < 5; ++o) {
        spec.irs.push_back(ir(o));
        spec.outputs.push_back({ConvolutionTerm{0, static_cast<int>(o)}});
      }
      break;
  }
  spec.partitionFrames = partitionFramesFor(spec.maxIrFrames());
  return spec;
}

// Output o's direct convolution, outFrames long.
std::vector<double> expectedOutput(const ConvolverSpec& spec, std::size_t o,
                                   const std::vector<std::vector<float>>& inputs,
                                   std::size_t outFrames) {
  std::vector<double> sum(outFrames, 0.0);
  for (const ConvolutionTerm& t : spec.outputs[o]) {
    const std::vector<double> y = directConvolve(inputs[static_cast<std::size_t>(t.input)],
                                                 spec.irs[static_cast<std::size_t>(t.ir)]);
    for (std::size_t i = 0; i < std::min(outFrames, y.size()); ++i) sum[i] += y[i];
  }
  return sum;
}

struct CpuCase {
  Shape shape;
  std::size_t irFrames;
};

std::string caseName(const ::testing::TestParamInfo<CpuCase>& info) {
  static const char* const kNames[] = {"Mono", "Stereo", "TrueStereo", "PerSpeaker"};
  return std::string(kNames[static_cast<int>(info.param.shape)]) + "Ir" +
         std::to_string(info.param.irFrames);
}

class CpuConvolution : public ::testing::TestWithParam<CpuCase> {};

TEST_P(CpuConvolution, MatchesDirectConvolutionOnSpeechNoiseAndImpulses) {
  const ConvolverSpec spec = makeSpec(GetParam().shape, GetParam().irFrames);
  const auto p = static_cast<std::size_t>(spec.partitionFrames);
  // Speech and noise across call and block boundaries (two calls and a bit); with long IRs, 6000
  // frames across the first call's end, to keep the direct convolution affordable (it skips
  // zeros). Then an impulse, whose response is checked sample by sample.
  const std::size_t active = spec.maxIrFrames() > 20000 ? 6000 : 2 * p + 777;
  const std::size_t first = spec.maxIrFrames() > 20000 ? p - 3000 : 0;
  const std::size_t impulseAt = first + active + 1234;
  std::vector<std::vector<float>> inputs;
  for (int c = 0; c < spec.numInputs; ++c) {
    std::vector<float> x(impulseAt + 1, 0.0f);
    const auto speech = test::speechLike(active, 48000, 5u + static_cast<std::uint32_t>(c));
    const auto hiss = test::noise(active, 9u + static_cast<std::uint32_t>(c), 0.05f);
    for (std::size_t i = 0; i < active; ++i) x[first + i] = speech[i] + hiss[i];
    x[impulseAt] = c == 0 ? 1.0f : 0.0f;
    inputs.push_back(std::move(x));
  }
  const std::size_t outFrames = impulseAt + static_cast<std::size_t>(spec.maxIrFrames());
  auto irs = std::make_shared<const CpuIrSpectra>(spec);
  ASSERT_EQ(spec.partitionFrames % irs->blockFrames(), 0);
  CpuConvolver conv(spec, irs);
  const auto out = runWhole(conv, inputs, outFrames, spec.outputs.size(), p);
  for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
    const std::vector<double> expected = expectedOutput(spec, o, inputs, outFrames);
    const ErrorFigures all = compare(out[o], expected);
    // The quiet tail: the reverb dying away after the speech, before the impulse (a one-frame IR
    // has none: its figure is then the whole output's).
    const std::size_t tailEnd =
        std::min(impulseAt, first + active + static_cast<std::size_t>(spec.maxIrFrames()) - 1);
    const ErrorFigures tail =
        tailEnd > first + active ? compare(out[o], expected, first + active, tailEnd) : all;
    std::size_t worst = 0;
    for (std::size_t i = 0; i < outFrames; ++i) {
      if (std::abs(out[o][i] - expected[i]) > std::abs(out[o][worst] - expected[worst])) worst = i;
    }
    const std::string where =
        "output " + std::to_string(o) + ", block " + std::to_string(irs->blockFrames()) +
        ": worst at frame " + std::to_string(worst) + ", expected " +
        std::to_string(expected[worst]) + ", got " + std::to_string(out[o][worst]);
    std::printf("output %zu: RMS %.1f dB re output (tail %.1f dB re tail), max abs %.1f dBFS\n", o,
                all.rmsRelativeDb, tail.rmsRelativeDb, all.maxAbsDbfs);
    EXPECT_LE(all.rmsRelativeDb, -100.0) << where;
    EXPECT_LE(tail.rmsRelativeDb, -100.0) << where;
    EXPECT_LE(all.maxAbsDbfs, -90.0) << where;
  }
}

// An impulse on every input, inside a call and off any block boundary, gives back on each output
// the sum of its terms' IRs, aligned to the sample, and nothing before or after it.
TEST_P(CpuConvolution, AnImpulseGivesTheIrBackToTheSample) {
  const ConvolverSpec spec = makeSpec(GetParam().shape, GetParam().irFrames);
  const auto p = static_cast<std::size_t>(spec.partitionFrames);
  const std::size_t at = p + 4096 + 17;
  std::vector<std::vector<float>> inputs(static_cast<std::size_t>(spec.numInputs),
                                         std::vector<float>(at + 1, 0.0f));
  for (std::vector<float>& x : inputs) x[at] = 1.0f;
  CpuConvolver conv(spec, std::make_shared<const CpuIrSpectra>(spec));
  const std::size_t outFrames = at + static_cast<std::size_t>(spec.maxIrFrames());
  const auto out = runWhole(conv, inputs, outFrames, spec.outputs.size(), p);
  for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
    std::vector<float> h;
    for (const ConvolutionTerm& t : spec.outputs[o]) {
      const std::vector<float>& ir = spec.irs[static_cast<std::size_t>(t.ir)];
      h.resize(std::max(h.size(), ir.size()), 0.0f);
      for (std::size_t k = 0; k < ir.size(); ++k) h[k] += ir[k];
    }
    for (std::size_t k = 0; k < h.size(); ++k)
      ASSERT_NEAR(out[o][at + k], h[k], 3e-6) << "output " << o << ", IR frame " << k;
    for (std::size_t k = at + h.size(); k < outFrames; ++k)
      ASSERT_NEAR(out[o][k], 0.0f, 3e-6) << "output " << o << ", after the IR, frame " << k;
    for (std::size_t k = 0; k < at; ++k)
      ASSERT_NEAR(out[o][k], 0.0f, 3e-6) << "output " << o << ", before the impulse, frame " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    IrShapes, CpuConvolution,
    ::testing::Values(CpuCase{Shape::Mono, 1}, CpuCase{Shape::Mono, 300},
                      CpuCase{Shape::Mono, kPartitionFrames - 1},
                      CpuCase{Shape::Mono, kPartitionFrames + 1}, CpuCase{Shape::Mono, 96000},
                      CpuCase{Shape::Mono, 4 * kLongPartitionFrames + 1},
                      CpuCase{Shape::Stereo, 5000}, CpuCase{Shape::Stereo, 96000},
                      CpuCase{Shape::TrueStereo, 7000}, CpuCase{Shape::TrueStereo, 96000},
                      CpuCase{Shape::PerSpeaker, 30000}, CpuCase{Shape::PerSpeaker, 288000}),
    caseName);

}  // namespace
}  // namespace vkmix::dsp
