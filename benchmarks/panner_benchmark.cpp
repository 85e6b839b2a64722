// Gain calculation cost of the BS.2127 object panner into 7.1.4: one call, and per object-block
// (a 4096-frame block of a moving object evaluates 4096/256 + 2 = 18 grid points). Counter
// objectsRealtime = how many moving objects one core keeps up with in real time at 48 kHz
// (48000/256 = 187.5 grid points per object per second).
#include <benchmark/benchmark.h>

#include <vector>

#include "layout/object_panner.hpp"

namespace {

using vkmix::layout::ObjectPanner;
using vkmix::layout::ObjectShape;
using vkmix::layout::Polar;

const ObjectPanner& panner() {
  static const ObjectPanner p(*vkmix::findLayout("7.1.4"));
  return p;
}

void run(benchmark::State& state, ObjectShape shape) {
  std::vector<double> g(12);
  double az = 0.0;
  for (auto _ : state) {
    az += 1.7;
    panner().gains(Polar{az, 20.0 * std::sin(az * 0.01), 1.0}, shape, g);
    benchmark::DoNotOptimize(g.data());
  }
  // Inverted rate of 1/(18e6) per call = 18 calls' time in microseconds.
  state.counters["perObjectBlock_us"] = benchmark::Counter(
      1.0 / 18e6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["objectsRealtime"] =
      benchmark::Counter(1.0 / 187.5, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_PointSourceGains(benchmark::State& state) { run(state, {}); }
void BM_ExtentGains(benchmark::State& state) { run(state, ObjectShape{60.0, 20.0}); }
void BM_DivergentExtentGains(benchmark::State& state) {
  ObjectShape s{60.0, 20.0};
  s.divergence = 0.5;
  run(state, s);
}
void BM_PannerSetup(benchmark::State& state) {
  for (auto _ : state) {
    ObjectPanner p(*vkmix::findLayout("7.1.4"));
    benchmark::DoNotOptimize(&p);
  }
}

BENCHMARK(BM_PointSourceGains);
BENCHMARK(BM_ExtentGains);
BENCHMARK(BM_DivergentExtentGains);
BENCHMARK(BM_PannerSetup)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
