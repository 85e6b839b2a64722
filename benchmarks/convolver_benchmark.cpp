// The reverb convolver alone (no decode, no mix, no file): one call of GpuConvolver::process (its
// batch of partitions), for the shapes benchmarks/run_reverb.sh renders whole (a mono bus; a
// true-stereo bus, 2 inputs x 4 IRs; one IR per 9.1.6 speaker, 1 input x 16 outputs) and 2 s /
// 6 s IRs at 48 kHz, partitioned as the engine partitions them (dsp::partitionFramesFor).
// Counter xRealtime = seconds of input convolved per wall second. Arguments: outputs, IR seconds.
// BM_GpuConvolverStages times the same calls' stages on the device. BM_CpuConvolver: the CPU
// backend's convolver on the same shapes, with its block (0: its own choice), threads and batch
// as further arguments, to measure what cpuBlockFrames chooses from.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>

#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/convolver/gpu_convolver.hpp"
#include "dsp/convolver/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/context.hpp"
#include "gpu/fft_plan.hpp"
#include "gpu/stage_timer.hpp"
#include "gpu/submitter.hpp"

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

// One call's noise inputs and its outputs: a call takes the convolver's batch of partitions.
struct CallBuffers {
  std::size_t frames;  // per input and per output
  std::vector<float> in, out;
};

CallBuffers callBuffers(const ConvolverSpec& spec, int batch) {
  CallBuffers b;
  b.frames = static_cast<std::size_t>(spec.partitionFrames * batch);
  b.in.resize(static_cast<std::size_t>(spec.numInputs) * b.frames);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (float& x : b.in) x = u(rng);
  b.out.resize(spec.outputs.size() * b.frames);
  return b;
}

void BM_GpuConvolverPartition(benchmark::State& state) {
  const ConvolverSpec spec =
      makeSpec(static_cast<int>(state.range(0)), static_cast<double>(state.range(1)));
  vkmix::dsp::GpuConvolver convolver(context(), spec);
  auto [p, in, out] = callBuffers(spec, convolver.batch());
  for (auto _ : state) {
    convolver.process(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["xRealtime"] = benchmark::Counter(static_cast<double>(p) / kRate,
                                                   benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(context().info().name + ", partition " + std::to_string(spec.partitionFrames) +
                 " x " + std::to_string(convolver.partitions()) + ", " +
                 std::to_string(convolver.batch()) + " per call");
}

// Arguments: outputs, IR seconds, block frames (0: cpuBlockFrames), threads (0: one per core),
// batch.
void BM_CpuConvolver(benchmark::State& state) {
  const ConvolverSpec spec =
      makeSpec(static_cast<int>(state.range(0)), static_cast<double>(state.range(1)));
  auto irs = std::make_shared<const vkmix::dsp::CpuIrSpectra>(spec, state.range(2));
  vkmix::dsp::CpuConvolver convolver(spec, irs, static_cast<int>(state.range(4)),
                                     static_cast<int>(state.range(3)));
  auto [p, in, out] = callBuffers(spec, convolver.batch());
  // Enough calls first that every partition of the delay line holds a spectrum.
  for (std::int64_t k = 0; k <= irs->partitions();
       k += convolver.batch() * spec.partitionFrames / irs->blockFrames())
    convolver.process(in, out);
  for (auto _ : state) {
    convolver.process(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["xRealtime"] = benchmark::Counter(static_cast<double>(p) / kRate,
                                                   benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel("block " + std::to_string(irs->blockFrames()) + " x " +
                 std::to_string(irs->partitions()) + ", " + std::to_string(convolver.threads()) +
                 " threads, " + std::to_string(convolver.batch()) + " per call");
}

void cpuShapes(benchmark::internal::Benchmark* b) {
  for (int outputs : {1, 2, 16})
    for (int seconds : {2, 6})
      for (int threads : {1, 0}) b->Args({outputs, seconds, 0, threads, 1});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

// Every block size on one thread: the measurements cpuBlockFrames rests on.
void cpuBlocks(benchmark::internal::Benchmark* b) {
  for (int outputs : {1, 2, 16})
    for (int seconds : {2, 6})
      for (int block = 4096; block <= vkmix::dsp::partitionFramesFor(seconds * kRate); block *= 2)
        b->Args({outputs, seconds, block, 1, 1});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

// The same calls with each stage timed on the device (gpu::StageTimer), per call: the forward
// FFT(s), the multiply-accumulate, the inverse FFT(s), and transformsXRealtime, the most that
// seconds of input per second could be if the transforms were all a call did: what VkFFT alone
// allows on this device.
void BM_GpuConvolverStages(benchmark::State& state) {
  if (!vkmix::gpu::StageTimer::available(context())) {
    state.SkipWithError("the device writes no timestamps");
    return;
  }
  const ConvolverSpec spec =
      makeSpec(static_cast<int>(state.range(0)), static_cast<double>(state.range(1)));
  vkmix::dsp::GpuConvolver convolver(context(), spec);
  auto [p, in, out] = callBuffers(spec, convolver.batch());
  convolver.process(in, out);  // the first call compiles lavapipe's shader variants
  convolver.measureStages(true);
  for (auto _ : state) {
    convolver.process(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  const auto& t = convolver.stageTimes();
  const auto calls = static_cast<double>(std::max<std::int64_t>(1, t.calls));
  state.counters["forward_ms"] = t.forwardMs / calls;
  state.counters["mac_ms"] = t.macMs / calls;
  state.counters["inverse_ms"] = t.inverseMs / calls;
  state.counters["transformsXRealtime"] =
      static_cast<double>(p) / kRate / ((t.forwardMs + t.inverseMs) / calls * 1e-3);
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

// VkFFT alone: a forward and an inverse real transform of 2 x 65536 points (the long partition's
// FFT), `batch` rows at once, in one submission. Counter: transform pairs per second, so the cost
// of one row at each batch size reads directly.
void BM_FftBatch(benchmark::State& state) {
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  const std::uint32_t n = 2 * vkmix::dsp::kLongPartitionFrames;
  const vk::DeviceSize bytes = static_cast<vk::DeviceSize>(batch) * (n + 2) * sizeof(float);
  vkmix::gpu::Buffer buffer(context(), bytes, vk::BufferUsageFlagBits::eStorageBuffer);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (std::size_t i = 0; i < bytes / sizeof(float); ++i) buffer.as<float>()[i] = u(rng);
  vkmix::gpu::FftPlan plan(context(), n, batch, buffer.buffer(), bytes);
  vkmix::gpu::Submitter submitter(context());
  for (auto _ : state) {
    const vk::raii::CommandBuffer& commands = submitter.begin();
    plan.recordForward(commands);
    vk::MemoryBarrier b{.srcAccessMask = vk::AccessFlagBits::eShaderWrite,
                        .dstAccessMask = vk::AccessFlagBits::eShaderRead};
    commands.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                             vk::PipelineStageFlagBits::eComputeShader, {}, b, nullptr, nullptr);
    plan.recordInverse(commands);
    submitter.submitAndWait("fft");
  }
  state.counters["pairs"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int outputs : {1, 2, 16})
    for (int seconds : {2, 6}) b->Args({outputs, seconds});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_GpuConvolverPartition)->Apply(shapes);
BENCHMARK(BM_GpuConvolverStages)->Apply(shapes);
BENCHMARK(BM_CpuConvolver)->Apply(cpuShapes);
BENCHMARK(BM_CpuConvolver)->Name("BM_CpuConvolverBlocks")->Apply(cpuBlocks);
BENCHMARK(BM_FftBatch)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_IrPartitionSpectra)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
