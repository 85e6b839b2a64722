// Voice mixing alone (no decode, no file): N static mono voices x 4096-frame blocks into 7.1.4,
// on the Vulkan device and on the CPU reference. Counter xRealtime = seconds of 48 kHz audio mixed
// per wall second. The label names the device and the static-voice kernel (GpuMixer: mix.comp's
// loop on CPU devices, mix_wide.comp's split sums on GPUs; VKMIX_MIX_KERNEL=narrow|wide forces).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "dsp/voices/gpu_mixer.hpp"
#include "dsp/voices/params.hpp"
#include "gpu/context.hpp"

namespace {

using vkmix::dsp::MixBlock;

constexpr std::int64_t kFrames = 4096;
constexpr int kChannels = 12;

MixBlock makeBlock(std::size_t voices) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  MixBlock b;
  b.reset(kChannels, kFrames, 0, voices);
  for (float& s : b.samples) s = u(rng);
  for (std::size_t k = 0; k < b.voices.size(); ++k) {
    auto& v = b.voices[k];
    v.key = static_cast<std::uint32_t>(k);  // as fillBlock numbers them: plan order
    v.clipLength = 1 << 30;
    v.clipFrame = 1000;
    v.gainLinear = 0.5f;
    v.plain = 1.0f;
    for (int c = 0; c < kChannels; ++c) v.gains[c] = std::abs(u(rng)) * 5.0f;
  }
  return b;
}

vkmix::gpu::Context& context() {
  static auto ctx = std::make_unique<vkmix::gpu::Context>();
  return *ctx;
}

void setCounters(benchmark::State& state) {
  state.counters["xRealtime"] = benchmark::Counter(static_cast<double>(kFrames) / 48000.0,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GpuMix(benchmark::State& state) {
  MixBlock b = makeBlock(static_cast<std::size_t>(state.range(0)));
  auto pipelines = std::make_shared<vkmix::dsp::MixPipelines>(context(), kChannels);
  vkmix::dsp::GpuMixer mixer(context(), kChannels, pipelines);
  std::vector<float> out(kChannels * b.stride);
  for (auto _ : state) {
    mixer.mix(b, out);
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state);
  state.SetLabel(context().info().name + (pipelines->wide() ? ", mix_wide" : ", mix"));
}

// The device's side alone: rows already enveloped and in each slot's upload buffer (written once,
// before timing), so an iteration is the submission, the kernel and reading the mix back. On a
// GPU BM_GpuMix times mostly the CPU's envelope and copy of 16 MB per block at 1024 voices.
void BM_GpuMixRowsInPlace(benchmark::State& state) {
  MixBlock b = makeBlock(static_cast<std::size_t>(state.range(0)));
  auto pipelines = std::make_shared<vkmix::dsp::MixPipelines>(context(), kChannels);
  vkmix::dsp::GpuMixer mixer(context(), kChannels, pipelines);
  std::vector<float> out(kChannels * b.stride);
  MixBlock inPlace = b;
  inPlace.samples.clear();
  inPlace.enveloped = true;
  for (int k = 0; k < vkmix::dsp::GpuMixer::kInFlight; ++k) {
    std::span<float> rows = mixer.uploadRows(b.voices.size(), b.stride);
    for (std::size_t v = 0; v < b.voices.size(); ++v)
      vkmix::dsp::applyEnvelope(b.voices[v], b.row(v), rows.data() + v * b.stride,
                                static_cast<std::size_t>(b.stride));
    inPlace.external = rows.data();
    mixer.mix(inPlace, out);
  }
  for (auto _ : state) {
    inPlace.external = mixer.uploadRows(b.voices.size(), b.stride).data();
    mixer.mix(inPlace, out);
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state);
  state.SetLabel(context().info().name + (pipelines->wide() ? ", mix_wide" : ", mix"));
}

void BM_ReferenceMix(benchmark::State& state) {
  MixBlock b = makeBlock(static_cast<std::size_t>(state.range(0)));
  std::vector<float> out(kChannels * b.stride);
  for (auto _ : state) {
    vkmix::dsp::referenceMix(b, out);
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state);
  state.SetLabel("cpu-reference (double accumulation)");
}

// 16 to 1024 voices, milliseconds of wall time.
void voiceCounts(benchmark::internal::Benchmark* b) {
  for (int voices : {16, 64, 256, 1024}) b->Arg(voices);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_GpuMix)->Apply(voiceCounts);
BENCHMARK(BM_GpuMixRowsInPlace)->Apply(voiceCounts);
BENCHMARK(BM_ReferenceMix)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
