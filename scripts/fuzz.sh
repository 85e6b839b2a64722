#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/, and runs
# each for SECONDS (default 30) on a copy of its seed corpus (tests/fuzz/corpus/<target>), so the
# checked-in corpus is only changed on purpose. A finding stops the script non-zero and leaves
# the reproducer in build-fuzz/findings/<target>/. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("${@:-session media adm}")
read -r -a targets <<<"${targets[*]}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DVKMIX_FUZZ=ON -DVKMIX_BUILD_TESTS=OFF -DVKMIX_BUILD_BENCHMARKS=OFF >/dev/null
for t in "${targets[@]}"; do
  findings=build-fuzz/findings/$t
  mkdir -p "$findings"
  cmake --build build-fuzz --target "${t}_fuzzer" >/dev/null
  work=build-fuzz/corpus-$t
  rm -rf "$work" && mkdir -p "$work" && cp tests/fuzz/corpus/"$t"/* "$work"/
  echo "== ${t}_fuzzer, $seconds s"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-fuzz/tests/fuzz/"${t}_fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$work" 2>&1 |
    grep -E "^(#[0-9]+\s+(DONE|INITED)|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|==[0-9]+==ERROR|SUMMARY|Test unit written)" || true
  if ls "$findings"/* >/dev/null 2>&1; then
    echo "fuzz: ${t}_fuzzer found a crash: $(ls "$findings")" >&2
    exit 1
  fi
done
echo "fuzz: ok"
