#!/usr/bin/env bash
# Panner figures for benchmarks/RESULTS.md: gain-calculation cost (Google Benchmark) and the
# realtime factor of a 256-object moving session rendered to 7.1.4 (median of 3 whole renders).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target vkmix panner_benchmark vkmix_bench_session >/dev/null
echo "== $(date -u +%F) commit $(git rev-parse --short HEAD), $(nproc) cores, $(build/src/vkmix devices | head -1)"
build/benchmarks/panner_benchmark --benchmark_min_time=0.5 2>/dev/null | grep BM_
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for moving in 1 0; do
  build/benchmarks/vkmix_bench_session "$dir/s$moving" --objects 256 --seconds 20 --media 16 --moving $moving >/dev/null
  for run in 1 2 3; do
    build/src/vkmix render "$dir/s$moving/session.json" -o "$dir/out.wav" -y 2>&1 | grep -o '[0-9.]*x realtime'
  done | sort -n | sed -n 2p | sed "s/^/256 objects, moving=$moving, median of 3: /"
done
