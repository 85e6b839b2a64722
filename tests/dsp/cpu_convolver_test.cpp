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
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/thread_cpu.hpp"
#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/convolver/cpu_fft.hpp"
#include "dsp/convolver/cpu_workers.hpp"
#include "dsp/convolver_support.hpp"
#include "support/signals.hpp"
#include "support/speech.hpp"
#include "support/test_media.hpp"
#include "support/worker_probe.hpp"

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

// Partitions shorter than the smallest block the engine's buses get (the binaural renderer
// takes any power of two): the block is the partition, and the output keeps the bounds.
TEST(CpuConvolverPartitions, AnyPartitionLengthKeepsTheBounds) {
  for (std::int64_t p : {std::int64_t{512}, std::int64_t{2048}}) {
    ConvolverSpec spec = makeSpec(Shape::TrueStereo, 20000);
    spec.partitionFrames = p;
    auto irs = std::make_shared<const CpuIrSpectra>(spec);
    ASSERT_EQ(irs->blockFrames(), p);
    const auto up = static_cast<std::size_t>(p);
    const std::vector<std::vector<float>> inputs = {test::noise(3 * up + 77, 80, 0.5f),
                                                    test::noise(3 * up + 77, 81, 0.5f)};
    const std::size_t outFrames = inputs[0].size() + 20000;
    CpuConvolver conv(spec, irs);
    const auto out = runWhole(conv, inputs, outFrames, 2, up);
    for (std::size_t o = 0; o < 2; ++o) {
      const ErrorFigures e = compare(out[o], expectedOutput(spec, o, inputs, outFrames));
      EXPECT_LE(e.rmsRelativeDb, -100.0) << "partition " << p << ", output " << o;
      EXPECT_LE(e.maxAbsDbfs, -90.0) << "partition " << p << ", output " << o;
    }
  }
}

// Bytes for any batch and thread count: each block's transform and each block's output is one
// job with a fixed order of operations, whichever thread runs it. Mono and true stereo, blocks
// smaller than the partition (several per call) and the convolver's own choice, batches 1-3 and
// 1-3 threads, over enough calls that the delay line's ring wraps several times.
TEST(CpuConvolverBytes, TheSameForAnyBatchThreadCountAndBlockCount) {
  for (Shape shape : {Shape::Mono, Shape::TrueStereo}) {
    ConvolverSpec spec = makeSpec(shape, 40000);
    ASSERT_EQ(spec.partitionFrames, kPartitionFrames);
    const std::size_t frames = 9 * kPartitionFrames + 321;
    std::vector<std::vector<float>> inputs;
    for (int c = 0; c < spec.numInputs; ++c) {
      auto x = test::speechLike(frames, 48000, 30u + static_cast<std::uint32_t>(c));
      const auto hiss = test::noise(frames, 40u + static_cast<std::uint32_t>(c), 0.05f);
      for (std::size_t i = 0; i < frames; ++i) x[i] += hiss[i];
      inputs.push_back(std::move(x));
    }
    const std::size_t outFrames = frames + static_cast<std::size_t>(spec.maxIrFrames());
    for (std::int64_t block : {std::int64_t{4096}, std::int64_t{16384}, std::int64_t{0}}) {
      auto irs = std::make_shared<const CpuIrSpectra>(spec, block);
      CpuConvolver one(spec, irs, 1, 1);
      const auto expected = runWhole(one, inputs, outFrames, spec.outputs.size());
      ASSERT_GT(test::energy(expected[0]), 0.0);
      for (int batch : {1, 2, 3}) {
        for (int threads : {1, 2, 3}) {
          CpuConvolver conv(spec, irs, batch, threads);
          ASSERT_EQ(conv.batch(), batch);
          const auto got = runWhole(conv, inputs, outFrames, spec.outputs.size());
          for (std::size_t o = 0; o < got.size(); ++o) {
            EXPECT_EQ(std::memcmp(got[o].data(), expected[o].data(), outFrames * sizeof(float)), 0)
                << spec.numInputs << " input(s), output " << o << ", block " << irs->blockFrames()
                << ", batch " << batch << ", " << threads << " threads";
          }
        }
      }
    }
  }
}

// A NaN in the input spoils the outputs that its blocks reach (its own block and, as the
// overlap, the next, through every partition of the IR) and no others: before and after those,
// the outputs have the bits of a clean run. The input is left as it was.
TEST(CpuConvolverBytes, ANanStaysWithinTheBlocksItReaches) {
  const ConvolverSpec spec = makeSpec(Shape::Mono, 20000);
  auto irs = std::make_shared<const CpuIrSpectra>(spec, 4096);
  const auto b = static_cast<std::size_t>(irs->blockFrames());
  const std::size_t frames = 10 * kPartitionFrames, at = 3 * kPartitionFrames + 100;
  std::vector<float> clean = test::noise(frames, 50, 0.5f), spoilt = clean;
  spoilt[at] = std::numeric_limits<float>::quiet_NaN();
  CpuConvolver a(spec, irs, 1, 2), c(spec, irs, 1, 2);
  const auto want = runWhole(a, {clean}, frames, 1);
  const auto got = runWhole(c, {spoilt}, frames, 1);
  // A call leaves its input as it was, NaN and all.
  std::vector<float> in(spoilt.begin() + 3 * kPartitionFrames,
                        spoilt.begin() + 4 * kPartitionFrames),
      kept = in, out(kPartitionFrames);
  CpuConvolver(spec, irs, 1, 2).process(in, out);
  EXPECT_EQ(std::memcmp(in.data(), kept.data(), in.size() * sizeof(float)), 0);
  const std::size_t from = at / b * b;
  const std::size_t to = (at / b + 1 + static_cast<std::size_t>(irs->partitions())) * b;
  ASSERT_LT(to, frames);
  EXPECT_EQ(std::memcmp(got[0].data(), want[0].data(), from * sizeof(float)), 0) << "before";
  EXPECT_TRUE(std::isnan(got[0][at])) << "the NaN's own frame";
  EXPECT_EQ(std::memcmp(got[0].data() + to, want[0].data() + to, (frames - to) * sizeof(float)), 0)
      << "after the blocks the NaN reaches";
}

// Sets an environment variable for the scope, then puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The wisdom file holds FFTW_ESTIMATE's choices: plans made from it are the plans the planner's
// own search makes (the same description, the same bits of a transform), so a render does not
// depend on whether the file existed. A damaged file is refused. A size no other test plans
// (2 x 3000), so this process plans it here first.
TEST(CpuFftWisdom, ReplaysThePlannersOwnChoices) {
  const test::ScratchDir dir;
  const ScopedEnv env("VKMIX_CACHE_DIR", dir.path().string());
  fftwForgetWisdom();
  const CpuFft& shared = CpuFft::forBlock(3000);
  const std::optional<std::filesystem::path> file = fftwWisdomFile();
  ASSERT_TRUE(file && std::filesystem::exists(*file)) << "no wisdom written to " << dir.path();
  fftwForgetWisdom();
  const CpuFft searched(3000);
  fftwForgetWisdom();
  ASSERT_TRUE(fftwImportWisdom(*file));
  const CpuFft replayed(3000);
  EXPECT_EQ(searched.describe(), shared.describe());
  EXPECT_EQ(replayed.describe(), searched.describe());
  EXPECT_NE(searched.describe().find("rdft"), std::string::npos) << searched.describe();
  const auto x = test::noise(6000, 70, 0.5f);
  std::vector<std::vector<float>> spectra;
  for (const CpuFft* fft : {&searched, &replayed}) {
    FftwArray<float> time = fftwAllocReal(6000);
    FftwArray<std::complex<float>> bins = fftwAllocComplex(3001);
    std::copy(x.begin(), x.end(), time.get());
    fft->forward(time.get(), bins.get());
    const auto* f = reinterpret_cast<const float*>(bins.get());
    spectra.emplace_back(f, f + 6002);
  }
  EXPECT_EQ(std::memcmp(spectra[0].data(), spectra[1].data(), 6002 * sizeof(float)), 0);
  // A file cut short fails its checksum; one of another program's is not vkmix's.
  std::ifstream in(*file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  test::writeText(*file, bytes.substr(0, bytes.size() - 20));
  EXPECT_FALSE(fftwImportWisdom(*file));
  test::writeText(*file, "(fftw-3.3.10 fftwf_wisdom)\n");
  EXPECT_FALSE(fftwImportWisdom(*file));
}

// The workers carry a name in profilers and /proc, and what they spend on a batch is in the
// process's CPU ledger (the render report's host CPU) by the time finish() returns.
TEST(CpuWorkers, WorkersAreNamedAndTheirCpuIsAccounted) {
  CpuWorkers workers(3);
  test::WorkerProbe probe;
  const double before = accountedCpuSeconds();
  workers.run(8, [&](std::size_t, int lane) { probe.job(lane == 0); });
  EXPECT_EQ(probe.names(), std::set<std::string>{"vkmix-conv"});
  EXPECT_GE(probe.workerCpu(), 0.005);
  EXPECT_GE(accountedCpuSeconds() - before, probe.workerCpu());
}

}  // namespace
}  // namespace vkmix::dsp
