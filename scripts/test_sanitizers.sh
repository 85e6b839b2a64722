#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in a separate clang build
# (build-asan/), and the libFuzzer targets built in the same tree (-DVKMIX_FUZZ=ON: coverage
# counters everywhere, UB aborts), which the test command then runs with
# `scripts/fuzz.sh --build build-asan`. Clang, -O1 and line tables only (-g1): GCC took twice as
# long to build the same instrumented code. VkFFT's wrapper (src/gpu/fft_plan.cpp) stays
# uninstrumented (src/CMakeLists.txt).
#
#   scripts/test_sanitizers.sh          what the test command (CI) runs: every test binary but the
#                                       end-to-end cli and ui ones (ctest labels), whose code below
#                                       the command line is the engine's, sanitized here; building
#                                       and running those two added ~2 minutes to CI's 15.
#   scripts/test_sanitizers.sh --all    the whole suite
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
[[ ${1:-} == --all ]] && all=1
bash scripts/setup.sh >/dev/null
# A build-asan/ configured with another compiler (GCC, before) is started afresh.
if [[ -f build-asan/CMakeCache.txt ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DVKMIX_BUILD_BENCHMARKS=OFF -DVKMIX_SANITIZE=address,undefined -DVKMIX_FUZZ=ON \
  -DVKMIX_TEST_SHARDS=ON \
  -DCMAKE_CXX_FLAGS="-O1" -DCMAKE_CXX_FLAGS_DEBUG="-g1" >/dev/null
exclude=()
if ((all)); then
  cmake --build build-asan
else
  # A test binary added without being listed here shows up below as "Not Run" and fails.
  cmake --build build-asan --target session_test layout_test loudness_test wave_test adm_test \
    io_test gpu_test dsp_test engine_test binaural_test binaural_gpu_test session_fuzzer media_fuzzer \
    adm_fuzzer
  exclude=(-LE 'cli|ui')
fi
# Leak checking is off: Mesa's lavapipe keeps allocations for the life of the process.
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2 "${exclude[@]}"
