// Partitioned convolution: the double-precision reference against direct convolution (the outside
// oracle), and the GPU convolver against both, on noise and impulses, for IR lengths 1, one
// partition +-1 and two seconds. Tolerances (issue 4): RMS error <= -100 dB relative to the
// output, max abs error <= -90 dBFS; an impulse gives the IR back aligned to the sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/convolver/reference.hpp"
#include "dsp/convolver_support.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"

namespace vkmix::dsp {
namespace {

using test_support::compare;
using test_support::ErrorFigures;
using test_support::roomIr;
using test_support::runWhole;

struct IrCase {
  std::size_t irFrames;
  std::size_t partition;  // the engine's choice for that IR (partitionFramesFor)
};

class Convolution : public test::GpuFixture, public ::testing::WithParamInterface<IrCase> {};

// The double-precision FFT every CPU reference and the IR spectra rest on, against the DFT's
// definition summed in long double: sizes 1 to 1024, forward and (unnormalised) inverse. An input
// given in bit-reversed order to transformReversed gives the same bits as transform.
TEST(DoubleFft, MatchesTheDefinitionAndTheReversedEntry) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (std::size_t n : {1u, 2u, 8u, 64u, 1024u}) {
    const DoubleFft fft(n);
    std::vector<double> re(n), im(n);
    for (std::size_t i = 0; i < n; ++i) {
      re[i] = u(rng);
      im[i] = u(rng);
    }
    for (bool inverse : {false, true}) {
      std::vector<double> r = re, m = im;
      fft.transform(r, m, inverse);
      // cos and sin of -+2 pi j / n, j < n, in long double.
      std::vector<long double> c(n), sn(n);
      for (std::size_t j = 0; j < n; ++j) {
        const long double a = (inverse ? 2.0L : -2.0L) * 3.141592653589793238462643383279L *
                              static_cast<long double>(j) / static_cast<long double>(n);
        c[j] = std::cos(a);
        sn[j] = std::sin(a);
      }
      double worst = 0.0;
      for (std::size_t k = 0; k < n; ++k) {
        long double sr = 0.0L, si = 0.0L;
        for (std::size_t t = 0; t < n; ++t) {
          const std::size_t j = (k * t) % n;
          sr += re[t] * c[j] - im[t] * sn[j];
          si += re[t] * sn[j] + im[t] * c[j];
        }
        worst = std::max({worst, std::abs(static_cast<double>(sr) - r[k]),
                          std::abs(static_cast<double>(si) - m[k])});
      }
      // Inputs within +-1: bins up to ~n; radix-2 rounding grows with log2(n).
      EXPECT_LT(worst, 1e-13 * static_cast<double>(n)) << "n " << n << " inverse " << inverse;
      std::vector<double> pr(n), pm(n);
      for (std::size_t i = 0; i < n; ++i) {
        pr[fft.reversed(i)] = re[i];
        pm[fft.reversed(i)] = im[i];
      }
      fft.transformReversed(pr, pm, inverse);
      EXPECT_EQ(pr, r) << "n " << n;
      EXPECT_EQ(pm, m) << "n " << n;
    }
  }
}

// The IR spectra the GPU convolver uploads: two partitions per complex transform, parted by
// conjugate symmetry, against one plain transform per partition. An odd number of partitions in
// all (the last transform has no partner) and IRs of different lengths; the same floats for any
// thread count. Rows are P + 2 bins apart, as the GPU convolver lays them out, and the bin past
// P is zero (the buffer starts as NaN).
TEST(IrPartitionSpectra, MatchPlainTransformsAndDoNotDependOnThreads) {
  const std::int64_t p = 64, parts = 3;
  const std::vector<std::vector<float>> irs = {roomIr(150, 11), roomIr(17, 12), roomIr(192, 13)};
  const std::size_t bins = p + 1, stride = p + 2;
  std::vector<float> one(irs.size() * parts * stride * 2, std::nanf("")), three(one.size());
  irPartitionSpectra(irs, p, parts, stride, 1, one.data());
  irPartitionSpectra(irs, p, parts, stride, 3, three.data());
  EXPECT_EQ(one, three);
  for (std::size_t row = 0; row < irs.size() * parts; ++row) {
    EXPECT_EQ(one[(row * stride + bins) * 2], 0.0f) << "row " << row;
    EXPECT_EQ(one[(row * stride + bins) * 2 + 1], 0.0f) << "row " << row;
  }
  double worst = 0.0;
  for (std::size_t r = 0; r < irs.size(); ++r) {
    for (std::size_t k = 0; k < static_cast<std::size_t>(parts); ++k) {
      std::vector<double> re(2 * p, 0.0), im(2 * p, 0.0);
      for (std::size_t i = 0; i < static_cast<std::size_t>(p); ++i) {
        if (k * p + i < irs[r].size()) re[i] = irs[r][k * p + i];
      }
      fftInPlace(re, im, false);
      const float* got = one.data() + (r * parts + k) * stride * 2;
      for (std::size_t b = 0; b < bins; ++b) {
        worst = std::max(worst, std::abs(got[2 * b] - re[b]));
        worst = std::max(worst, std::abs(got[2 * b + 1] - im[b]));
      }
    }
  }
  // Float rounding of bins of magnitude up to ~10: a few ulps of 10.
  EXPECT_LT(worst, 4e-6) << "largest difference from the plain transform";
}

TEST_P(Convolution, MatchesDirectConvolutionOnNoiseAndImpulses) {
  const std::size_t irFrames = GetParam().irFrames;
  const std::size_t kP = GetParam().partition;
  ConvolverSpec spec;
  spec.irs = {roomIr(irFrames, 7)};
  spec.outputs = {{ConvolutionTerm{0, 0}}};
  spec.partitionFrames = static_cast<std::int64_t>(kP);
  ASSERT_EQ(partitionFramesFor(spec.maxIrFrames()), spec.partitionFrames);
  // Noise across partition boundaries, then an impulse after it (its response checked in the
  // same run). The long partition gets one boundary, to keep the direct convolution affordable;
  // the longest gets 8000 frames of noise across one boundary (the direct convolution skips
  // zeros). The outputs peak above full scale (printed): these IRs have gains of 20-30 dB.
  const std::size_t inFrames = kP > kPartitionFrames ? kP + 4000 : 3 * kP + 123;
  auto x = test::noise(inFrames, 3, 0.5f);
  if (kP > kLongPartitionFrames) std::fill(x.begin(), x.end() - 8000, 0.0f);
  std::vector<float> impulse(kP + 100, 0.0f);
  impulse[kP + 17] = 1.0f;
  const std::vector<float>* inputs[2] = {&x, &impulse};
  for (int which = 0; which < 2; ++which) {
    const std::vector<float>& input = *inputs[which];
    const std::vector<double> expected = directConvolve(input, spec.irs[0]);
    ReferenceConvolver ref(spec);
    GpuConvolver gpu(context(), spec);
    auto refOut = runWhole(ref, {input}, expected.size(), 1, kP);
    auto gpuOut = runWhole(gpu, {input}, expected.size(), 1, kP);
    ErrorFigures r = compare(refOut[0], expected);
    EXPECT_LE(r.rmsRelativeDb, -140.0) << "reference vs direct, IR " << irFrames;
    ErrorFigures g = compare(gpuOut[0], expected);
    double peak = 0.0;
    for (double y : expected) peak = std::max(peak, std::abs(y));
    std::printf(
        "IR %zu %s: GPU vs direct RMS %.1f dB re output, max abs %.1f dBFS (output peak "
        "%.1f dBFS)\n",
        irFrames, which == 0 ? "noise" : "impulse", g.rmsRelativeDb, g.maxAbsDbfs,
        20.0 * std::log10(peak + 1e-300));
    EXPECT_LE(g.rmsRelativeDb, -100.0) << "GPU vs direct, IR " << irFrames;
    EXPECT_LE(g.maxAbsDbfs, -90.0) << "GPU vs direct, IR " << irFrames;
    if (which == 1) {  // the impulse: the IR comes back at the impulse's frame
      for (std::size_t k = 0; k < std::min<std::size_t>(irFrames, 500); ++k) {
        ASSERT_NEAR(gpuOut[0][kP + 17 + k], spec.irs[0][k], 3e-5) << "IR frame " << k;
      }
      EXPECT_NEAR(gpuOut[0][kP + 16], 0.0, 3e-5) << "nothing before the impulse";
    }
  }
}

// 1 sample, one partition - 1, exactly one, one + 1, 2 s (which takes the long partition) and
// just past four long partitions (the longest partition).
constexpr std::size_t kShort = kPartitionFrames, kLong = kLongPartitionFrames;
INSTANTIATE_TEST_SUITE_P(IrLengths, Convolution,
                         ::testing::Values(IrCase{1, kShort}, IrCase{kShort - 1, kShort},
                                           IrCase{kShort, kShort}, IrCase{kShort + 1, kShort},
                                           IrCase{96000, kLong},
                                           IrCase{4 * kLong + 1, kLongestPartitionFrames}),
                         [](const ::testing::TestParamInfo<IrCase>& p) {
                           return "Ir" + std::to_string(p.param.irFrames) + "Partition" +
                                  std::to_string(p.param.partition);
                         });

TEST_F(Convolution, TrueStereoSumsItsFourTerms) {
  ConvolverSpec spec;
  spec.numInputs = 2;
  spec.irs = {roomIr(3000, 1), roomIr(5000, 2), roomIr(2000, 3), roomIr(7000, 4)};  // LL LR RL RR
  spec.outputs = {{ConvolutionTerm{0, 0}, ConvolutionTerm{1, 2}},
                  {ConvolutionTerm{0, 1}, ConvolutionTerm{1, 3}}};
  auto l = test::noise(9000, 5, 0.4f), r = test::noise(9000, 6, 0.4f);
  GpuConvolver gpu(context(), spec);
  auto out = runWhole(gpu, {l, r}, 9000 + 7000, 2);
  auto ll = directConvolve(l, spec.irs[0]), rl = directConvolve(r, spec.irs[2]);
  auto lr = directConvolve(l, spec.irs[1]), rr = directConvolve(r, spec.irs[3]);
  std::vector<double> expectL(16000, 0.0), expectR(16000, 0.0);
  for (std::size_t i = 0; i < 16000; ++i) {
    expectL[i] = (i < ll.size() ? ll[i] : 0) + (i < rl.size() ? rl[i] : 0);
    expectR[i] = (i < lr.size() ? lr[i] : 0) + (i < rr.size() ? rr[i] : 0);
  }
  EXPECT_LE(compare(out[0], expectL).rmsRelativeDb, -100.0);
  EXPECT_LE(compare(out[1], expectR).rmsRelativeDb, -100.0);
}

// A mono send into one IR per speaker: complex_mac.comp makes four outputs per invocation and
// reads the delay line once for all four. Six outputs (a full group and a part one), IRs of
// different lengths, each against its direct convolution.
TEST_F(Convolution, PerSpeakerOutputsShareTheirReads) {
  ConvolverSpec spec;
  for (std::size_t o = 0; o < 6; ++o) {
    spec.irs.push_back(roomIr(2000 + 4000 * o, 30u + static_cast<std::uint32_t>(o)));
    spec.outputs.push_back({ConvolutionTerm{0, static_cast<int>(o)}});
  }
  const auto x = test::noise(40000, 8, 0.4f);
  const std::size_t outFrames = x.size() + static_cast<std::size_t>(spec.maxIrFrames());
  GpuConvolver gpu(context(), spec);
  const auto out = runWhole(gpu, {x}, outFrames, spec.outputs.size());
  for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
    std::vector<double> expected = directConvolve(x, spec.irs[o]);
    expected.resize(outFrames, 0.0);
    const ErrorFigures e = compare(out[o], expected);
    EXPECT_LE(e.rmsRelativeDb, -100.0) << "output " << o;
    EXPECT_LE(e.maxAbsDbfs, -90.0) << "output " << o;
  }
}

// Two convolvers of one bus (two stems sending to it) share its IR spectra, and with a third of
// another bus of the same shape, VkFFT's scratch buffer and the inverse stage: called in turn on
// different inputs, each gives the bits of a convolver with buffers of its own, and the shared
// buffers outlive none of them.
TEST_F(Convolution, ConvolversOfOneBusShareItsSpectraAndScratch) {
  ConvolverSpec spec;
  // Long partitions: VkFFT's 131072-point transforms take two passes, through the scratch.
  for (std::size_t o = 0; o < 3; ++o) {
    spec.irs.push_back(roomIr(70000 + 9000 * o, 40u + static_cast<std::uint32_t>(o)));
    spec.outputs.push_back({ConvolutionTerm{0, static_cast<int>(o)}});
  }
  spec.partitionFrames = partitionFramesFor(spec.maxIrFrames());
  ASSERT_EQ(spec.partitionFrames, kLongPartitionFrames);
  const std::size_t span = kLongPartitionFrames, calls = 5;
  const auto a = test::noise(span * calls, 11, 0.5f), b = test::noise(span * calls, 12, 0.5f);
  auto spectra = std::make_shared<GpuIrSpectra>(context(), spec);
  auto scratch = std::make_shared<gpu::Buffer>(context(), GpuConvolver::fftScratchBytes(spec, 1),
                                               vk::BufferUsageFlagBits::eStorageBuffer,
                                               gpu::Placement::Resident);
  auto inverse = std::make_shared<GpuInverseStage>(context(), spec, 1, scratch);
  ConvolverSpec other = spec;  // another bus: other IRs, the same partitions and outputs
  for (std::size_t o = 0; o < 3; ++o)
    other.irs[o] = roomIr(80000, 50u + static_cast<std::uint32_t>(o));
  ASSERT_TRUE(inverse->fits(other, 1));
  auto first = std::make_unique<GpuConvolver>(context(), spec, 1, spectra, scratch, inverse);
  auto second = std::make_unique<GpuConvolver>(context(), spec, 1, spectra, scratch, inverse);
  auto third = std::make_unique<GpuConvolver>(context(), other, 1, nullptr, scratch, inverse);
  spectra.reset();
  scratch.reset();
  inverse.reset();
  GpuConvolver ownA(context(), spec, 1), ownB(context(), spec, 1), ownC(context(), other, 1);
  const std::size_t outs = spec.outputs.size();
  std::vector<float> gotA(outs * span), gotB(outs * span), gotC(outs * span);
  std::vector<float> wantA(outs * span), wantB(outs * span), wantC(outs * span);
  for (std::size_t call = 0; call < calls; ++call) {
    const std::span<const float> inA(a.data() + call * span, span),
        inB(b.data() + call * span, span);
    first->process(inA, gotA);
    second->process(inB, gotB);
    third->process(inA, gotC);
    ownA.process(inA, wantA);
    ownB.process(inB, wantB);
    ownC.process(inA, wantC);
    ASSERT_GT(test::energy(wantA), 0.0);
    EXPECT_EQ(std::memcmp(gotA.data(), wantA.data(), gotA.size() * sizeof(float)), 0) << call;
    EXPECT_EQ(std::memcmp(gotB.data(), wantB.data(), gotB.size() * sizeof(float)), 0) << call;
    EXPECT_EQ(std::memcmp(gotC.data(), wantC.data(), gotC.size() * sizeof(float)), 0) << call;
  }
  // Another shape does not fit: a true-stereo bus has two outputs, not three.
  ConvolverSpec stereo;
  stereo.numInputs = 2;
  stereo.irs = {roomIr(70000, 1), roomIr(70000, 2), roomIr(70000, 3), roomIr(70000, 4)};
  stereo.outputs = {{ConvolutionTerm{0, 0}, ConvolutionTerm{1, 2}},
                    {ConvolutionTerm{0, 1}, ConvolutionTerm{1, 3}}};
  stereo.partitionFrames = spec.partitionFrames;
  EXPECT_FALSE(GpuInverseStage(context(), spec, 1).fits(stereo, 1));
}

// A batch of partitions per call (the delay line a ring of whole batches, the forward FFT in
// place at the batch's slots) gives every frame the same bits as one partition per call: each
// partition's transforms and sums are the same operations in the same order. Mono and true
// stereo, batches of 1 to 3, over enough partitions that the ring wraps several times.
TEST_F(Convolution, TheBatchDoesNotChangeABit) {
  ConvolverSpec mono;
  mono.irs = {roomIr(40000, 9)};  // 3 partitions of 16384
  mono.outputs = {{ConvolutionTerm{0, 0}}};
  ConvolverSpec stereo;
  stereo.numInputs = 2;
  stereo.irs = {roomIr(20000, 1), roomIr(36000, 2), roomIr(3000, 3), roomIr(17000, 4)};
  stereo.outputs = {{ConvolutionTerm{0, 0}, ConvolutionTerm{1, 2}},
                    {ConvolutionTerm{0, 1}, ConvolutionTerm{1, 3}}};
  EXPECT_EQ(GpuConvolver::defaultBatch(mono), 2);
  EXPECT_EQ(GpuConvolver::defaultBatch(stereo), 1);
  for (const ConvolverSpec* spec : {&mono, &stereo}) {
    const std::size_t frames = 11 * kPartitionFrames + 321;
    std::vector<std::vector<float>> inputs;
    for (int c = 0; c < spec->numInputs; ++c)
      inputs.push_back(test::noise(frames, 20u + static_cast<std::uint32_t>(c), 0.5f));
    const std::size_t outFrames = frames + static_cast<std::size_t>(spec->maxIrFrames());
    GpuConvolver one(context(), *spec, 1);
    const auto expected = runWhole(one, inputs, outFrames, spec->outputs.size());
    ASSERT_GT(test::energy(expected[0]), 0.0);
    for (int batch : {2, 3}) {
      GpuConvolver batched(context(), *spec, batch);
      ASSERT_EQ(batched.batch(), batch);
      const auto got = runWhole(batched, inputs, outFrames, spec->outputs.size());
      for (std::size_t o = 0; o < got.size(); ++o) {
        EXPECT_EQ(std::memcmp(got[o].data(), expected[o].data(), outFrames * sizeof(float)), 0)
            << spec->numInputs << " input(s), output " << o << ", batch " << batch;
      }
    }
  }
}

// The engine's way of making convolvers: a set over its buses (one unused) shares what it can,
// and each convolver it makes, called in turn with the others, gives the bits of one made alone.
TEST_F(Convolution, AConvolverSetGivesTheBitsOfConvolversMadeAlone) {
  ConvolverSpec room, hall;
  room.irs = {roomIr(20000, 21), roomIr(26000, 22)};
  room.outputs = {{ConvolutionTerm{0, 0}}, {ConvolutionTerm{0, 1}}};
  hall.irs = {roomIr(30000, 23), roomIr(12000, 24)};
  hall.outputs = room.outputs;
  GpuConvolverSet set(context(), {&room, nullptr, &hall});
  std::vector<std::unique_ptr<GpuConvolver>> shared, alone;
  for (const ConvolverSpec* spec : {&room, &room, &hall}) {
    shared.push_back(set.make(spec == &room ? 0 : 2));
    alone.push_back(std::make_unique<GpuConvolver>(context(), *spec));
  }
  const std::size_t span = kPartitionFrames, calls = 4;
  std::vector<float> got(2 * span), want(2 * span);
  for (std::size_t call = 0; call < calls; ++call) {
    for (std::size_t k = 0; k < shared.size(); ++k) {
      const auto in = test::noise(span, 30u + static_cast<std::uint32_t>(call * 3 + k), 0.5f);
      shared[k]->process(in, got);
      alone[k]->process(in, want);
      ASSERT_GT(test::energy(want), 0.0);
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
          << "convolver " << k << ", call " << call;
    }
  }
}

// Stage timing (convolver_benchmark's profile): every call adds each stage's device time, each
// positive, and the three together fit inside the calls' wall time; the output keeps its bits.
TEST_F(Convolution, StageTimesAddUpWithinTheCallsAndChangeNoBit) {
  if (!gpu::StageTimer::available(context())) GTEST_SKIP() << "no timestamps on this device";
  ConvolverSpec spec;
  spec.irs = {roomIr(20000, 5), roomIr(30000, 6)};
  spec.outputs = {{ConvolutionTerm{0, 0}}, {ConvolutionTerm{0, 1}}};
  const std::vector<float> x = test::noise(4 * kPartitionFrames, 8, 0.5f);
  const std::size_t outFrames = x.size() + 30000;
  GpuConvolver plain(context(), spec);
  const auto expected = runWhole(plain, {x}, outFrames, 2);
  GpuConvolver timed(context(), spec);
  timed.measureStages(true);
  const auto start = std::chrono::steady_clock::now();
  const auto got = runWhole(timed, {x}, outFrames, 2);
  const double wallMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const GpuConvolver::StageTimes& t = timed.stageTimes();
  const auto calls =
      static_cast<std::int64_t>((outFrames + kPartitionFrames - 1) / kPartitionFrames);
  EXPECT_EQ(t.calls, calls);
  EXPECT_GT(t.forwardMs, 0.0);
  EXPECT_GT(t.macMs, 0.0);
  EXPECT_GT(t.inverseMs, 0.0);
  EXPECT_LT(t.forwardMs + t.macMs + t.inverseMs, wallMs);
  for (std::size_t o = 0; o < 2; ++o)
    EXPECT_EQ(std::memcmp(got[o].data(), expected[o].data(), outFrames * sizeof(float)), 0);
  timed.measureStages(false);
  EXPECT_EQ(timed.stageTimes().calls, 0);
}

}  // namespace
}  // namespace vkmix::dsp
