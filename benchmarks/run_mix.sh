#!/usr/bin/env bash
# Pan + mix of N mono voices to 7.1.4 (12 channels), vkmix against the command-line peers in the
# same run (the shapes of ../shared/PEERS.md): FFmpeg `pan` per input + `amix`, and SoX `-M`
# merge + `remix`. 48 kHz, 20 s voices (MIX_SECONDS: issue 6 measured the peers at 60 s, where
# vkmix's fixed start-up, a quarter of a second on lavapipe, weighs a third as much); vkmix and SoX
# alternate for 5 runs each (median), FFmpeg median of 3 (1 at 1024 voices); peak RSS from
# /usr/bin/time.
#   bash benchmarks/run_mix.sh [N ...]        (default: 64 256 1024, the counts issue 6 asks for)
# On a machine with binaries already in build/ (scripts/gpu_check.sh): VKMIX_PREBUILT=1 skips the
# build, VKMIX_COMMIT names the commit, RUNS sets vkmix's and SoX's runs (5), FFMPEG_RUNS FFmpeg's
# (3, or 1 from 1024 voices) and FFMPEG_MAX_VOICES the largest count FFmpeg is timed at.
# VKMIX_DEVICE names the device vkmix renders on (default: a GPU, else the native CPU backend;
# llvmpipe: Vulkan on the CPU; reference: the double-precision reference).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/device_line.sh
if [ -z "${VKMIX_PREBUILT:-}" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build --target vkmix vkmix_bench_session >/dev/null
fi
command -v sox >/dev/null || { echo "SoX is not installed (apt-get install sox)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seconds=${MIX_SECONDS:-20}
counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(64 256 1024)
echo "== $(date -u +%F) commit ${VKMIX_COMMIT:-$(git rev-parse --short HEAD)}, ${seconds} s voices, $(nproc) cores, device: $(deviceLine), $(ffmpeg -version | head -1 | cut -d' ' -f1-3), $(sox --version | sed 's/.*SoX/SoX/')"
timeit() {
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null 2>&1 || { echo "failed: ${*:1:3} ..." >&2; return 1; }
  cat "$dir/t"
}
rtf() { if [ "$1" = 0 ]; then echo 0; else echo "$seconds / $1" | bc -l; fi; }  # 0: not timed
echo "| voices | vkmix x realtime | vkmix RSS | FFmpeg pan+amix x realtime | FFmpeg RSS | SoX x realtime | SoX RSS |"
echo "|---|---|---|---|---|---|---|"
for n in "${counts[@]}"; do
  # N distinct voices (static objects at random positions), written as N media files.
  rm -rf "$dir/s" && build/benchmarks/vkmix_bench_session "$dir/s" --objects "$n" --seconds $seconds --media "$n" --moving 0 >/dev/null
  # Random 12-channel gains per voice, the same for both peers.
  inputs=(); files=(); graph=""; remix=()
  declare -A gains=()
  for ((i = 0; i < n; ++i)); do
    inputs+=(-i "$dir/s/media/m$i.wav")
    files+=("$dir/s/media/m$i.wav")
    pan="FL+FR+FC+LFE+BL+BR+SL+SR+TFL+TFR+TBL+TBR"
    for ((c = 0; c < 12; ++c)); do
      g="0.$((RANDOM % 90 + 10))"; gains[$i,$c]=$g
      pan+="|c$c=$g*c0"
    done
    graph+="[$i:a]pan=$pan[p$i];"
  done
  for ((i = 0; i < n; ++i)); do graph+="[p$i]"; done
  graph+="amix=inputs=$n:normalize=0"
  for ((c = 0; c < 12; ++c)); do
    spec=""
    for ((i = 0; i < n; ++i)); do spec+="$((i + 1))v${gains[$i,$c]},"; done
    remix+=("${spec%,}")
  done
  # The graph goes in a file: at 1024 voices it is past the kernel's 128 KiB limit on one argument.
  printf '%s' "$graph" >"$dir/graph.txt"
  # FFmpeg's filtergraph takes minutes at 1024 voices: one run there, the median of 3 below.
  runs=${FFMPEG_RUNS:-3}; [ -z "${FFMPEG_RUNS:-}" ] && [ "$n" -ge 1024 ] && runs=1
  ff="0 0"
  if [ "$n" -le "${FFMPEG_MAX_VOICES:-1000000}" ]; then
    ff=$(for ((r = 0; r < runs; ++r)); do timeit ffmpeg -nostdin -loglevel error -y "${inputs[@]}" -filter_complex_script "$dir/graph.txt" -c:a pcm_f32le "$dir/ff.wav"; done | sort -n | sed -n "$(((runs + 1) / 2))p")
  fi
  # vkmix and SoX alternate, five runs each, so a busy spell on a shared host hits both alike.
  : >"$dir/vk.times"; : >"$dir/sx.times"
  vkruns=${RUNS:-5}
  for ((r = 0; r < vkruns; ++r)); do
    timeit build/src/vkmix render "$dir/s/session.json" -o "$dir/vk.wav" --format wav32f -q -y ${VKMIX_DEVICE:+--device "$VKMIX_DEVICE"} >>"$dir/vk.times"
    timeit sox -M "${files[@]}" -e floating-point -b 32 "$dir/sx.wav" remix "${remix[@]}" >>"$dir/sx.times"
  done
  mid=$(((vkruns + 1) / 2))
  vk=$(sort -n "$dir/vk.times" | sed -n ${mid}p); sx=$(sort -n "$dir/sx.times" | sed -n ${mid}p)
  read -r vkw vkm <<<"$vk"; read -r ffw ffm <<<"$ff"; read -r sxw sxm <<<"$sx"
  printf "| %d | %.1fx | %d MB | %.1fx | %d MB | %.1fx | %d MB |\n" "$n" "$(rtf "$vkw")" $((vkm / 1024)) \
    "$(rtf "$ffw")" $((ffm / 1024)) "$(rtf "$sxw")" $((sxm / 1024))
  unset gains
done
