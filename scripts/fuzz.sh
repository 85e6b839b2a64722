#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz) for SECONDS (default 30) on a copy of its seed corpus
# (tests/fuzz/corpus/<target>), so the checked-in corpus is only changed on purpose. A finding
# stops the script non-zero and leaves the reproducer in <build>/findings/<target>/.
# The targets are built with clang, ASan and UBSan in build-fuzz/ (-O2), or with --build DIR in a
# build tree already configured with -DVKMIX_FUZZ=ON: the test command uses the sanitizer suite's
# build-asan/ (scripts/test_sanitizers.sh), which saves CI a third build.
# Usage: scripts/fuzz.sh [--build DIR] [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
if [[ ${1:-} == --build ]]; then
  build=$2
  shift 2
  if ! grep -q '^VKMIX_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "fuzz: $build is not a build tree configured with -DVKMIX_FUZZ=ON" >&2
    exit 2
  fi
else
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVKMIX_FUZZ=ON -DVKMIX_BUILD_TESTS=OFF -DVKMIX_BUILD_BENCHMARKS=OFF >/dev/null
fi
seconds=${1:-30}
shift || true
targets=("${@:-session media adm}")
read -r -a targets <<<"${targets[*]}"
for t in "${targets[@]}"; do
  findings=$build/findings/$t
  mkdir -p "$findings"
  cmake --build "$build" --target "${t}_fuzzer" >/dev/null
  work=$build/corpus-$t
  rm -rf "$work" && mkdir -p "$work" && cp tests/fuzz/corpus/"$t"/* "$work"/
  echo "== ${t}_fuzzer, $seconds s"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build"/tests/fuzz/"${t}_fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$work" 2>&1 |
    grep -E "^(#[0-9]+\s+(DONE|INITED)|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|==[0-9]+==ERROR|SUMMARY|Test unit written)" || true
  if ls "$findings"/* >/dev/null 2>&1; then
    echo "fuzz: ${t}_fuzzer found a crash: $(ls "$findings")" >&2
    exit 1
  fi
done
echo "fuzz: ok"
