#!/usr/bin/env bash
# The GPU checks on a machine with a real GPU but none of our Debian packages (a CUDA image): unpacks
# what scripts/gpu_bundle.sh packed, runs every test binary against the GPU (CI=true, so a missing
# device fails instead of skipping), renders the demo, then times the benchmarks: the mixer alone
# (mix_benchmark), the convolver alone (convolver_benchmark), benchmarks/run_mix.sh and
# benchmarks/run_reverb.sh with their peers, and the feature-scale reel (benchmarks/run_feature.sh).
#   bash scripts/gpu_check.sh BUNDLE_DIR OUT_DIR [steps]
# BUNDLE_DIR holds the bundle's pieces (part-*); steps defaults to "tests mixer convolver scaling mix
# reverb feature demo", in order of what matters most when time runs short.
# Each step has its own time limit and writes its log to OUT_DIR as it goes. GPU_CHECK_ALLOW_CPU=1
# lets a dry run go on with lavapipe.
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=$(realpath "$1")
out=$(realpath "$2")
steps=${3:-tests mixer convolver scaling mix reverb feature demo}
mkdir -p "$out"
log() { echo "[$(date -u +%T)] $*" | tee -a "$out/summary.txt"; }

root=$bundle/root
if [ ! -x "$root/bin/vkmix" ]; then
  mkdir -p "$root" && cat "$bundle"/part-* | xz -d -T0 | tar -x -C "$root" || { log "unpack failed"; exit 1; }
fi
export PATH=$root/bin:$PATH LD_LIBRARY_PATH=$root/lib VK_LAYER_PATH=$root/layers CI=true
glibc=$(ldd --version | head -1 | grep -o '[0-9.]*$')
log "host: $(nproc) cores, glibc $glibc, $(. /etc/os-release && echo "$PRETTY_NAME"), commit $(cat "$root/commit")"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader 2>/dev/null |
  while read -r l; do log "nvidia-smi: $l"; done
# Finding the driver: as the image is, then with the GL/Vulkan loader packages in .gl/ (Debian's
# libvulkan1 and glvnd, unpacked into /), then with the NVIDIA manifest named, then with the system's
# C++ runtime and GL libraries in place of the bundle's. The loader's own account of each miss goes
# to setup.log. (What comes back from a lent machine may be limited to a few files: the steps
# write summary.txt, setup.log, tests.tar.gz, mixer.txt, mix.txt, reverb.txt, feature.txt and
# demo.log.)
gpu_found() { vkmix devices 2>>"$out/setup.log" | grep -qv ' cpu '; }
for remedy in none packages manifest system-libs; do
  case $remedy in
  packages)
    for f in .gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig ;;
  manifest)
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
      [ -f "$f" ] && export VK_DRIVER_FILES=$f VK_ICD_FILENAMES=$f && break
    done ;;
  system-libs)
    mkdir -p "$root/lib-aside"
    mv "$root"/lib/lib{stdc++,gcc_s,GL,GLX,GLdispatch,EGL,vulkan}.so* "$root/lib-aside/" 2>/dev/null ;;
  esac
  if gpu_found; then log "driver found ($remedy)"; break; fi
  echo "== loader, $remedy" >>"$out/setup.log"
  VK_LOADER_DEBUG=error,warn,driver vkmix devices >>"$out/setup.log" 2>&1
done
devices=$(vkmix devices 2>>"$out/setup.log")
log "devices: $(echo "$devices" | tr '\n' ';' | sed 's/  */ /g')"
grep -qv ' cpu ' <<<"$devices" || [ -n "${GPU_CHECK_ALLOW_CPU:-}" ] || {
  log "no GPU device"; tail -40 "$out/setup.log"; exit 1; }
device=$(head -1 <<<"$devices" | sed 's/  */ /g')

# The test binaries find the CLI and the sources by the paths they were built with.
src=$(cat "$root/srcdir")
if [ "$(realpath "$src" 2>/dev/null)" != "$(pwd)" ]; then
  if [ -e "$src" ] && [ ! -L "$src" ]; then
    log "warning: $src is another checkout; the tests read it"
  else
    mkdir -p "$(dirname "$src")" && ln -sfn "$(pwd)" "$src"
  fi
fi
mkdir -p build/src build/benchmarks
cp "$root/bin/vkmix" build/src/ &&
  cp "$root/bin/vkmix_bench_session" "$root/bin/vkmix_bench_feature" "$root/bin/mix_benchmark" \
    "$root/bin/convolver_benchmark" build/benchmarks/

# Every step runs under the time left before GPU_CHECK_SECONDS (default 600) and its own cap, and
# is skipped when less than 15 s are left: a lease that ends mid-run still returns the logs.
deadline=$((SECONDS + ${GPU_CHECK_SECONDS:-600}))
limit() {  # limit CAP: seconds this step may take, 0 when it should be skipped
  local left=$((deadline - SECONDS - 5))
  [ "$left" -lt 15 ] && { echo 0; return; }
  echo $(($1 < left ? $1 : left))
}
for step in $steps; do
  case $step in
  tests) cap=120 ;; mixer) cap=30 ;; convolver) cap=30 ;; scaling) cap=120 ;; mix) cap=200 ;;
  reverb) cap=150 ;; feature) cap=240 ;; *) cap=40 ;;
  esac
  t=$(limit $cap)
  [ "$t" = 0 ] && { log "$step: skipped, out of time"; continue; }
  case $step in
  tests)
    mkdir -p "$out/tests"
    for b in "$root"/tests/*; do
      (timeout "$t" "$b" --gtest_brief=1 >"$out/tests/$(basename "$b").log" 2>&1
        echo $? >"$out/tests/$(basename "$b").rc") &
    done
    wait
    for r in "$out"/tests/*.rc; do
      n=$(basename "$r" .rc)
      log "test $n: rc $(cat "$r"), $(grep -E '^\[  PASSED  \]|^\[  FAILED  \]|^\[  SKIPPED \]' "$out/tests/$n.log" | tr '\n' ' ')"
      grep -E '^\[  FAILED  \] [A-Za-z]' "$out/tests/$n.log" | head -5 | while read -r l; do log "  $l"; done
    done
    tar -C "$out" -czf "$out/tests.tar.gz" tests && rm -rf "$out/tests"
    ;;
  demo)
    d=$(mktemp -d)
    timeout "$t" vkmix_make_demo assets/demo/media >"$out/demo.log" 2>&1
    timeout "$t" vkmix render assets/demo/demo.json -y -o "$d/demo.wav" 2>>"$out/demo.log" >/dev/null
    for run in 1 2 3; do
      /usr/bin/time -f "%e s wall, %M KB" timeout "$t" vkmix render -y assets/demo/demo.json \
        -o "$d/demo.wav" -q 2>>"$out/demo.log" >/dev/null
    done
    log "demo: $(grep 'realtime' "$out/demo.log" | tail -1), quiet runs: $(grep 'wall,' "$out/demo.log" | tr '\n' ' '), md5 $(md5sum <"$d/demo.wav" | cut -c1-12)"
    ;;
  mixer)
    # The device's own static-voice kernel, then each one forced (VKMIX_MIX_KERNEL).
    for kernel in auto narrow wide; do
      VKMIX_MIX_KERNEL=$kernel timeout "$t" mix_benchmark --benchmark_min_time=0.2 \
        --benchmark_filter=GpuMix >>"$out/mixer.txt" 2>&1
    done
    log "mixer: $(grep -E 'BM_GpuMix' "$out/mixer.txt" | sed -E 's#^(BM_GpuMix[A-Za-z]*/[0-9]+)/real_time .*xRealtime=([0-9.]+)/s .*, ([a-z_]+)$#\1 \2x \3#' | tr '\n' ' ')"
    ;;
  convolver)
    # One partition through GpuConvolver for run_reverb.sh's shapes, and the IR spectra on the CPU.
    timeout "$t" convolver_benchmark --benchmark_min_time=0.2 >"$out/convolver.txt" 2>&1
    log "convolver: $(grep -E '^BM_' "$out/convolver.txt" | sed -E 's#^BM_([A-Za-z]+)(/[0-9/]+)?/real_time +([0-9.]+ ms).*#\1\2 \3#' | tr '\n' ' ')"
    ;;
  scaling)
    # run_mix.sh's 1024-voice session (20 s) rendered with 0 to 14 row-reading threads and each
    # static kernel, then 256 moving objects; every render's bytes against the first of its kernel
    # (the kernels round differently).
    d=$(mktemp -d)
    end=$((SECONDS + t))
    voices=${SCALING_VOICES:-1024}
    vkmix_bench_session "$d/s" --objects "$voices" --seconds 20 --media "$voices" --moving 0 >/dev/null
    vkmix_bench_session "$d/m" --objects 256 --seconds 20 --media 256 --moving 256 >/dev/null
    for run in "0 auto" "4 auto" "8 auto" "14 auto" "14 narrow" "-1 auto"; do
      read -r threads kernel <<<"$run"
      [ $SECONDS -ge $end ] && break
      args=(); [ "$threads" -ge 0 ] && args=(--read-threads "$threads")
      w=$( { VKMIX_MIX_KERNEL=$kernel /usr/bin/time -f "%e" timeout $((end - SECONDS)) vkmix render \
        "$d/s/session.json" -o "$d/out.wav" -y --format wav32f -q "${args[@]}" >/dev/null; } 2>&1 | tail -1)
      [ -f "$d/first-$kernel.wav" ] || cp "$d/out.wav" "$d/first-$kernel.wav"
      same=$(cmp -s "$d/out.wav" "$d/first-$kernel.wav" && echo same || echo DIFFERENT)
      log "scaling: $voices voices, read threads ${threads/-1/default}, kernel $kernel: $w s ($(echo "20 / $w" | bc -l | cut -c1-5)x), bytes $same"
    done
    # Uploads read by the shaders straight from host memory (the default on a discrete GPU
    # stages them into device memory first): the same bytes, and which is faster here.
    if [ $SECONDS -lt $end ]; then
      w=$( { VKMIX_GPU_STAGING=0 /usr/bin/time -f "%e" timeout $((end - SECONDS)) vkmix render \
        "$d/s/session.json" -o "$d/out.wav" -y --format wav32f -q >/dev/null; } 2>&1 | tail -1)
      same=$(cmp -s "$d/out.wav" "$d/first-auto.wav" && echo same || echo DIFFERENT)
      log "scaling: $voices voices, uploads not staged (VKMIX_GPU_STAGING=0): $w s, bytes $same"
    fi
    [ $SECONDS -lt $end ] && log "scaling: 256 moving objects: $( { /usr/bin/time -f "%e" timeout $((end - SECONDS)) \
      vkmix render -y "$d/m/session.json" -o "$d/out.wav" --format wav32f -q >/dev/null; } 2>&1 | tail -1) s"
    rm -rf "$d"
    ;;
  mix)
    VKMIX_PREBUILT=1 VKMIX_COMMIT=$(cat "$root/commit") RUNS=3 FFMPEG_RUNS=1 FFMPEG_MAX_VOICES=256 \
      timeout "$t" bash benchmarks/run_mix.sh 64 256 1024 >"$out/mix.txt" 2>&1
    log "mix (rc $?):"; tee -a "$out/summary.txt" <"$out/mix.txt"
    ;;
  reverb)
    # 120 s of input: on a GPU, 30 s takes about what start-up takes.
    VKMIX_PREBUILT=1 VKMIX_COMMIT=$(cat "$root/commit") REVERB_SECONDS=${REVERB_SECONDS:-120} \
      timeout "$t" bash benchmarks/run_reverb.sh >"$out/reverb.txt" 2>&1
    log "reverb (rc $?):"; tee -a "$out/summary.txt" <"$out/reverb.txt"
    ;;
  feature)
    # The 10-minute reel, every stage on, on the GPU only: the CPU reference would take the
    # whole lease. Generating the reel's media takes about 10 s of the cap.
    VKMIX_PREBUILT=1 VKMIX_COMMIT=$(cat "$root/commit") FEATURE_MINUTES=${FEATURE_MINUTES:-10} \
      timeout "$t" bash benchmarks/run_feature.sh >"$out/feature.txt" 2>&1
    log "feature (rc $?):"; tee -a "$out/summary.txt" <"$out/feature.txt"
    ;;
  esac
done
log "done on $device"
