#!/usr/bin/env bash
# A feature-scale render (issue 25): a reel shaped like a real one (benchmarks/make_feature.cpp:
# 127 sparse tracks, thousands of clips from a few hundred short media files, denoised dialogue,
# moving objects with extent, four reverb buses including a 12-channel 6 s hall), rendered with
# every stage on: the 7.1.4 mix, DME stems, 5.1 and 2.0 downmixes, normalisation to -27 LUFS on
# dialogue. One row per device: audio rendered, wall time, x realtime, CPU seconds per second of
# audio and peak RSS (/usr/bin/time), the device the report names, the time of each pass (from
# `--progress json`: normalising renders the session once to measure, then again to deliver), and
# the report's `backend` figures where it has them.
#   bash benchmarks/run_feature.sh
# FEATURE_MINUTES (10) sets the reel's length; FEATURE_DEVICES ("default"; "default cpu" adds
# `--device cpu`) the devices; FEATURE_DIR keeps the session, renders and reports there (default:
# a temporary folder, removed at the end). VKMIX_PREBUILT=1 skips the build (binaries in build/),
# VKMIX_COMMIT names the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VKMIX_PREBUILT:-}" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build --target vkmix vkmix_bench_feature >/dev/null
fi
minutes=${FEATURE_MINUTES:-10}
if [ -n "${FEATURE_DIR:-}" ]; then
  dir=$FEATURE_DIR && mkdir -p "$dir"
else
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi

# field REPORT PATH: a value of the report JSON (PATH as in jq: .backend.chunks), empty if absent.
field() {
  if command -v jq >/dev/null; then
    jq -r "$2 // empty" "$1"
  else
    python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].lstrip(".").split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)
PY
  fi
}

# megabytes REPORT PATH: a byte count as MB, "?" if absent.
megabytes() {
  local bytes
  bytes=$(field "$1" "$2")
  if [ -n "$bytes" ]; then printf "%.1f MB" "$(echo "$bytes / 1000000" | bc -l)"; else echo "?"; fi
}

# passes LOG: each pass's stage and seconds, from its last progress line (position / speed).
passes() {
  if command -v jq >/dev/null; then
    grep '"passes"' "$1" | jq -rs 'group_by(.pass)[] | last | select(.speed > 0) |
      "\(.stage) \(.duration / .speed * 10 | round / 10) s"' | paste -sd, - | sed 's/,/, /g'
  else
    python3 - "$1" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    if '"passes"' in line:
        p = json.loads(line)
        last[p["pass"]] = p
print(", ".join(f'{p["stage"]} {p["duration"] / p["speed"]:.1f} s'
                for _, p in sorted(last.items()) if p["speed"] > 0))
PY
  fi
}

echo "== $(date -u +%F) commit ${VKMIX_COMMIT:-$(git rev-parse --short HEAD)}, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), devices: ${FEATURE_DEVICES:-default} (each row names its own)"
start=$SECONDS
build/benchmarks/vkmix_bench_feature "$dir/s" --minutes "$minutes"
echo "(generated in $((SECONDS - start)) s)"
echo
echo "| device | audio | wall | x realtime | CPU s per audio s | peak RSS | report's device | voices: all (peak sounding) | block | passes |"
echo "|---|---|---|---|---|---|---|---|---|---|"
backends=()
for dev in ${FEATURE_DEVICES:-default}; do
  args=(); [ "$dev" != default ] && args=(--device "$dev")
  out=$dir/out-$dev && mkdir -p "$out/stems"
  if ! /usr/bin/time -f "%e %M %U %S" -o "$dir/time-$dev" build/src/vkmix render "$dir/s/session.json" \
    -o "$out/mix.wav" -y --layout 7.1.4 --stems "$out/stems" --downmix 5.1="$out/mix-5.1.wav" \
    --downmix 2.0="$out/mix-2.0.wav" --loudness-target -27 --loudness-reference dialogue \
    --report "$out/report.json" -q --progress json "${args[@]}" >"$out/render.log" 2>&1; then
    echo "| $dev | render failed: $(grep -v '"passes"' "$out/render.log" | tail -1) |"
    continue
  fi
  read -r wall rssKb user sys <"$dir/time-$dev"
  r=$out/report.json
  audio=$(field "$r" .durationSeconds)
  printf "| %s | %.1f min | %.1f s | %.2fx | %.2f | %d MB | %s | %s (%s) | %s | %s |\n" "$dev" \
    "$(echo "$audio / 60" | bc -l)" "$wall" "$(echo "$audio / $wall" | bc -l)" \
    "$(echo "($user + $sys) / $audio" | bc -l)" $((rssKb / 1024)) "$(field "$r" .device)" \
    "$(field "$r" .voices)" "$(field "$r" .peakVoices)" "$(field "$r" .blockFrames)" \
    "$(passes "$out/render.log")"
  if [ -n "$(field "$r" .backend.name)" ]; then
    row="| $dev | $(field "$r" .backend.name) | $(field "$r" .backend.chunks)"
    row+=" | $(field "$r" .backend.submissions) | $(megabytes "$r" .backend.hostToDeviceBytes)"
    row+=" | $(megabytes "$r" .backend.deviceToHostBytes) | $(field "$r" .backend.hostCpuSeconds) s"
    backends+=("$row | $(field "$r" .backend.loopCpuSeconds) s |")
  fi
  # A 10-minute render writes 4.6 GB (mix, three stems, two downmixes): only FEATURE_DIR keeps it.
  [ -n "${FEATURE_DIR:-}" ] || rm -rf "$out/stems" "$out"/*.wav
done
if [ ${#backends[@]} -gt 0 ]; then
  echo
  echo "| device | backend | chunks | submissions | host to device | device to host | host CPU | loop CPU |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${backends[@]}"
fi
