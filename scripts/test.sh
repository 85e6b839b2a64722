#!/usr/bin/env bash
# Sets up (Debian packages), builds everything with warnings as errors, checks formatting and the
# module layering, runs the whole test suite (ctest; GPU tests run on lavapipe without a GPU), the
# suite again under ASan + UBSan, and a short smoke run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Test binaries run as GoogleTest shards (tests/CMakeLists.txt): a process per test costs CI
# nearly half again the CPU. `cmake -DVKMIX_TEST_SHARDS=OFF build` brings back ctest -R.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKMIX_WERROR=ON \
  -DVKMIX_TEST_SHARDS=ON >/dev/null
cmake --build build
bash scripts/check_layering.sh
bash scripts/check_format.sh
ctest --test-dir build --output-on-failure -j2
# The suite again under ASan + UBSan (clang, build-asan/; all but the end-to-end cli and ui
# binaries, see the script), then a fuzz smoke run: each libFuzzer target (tests/fuzz), built in
# the same tree, for 15 s.
bash scripts/test_sanitizers.sh
bash scripts/fuzz.sh --build build-asan 15
