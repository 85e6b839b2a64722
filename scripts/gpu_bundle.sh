#!/usr/bin/env bash
# Packs this machine's build for a GPU machine that has none of the Debian packages (a CUDA image,
# say): the stripped binaries, and every shared library they load except glibc's own, xz-compressed.
# scripts/gpu_check.sh unpacks it there, runs the test binaries against the real GPU and times the
# benchmarks. glibc stays out: the target's must be 2.36 or newer (Debian 12's), which gpu_check.sh
# checks first. The archive is cut into pieces of 40 MB (part-aa, part-ab, ...), so that a transfer
# limit per copy can be met by copying them one at a time.
#   bash scripts/gpu_bundle.sh [DIR]     (default .gpu-bundle, which .gitignore keeps out of git)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.gpu-bundle}
cmake --build build >/dev/null
rm -rf "$out" && mkdir -p "$out/stage/bin" "$out/stage/tests" "$out/stage/lib"
stage=$out/stage
bins=(build/src/vkmix build/benchmarks/vkmix_bench_session build/benchmarks/vkmix_bench_feature
  build/benchmarks/mix_benchmark build/benchmarks/convolver_benchmark build/assets/vkmix_make_demo
  "$(command -v ffmpeg)" "$(command -v ffprobe)" "$(command -v sox)" /usr/bin/time "$(command -v bc)"
  "$(command -v jq)")
for b in "${bins[@]}"; do strip -o "$stage/bin/$(basename "$b")" "$b"; done
# The UI test needs a display; the rest run against the device.
for t in build/tests/*_test; do
  [ "$(basename "$t")" = ui_test ] || strip -o "$stage/tests/$(basename "$t")" "$t"
done
# Every library the binaries load, less glibc's (the target's own is used).
ldd "$stage"/bin/* "$stage"/tests/* 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
  grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux-x86-64)\.so' |
  xargs -I{} cp -L {} "$stage/lib/"
# The test fixtures ask for the Khronos validation layer: it travels too (VK_LAYER_PATH=layers).
if [ -f /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ]; then
  mkdir -p "$stage/layers"
  cp /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json "$stage/layers/"
  cp /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$stage/lib/"
fi
git rev-parse --short HEAD >"$stage/commit"
# The tests find the CLI and the sources by this path, compiled in (VKMIX_SOURCE_DIR).
pwd >"$stage/srcdir"
tar -C "$stage" -cf - . | xz -T0 -6 | split -b 40M - "$out/part-"
rm -rf "$stage"
du -sh "$out"
