// The reverb convolver alone (no decode, no mix, no file): one partition of input through
// GpuConvolver::process, for the shapes benchmarks/run_reverb.sh renders whole (a mono bus; a
// true-stereo bus, 2 inputs x 4 IRs; one IR per 9.1.6 speaker, 1 input x 16 outputs) and 2 s /
// 6 s IRs at 48 kHz, partitioned as the engine partitions them (dsp::partitionFramesFor).
// Counter xRealtime = seconds of input convolved per wall second. Arguments: outputs, IR seconds.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/convolver/params.hpp"
#include "gpu/context.hpp"

namespace {

using vkmix::dsp::ConvolutionTerm;
using vkmix::dsp::ConvolverSpec;

constexpr int kRate = 48000;

vkmix::gpu::Context& context() {
  static auto ctx = std::make_unique<vkmix::gpu::Context>();
  return *ctx;
}

std::vector<float> decayingNoise(std::int64_t frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> h(static_cast<std::size_t>(frames));
  for (std::size_t i = 0; i < h.size(); ++i)
    h[i] = u(rng) * std::exp(-4.0f * static_cast<float>(i) / kRate);
  return h;
}

// outputs 1: mono; 2: true stereo; else one IR per output from one input.
ConvolverSpec makeSpec(int outputs, double irSeconds) {
  const auto frames = static_cast<std::int64_t>(irSeconds * kRate);
  ConvolverSpec spec;
  const int irs = outputs == 2 ? 4 : outputs;
  for (int k = 0; k < irs; ++k) spec.irs.push_back(decayingNoise(frames, 10u + k));
  if (outputs == 2) {
    spec.numInputs = 2;
    spec.outputs = {{ConvolutionTerm{0, 0}, ConvolutionTerm{1, 2}},
                    {ConvolutionTerm{0, 1}, ConvolutionTerm{1, 3}}};
  } else {
    for (int o = 0; o < outputs; ++o) spec.outputs.push_back({ConvolutionTerm{0, o}});
  }
  spec.partitionFrames = vkmix::dsp::partitionFramesFor(frames);
  return spec;
}

void BM_GpuConvolverPartition(benchmark::State& state) {
  const ConvolverSpec spec =
      makeSpec(static_cast<int>(state.range(0)), static_cast<double>(state.range(1)));
  vkmix::dsp::GpuConvolver convolver(context(), spec);
  const auto p = static_cast<std::size_t>(spec.partitionFrames);
  std::vector<float> in(static_cast<std::size_t>(spec.numInputs) * p);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (float& x : in) x = u(rng);
  std::vector<float> out(spec.outputs.size() * p);
  for (auto _ : state) {
    convolver.process(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["xRealtime"] = benchmark::Counter(static_cast<double>(p) / kRate,
                                                   benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(context().info().name + ", partition " + std::to_string(p) + " x " +
                 std::to_string(convolver.partitions()));
}

// The IR spectra a GpuConvolver computes on the CPU before its first partition, in double
// precision: 16 IR channels of 6 s in 65536-frame partitions (80 partitions, 40 transforms of
// 131072 points), on one thread. Counter: transforms per second.
void BM_IrPartitionSpectra(benchmark::State& state) {
  const ConvolverSpec spec = makeSpec(16, 6.0);
  const std::int64_t p = spec.partitionFrames;
  const std::int64_t parts = (spec.maxIrFrames() + p - 1) / p;
  std::vector<float> out(spec.irs.size() * static_cast<std::size_t>(parts * (p + 2) * 2));
  for (auto _ : state) {
    vkmix::dsp::irPartitionSpectra(spec.irs, p, parts, static_cast<std::size_t>(p + 2), 1,
                                   out.data());
    benchmark::DoNotOptimize(out.data());
  }
  const auto transforms = (spec.irs.size() * static_cast<std::size_t>(parts) + 1) / 2;
  state.counters["transforms"] = benchmark::Counter(static_cast<double>(transforms),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int outputs : {1, 2, 16})
    for (int seconds : {2, 6}) b->Args({outputs, seconds});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_GpuConvolverPartition)->Apply(shapes);
BENCHMARK(BM_IrPartitionSpectra)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
