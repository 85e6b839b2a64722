#!/usr/bin/env bash
# Dialogue denoise, vkmix against FFmpeg's afftdn in the same run (issue 5).
# Material (vkmix_denoise_eval make): 20 s of speech-like signal after 1 s of noise alone, in
# white, pink, brown noise and 50 Hz hum + harmonics, at 0, 5 and 10 dB SNR, 48 kHz mono.
# vkmix: one fixed setting for every case, `vkmix denoise --reduction 24 --smoothing 0 --learn
# 0:0.9` (plus `--hum 50` on the hum cases); and, per case, the vkmix setting with the most SNR
# gain whose speech loss is no more than afftdn's best. afftdn: its documented options, searched per case, and the best
# SNR gain kept: nr 12/20/30/40, nf set to the noise's true RMS level (an oracle afftdn users do
# not have), noise type white or sampled over the same 0-0.9 s (asendcmd sn start/stop), with and
# without tn=1. Scores (tests/support/speech.hpp): SNR gain, segmental SNR gain, speech loss
# (mean level the speech lost in bands where it is 10 dB over the noise: the distortion a
# denoiser inflicts), level in speech pauses relative to the input.
# Then the cost: `vkmix render` of 60 s sessions with 1 and 32 denoised dialogue tracks, each
# device's runs interleaved with the others' and afftdn's, REPEATS times (default 3), the fastest
# kept (the host's speed drifts within minutes; interleaving exposes every device to the same drift).
# VKMIX_DEVICE names the device vkmix runs on (default: a GPU, else the native CPU backend;
# llvmpipe: Vulkan on the CPU; reference: the double-precision reference); the native CPU backend
# ("cpu") is always reported beside it. VKMIX_BASELINE=path/to/vkmix adds that build's CPU backend
# (e.g. an older commit's) to the cost table, interleaved with this one. QUALITY_NOISES (default
# "white pink brown hum") and COST_TRACKS (default "1 32") pick the rows; empty skips a table.
set -euo pipefail
cd "$(dirname "$0")/.."
reduction=${REDUCTION:-24}
quality=${QUALITY_NOISES-white pink brown hum}  # empty: no quality table
tracks=${COST_TRACKS-1 32}                      # empty: no cost table
smoothing=${SMOOTHING:-0}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target vkmix vkmix_denoise_eval >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
eval=build/benchmarks/vkmix_denoise_eval
vkmix=build/src/vkmix
# The devices of the tables: VKMIX_DEVICE (else "default", vkmix's own choice, named cpu where
# `vkmix devices` marks the CPU backend as the default), then the CPU backend if not that already.
listing=$($vkmix devices)
main=${VKMIX_DEVICE:-default}
[ "$main" = default ] && [[ "$listing" =~ (^|$'\n')cpu\ [^$'\n']*\[the\ default ]] && main=cpu
devices=("$main")
[ "$main" = cpu ] || devices+=(cpu)
deviceArgs() { [ "$1" = default ] || echo "--device $1"; }
echo "== $(date -u +%F) commit $(git rev-parse --short HEAD), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), devices: ${devices[*]}, $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
echo "$listing" | sed 's/  */ /g; s/^/   /'

$eval make "$dir" 20
echo "| noise | SNR in | device | vkmix SNR gain | seg. SNR gain | speech loss | pauses | afftdn best (nr, noise, tn) | afftdn SNR gain | seg. SNR gain | speech loss | pauses | vkmix at no more speech loss than afftdn | its SNR gain | its speech loss |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
score() { $eval score "$dir/clean.wav" "$base.noise.wav" "$base.wav" "$1"; }
for kind in $quality; do
  for snr in 0 5 10; do
    base="$dir/${kind}_$snr"
    extra=()
    [ "$kind" = hum ] && extra=(--hum 50)
    vkdenoise() { $vkmix denoise "$base.wav" -o "$dir/vk.wav" --learn 0:0.9 "${extra[@]}" -q -y $(deviceArgs "$device") "$@" >/dev/null; }
    read -r in _ segin _ <<<"$(score "$base.wav")"
    nf=$(ffmpeg -nostdin -i "$base.noise.wav" -af astats -f null - 2>&1 | awk '/RMS level dB/ {printf "%d", $NF; exit}')
    nf=$((nf < -80 ? -80 : (nf > -20 ? -20 : nf)))
    best=""; bestgain=-99; bestdist=0
    for nr in 12 20 30 40; do
      for mode in white sampled; do
        for tn in 0 1; do
          af="afftdn=nr=$nr:nf=$nf:tn=$tn"
          [ "$mode" = sampled ] && af="asendcmd=0.0 afftdn sn start,asendcmd=0.9 afftdn sn stop,$af"
          ffmpeg -nostdin -loglevel error -y -i "$base.wav" -af "$af" -c:a pcm_f32le "$dir/ff.wav"
          read -r _ ff _ ffseg ffdist ffres _ <<<"$(score "$dir/ff.wav")"
          if (($(echo "$ff - $in > $bestgain" | bc -l))); then
            bestgain=$(echo "$ff - $in" | bc -l); bestdist=$ffdist; best="$nr, $mode, $tn"
            bestrow="$(printf "%.2f dB | %.2f dB | %.2f dB | %.1f dB" "$bestgain" "$(echo "$ffseg - $segin" | bc -l)" "$ffdist" "$ffres")"
          fi
        done
      done
    done
    for device in "${devices[@]}"; do
      vkdenoise --reduction "$reduction" --smoothing "$smoothing"
      read -r in vk segin vkseg vkdist vkres _ <<<"$(score "$dir/vk.wav")"
      # vkmix settings whose speech loss is no more than afftdn's best: the one with most SNR gain.
      match="none"; matchgain=-99; matchdist=0
      for r in 3 6 9 12 18 24; do
        for sm in 0 0.25 0.5; do
          vkdenoise --reduction "$r" --smoothing "$sm"
          read -r _ v _ _ d _ _ <<<"$(score "$dir/vk.wav")"
          if (($(echo "$d <= $bestdist && $v - $in > $matchgain" | bc -l))); then
            matchgain=$(echo "$v - $in" | bc -l); matchdist=$d; match="--reduction $r --smoothing $sm"
          fi
        done
      done
      printf "| %s | %d dB | %s | %.2f dB | %.2f dB | %.2f dB | %.1f dB | %s | %s | %s | %.2f dB | %.2f dB |\n" "$kind" "$snr" "$device" \
        "$(echo "$vk - $in" | bc -l)" "$(echo "$vkseg - $segin" | bc -l)" "$vkdist" "$vkres" "$best" "$bestrow" "$match" "$matchgain" "$matchdist"
    done
  done
done

# Cost per track: sessions of 60 s with N denoised mono dialogue tracks (pink noise at 5 dB).
timeit() {  # prints "wall_seconds peak_kb"
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null 2>&1
  cat "$dir/t"
}
ffmpeg -nostdin -loglevel error -y -stream_loop 2 -i "$dir/pink_5.wav" -t 60 -c:a pcm_f32le "$dir/dx60.wav"
session() {  # session N WITH_DENOISE > json
  echo '{"vkmix": 1, "layout": "7.1.4", "tracks": ['
  for ((t = 0; t < $1; ++t)); do
    [ "$t" -gt 0 ] && echo ","
    dn=""; [ "$2" = 1 ] && dn='"denoise": {"reductionDb": 18},'
    echo "{\"name\": \"dx$t\", \"stem\": \"dialogue\", $dn \"position\": {\"azimuth\": $((t * 7 % 120 - 60))}, \"clips\": [{\"file\": \"dx60.wav\"}]}"
  done
  echo ']}'
}
# The runs of the cost table: label, then the command (its output goes to $dir/out.wav).
runs=()
for device in "${devices[@]}"; do runs+=("$device|$vkmix|$device"); done
if [ -n "${VKMIX_BASELINE:-}" ]; then
  runs+=("cpu, baseline $("$VKMIX_BASELINE" --version | grep -o 'commit [0-9a-f]*')|$VKMIX_BASELINE|cpu")
fi
repeats=${REPEATS:-3}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
echo
echo "Fastest of $repeats interleaved runs each."
echo
echo "| denoised tracks | device | vkmix render x realtime | track-seconds denoised per second | peak RSS | same tracks without denoise x realtime | afftdn (N channels, one process) x realtime |"
echo "|---|---|---|---|---|---|---|"
for n in $tracks; do
  session "$n" 1 >"$dir/s1.json"
  session "$n" 0 >"$dir/s0.json"
  inputs=(); merge=""
  for ((t = 0; t < n; ++t)); do inputs+=(-i "$dir/dx60.wav"); merge+="[$t:a]"; done
  dw=() dm=() pw=()  # per run: fastest wall time with denoise, its peak RSS, without denoise
  fw=""
  for ((k = 0; k < repeats; ++k)); do
    for i in "${!runs[@]}"; do
      IFS='|' read -r _ bin dev <<<"${runs[$i]}"
      for with in 1 0; do
        read -r w m <<<"$(timeit "$bin" render "$dir/s$with.json" -o "$dir/out.wav" -q -y $(deviceArgs "$dev"))"
        if [ "$with" = 1 ]; then
          [ "$(min "${dw[$i]:-}" "$w")" = "$w" ] && { dw[$i]=$w; dm[$i]=$m; }
        else
          pw[$i]=$(min "${pw[$i]:-}" "$w")
        fi
      done
    done
    if [ "$n" = 1 ]; then
      fr=$(timeit ffmpeg -nostdin -loglevel error -y -i "$dir/dx60.wav" -af "afftdn=nr=18:nf=-30" -f wav "$dir/ff.wav")
    else
      fr=$(timeit ffmpeg -nostdin -loglevel error -y "${inputs[@]}" -filter_complex "${merge}amerge=inputs=$n,afftdn=nr=18:nf=-30" -f wav "$dir/ff.wav")
    fi
    read -r f _ <<<"$fr"
    fw=$(min "$fw" "$f")
  done
  for i in "${!runs[@]}"; do
    IFS='|' read -r label _ _ <<<"${runs[$i]}"
    printf "| %d | %s | %.1fx | %.0fx | %d MB | %.1fx | %.1fx |\n" "$n" "$label" "$(echo "60 / ${dw[$i]}" | bc -l)" \
      "$(echo "60 * $n / ${dw[$i]}" | bc -l)" $((${dm[$i]} / 1024)) "$(echo "60 / ${pw[$i]}" | bc -l)" "$(echo "60 / $fw" | bc -l)"
  done
done
