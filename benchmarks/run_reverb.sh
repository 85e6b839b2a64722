#!/usr/bin/env bash
# Convolution reverb, vkmix against FFmpeg's afir in the same run: 1, 4 and 16 IR channels x 2 s
# and 6 s IRs (issue 4's table) and 10 s (its longest IR), 30 s of input (REVERB_SECONDS), 48 kHz;
# REVERB_CHANNELS and REVERB_IR_SECONDS pick rows. The same convolutions on both sides, and the
# same file out of both (afir's outputs panned as vkmix's bus returns them):
#   1 ch:  a mono IR on a mono input, returned to 2.0 at the phantom centre
#          (vkmix: mono bus in a 2.0 render; afir: then pan to both channels at vkmix's gain)
#   4 ch:  4 IR channels, LL and LR returned to 2.0 (vkmix: true-stereo bus LL LR RL RR in a 2.0
#          render, the source at L; afir: 4 x 4-ch, then LL to L and LR to R)
#   16 ch: one IR channel per output (9.1.6)        (vkmix: per-speaker bus; afir: 16-ch input and IR)
# Both write the whole convolution (input + IR: afir's input is padded) as 32-bit float WAV. Until
# 2026-12-07 afir wrote its own outputs (1 channel for the mono row, 4 for true stereo) while
# vkmix wrote 2: RESULTS.md's earlier tables are on that footing.
# Realtime factor = input seconds / wall seconds (median of 3); peak RSS from /usr/bin/time.
# REVERB_SECONDS="30 120" (two lengths) times each row at both and splits each tool's wall time
# into a fixed part (start-up, IR set-up, the tail) and a steady speed: the extra input seconds
# over the extra wall seconds, what a long render runs at once started.
# VKMIX_PREBUILT=1 skips the build and VKMIX_COMMIT names the commit (scripts/gpu_check.sh).
# VKMIX_BASELINE names another vkmix binary (an older build) timed in the same runs, interleaved
# run by run with vkmix and afir, as a column of the one-length table; REVERB_RUNS runs per tool
# (default 3, median).
# VKMIX_DEVICE names the device vkmix renders on (default: a GPU, else the native CPU backend;
# llvmpipe: Vulkan on the CPU; reference: the double-precision reference).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/device_line.sh
if [ -z "${VKMIX_PREBUILT:-}" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build --target vkmix >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# REVERB_SECONDS lengthens the input: on a real GPU 30 s takes about what start-up takes.
read -r -a lengths <<<"${REVERB_SECONDS:-30}"
if [ "${#lengths[@]}" -gt 2 ] || { [ "${#lengths[@]}" = 2 ] && [ "${lengths[1]}" -le "${lengths[0]}" ]; }; then
  echo "REVERB_SECONDS: one input length, or two in increasing order" >&2
  exit 2
fi
echo "== $(date -u +%F) commit ${VKMIX_COMMIT:-$(git rev-parse --short HEAD)}, $(nproc) cores, device: $(deviceLine), $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
for len in "${lengths[@]}"; do
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "anoisesrc=d=$len:c=pink:r=48000:a=0.3:seed=1" "$dir/in$len.wav"
done
runs=${REVERB_RUNS:-3}
median() { sort -n | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }
# Wall time from bash's microsecond clock: /usr/bin/time's %e counts hundredths, and a mono row's
# 120 s render takes about 0.13 s, so both tools often read the same. Peak RSS from /usr/bin/time.
timeit() {  # prints "wall_seconds peak_kb"
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$dir/t" "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  echo "$(echo "$end - $start" | bc -l) $(cat "$dir/t")"
}
a=${lengths[0]} b=${lengths[1]:-}
if [ "${#lengths[@]}" = 1 ]; then
  if [ -n "${VKMIX_BASELINE:-}" ]; then
    echo "| IR channels | IR length | vkmix x realtime | baseline x realtime | vkmix peak RSS | afir x realtime | afir peak RSS | output frames vkmix / afir | peak difference dBFS |"
    echo "|---|---|---|---|---|---|---|---|---|"
  else
    echo "| IR channels | IR length | vkmix x realtime | vkmix peak RSS | afir x realtime | afir peak RSS | output frames vkmix / afir | peak difference dBFS |"
    echo "|---|---|---|---|---|---|---|---|"
  fi
else
  echo "| IR channels | IR length | vkmix x realtime $a s / $b s | vkmix steady x realtime | vkmix fixed s | afir x realtime $a s / $b s | afir steady x realtime | afir fixed s | vkmix peak RSS $b s | afir peak RSS $b s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
fi
for ch in ${REVERB_CHANNELS:-1 4 16}; do
  for irs in ${REVERB_IR_SECONDS:-2 6 10}; do
    # A decaying noise IR with independent channels, 60 dB down at its end (an RT60 of its
    # length), in float: every frame of it is above -120 dB, so both tools convolve all of it
    # (16-bit samples of a faster decay are zeros after a few seconds).
    inputs=(); merge=""
    for ((c = 0; c < ch; ++c)); do
      ffmpeg -nostdin -loglevel error -y -f lavfi -i "anoisesrc=d=$irs:c=white:r=48000:a=0.5:seed=$((10 + c))" \
        -af "volume=eval=frame:volume='exp(-6.9078*t/$irs)'" -c:a pcm_f32le "$dir/irc$c.wav"
      inputs+=(-i "$dir/irc$c.wav"); merge+="[$c:a]"
    done
    ffmpeg -nostdin -loglevel error -y "${inputs[@]}" -filter_complex "${merge}amerge=inputs=$ch" -c:a pcm_f32le "$dir/ir.wav" 2>/dev/null ||
      cp "$dir/irc0.wav" "$dir/ir.wav"
    case $ch in 1) layout=2.0 ;; 4) layout=2.0 ;; 16) layout=9.1.6 ;; esac
    # afir: the input replicated to the IR's channel count, each channel convolved with its own IR.
    # afir stops with its input, where vkmix renders the reverb's tail (the whole convolution,
    # input + IR), so afir's input is padded with the IR's length of silence: both tools compute
    # and write the same convolution (the one-length table's last column checks the lengths).
    pan=""
    for ((c = 0; c < ch; ++c)); do pan+="|c$c=c0"; done
    af="[0:a]apad=pad_dur=$irs,pan=${ch}c$pan[x];[x][1:a]afir=gtype=none"
    # vkmix's returns: a mono bus at the phantom centre of 2.0 (the send's 0.5 at -3 dB a side);
    # a true-stereo bus fed from L (the send's 0.5) gives L = LL and R = LR; a per-speaker bus
    # each speaker's IR channel (the send's 0.5).
    [ "$ch" = 16 ] && af="$af,volume=0.5"
    [ "$ch" = 1 ] && af="[0:a]apad=pad_dur=$irs[x];[x][1:a]afir=gtype=none,pan=stereo|c0=0.35355339*c0|c1=0.35355339*c0"
    [ "$ch" = 4 ] && af="$af,pan=stereo|c0=0.5*c0|c1=0.5*c1"
    vkw=(); vkm=(); ffw=(); ffm=(); bw=()
    for len in "${lengths[@]}"; do
      cat > "$dir/s.json" <<JSON
{"vkmix": 1, "layout": "$layout", "reverbs": [{"name": "r", "ir": "ir.wav"}],
 "tracks": [{"name": "src", "gainDb": -200, "position": {"azimuth": 30}, "sends": [{"reverb": "r", "preFader": true}],
             "clips": [{"file": "in$len.wav"}]}]}
JSON
      # Both tools write the same file: 32-bit float WAV (FFmpeg's WAV default would be 16-bit,
      # half the bytes to write).
      # The tools take turns run by run, so a slow spell of the host falls on all of them.
      vk=(); base=(); ff=()
      for ((run = 0; run < runs; ++run)); do
        vk+=("$(timeit build/src/vkmix render "$dir/s.json" -o "$dir/out.wav" --format wav32f -q -y ${VKMIX_DEVICE:+--device "$VKMIX_DEVICE"})")
        if [ -n "${VKMIX_BASELINE:-}" ]; then
          base+=("$(timeit "$VKMIX_BASELINE" render "$dir/s.json" -o "$dir/base.wav" --format wav32f -q -y ${VKMIX_DEVICE:+--device "$VKMIX_DEVICE"})")
        fi
        ff+=("$(timeit ffmpeg -nostdin -loglevel error -y -i "$dir/in$len.wav" -i "$dir/ir.wav" -filter_complex "$af" -c:a pcm_f32le -f wav "$dir/ff.wav")")
      done
      read -r w m <<<"$(printf '%s\n' "${vk[@]}" | median)"
      vkw+=("$w"); vkm+=("$m")
      read -r w m <<<"$(printf '%s\n' "${ff[@]}" | median)"
      ffw+=("$w"); ffm+=("$m")
      if [ -n "${VKMIX_BASELINE:-}" ]; then
        read -r w m <<<"$(printf '%s\n' "${base[@]}" | median)"
        bw+=("$w")
      fi
    done
    frames() { ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts -of csv=p=0 "$1"; }
    # The largest sample of vkmix's file minus afir's, over every channel (in float: pan would pick
    # 16-bit samples): the two files hold the same convolution, to float rounding.
    difference() {
      local n diff=""
      n=$(ffprobe -v error -select_streams a:0 -show_entries stream=channels -of csv=p=0 "$1")
      for ((c = 0; c < n; ++c)); do diff+="|c$c=c$c-c$((c + n))"; done
      ffmpeg -nostdin -v info -i "$1" -i "$2" -filter_complex \
        "[0:a][1:a]amerge=inputs=2,aformat=sample_fmts=flt,pan=${n}c$diff,aformat=sample_fmts=flt,astats=measure_perchannel=none:measure_overall=Peak_level" \
        -f null - 2>&1 | sed -n 's/.*Peak level dB: //p' | tail -1
    }
    if [ "${#lengths[@]}" = 1 ]; then
      baseline=""
      [ -n "${VKMIX_BASELINE:-}" ] && baseline=" $(printf "%.1fx" "$(echo "$a / ${bw[0]}" | bc -l)") |"
      printf "| %d | %d s | %.1fx |%s %d MB | %.1fx | %d MB | %s / %s | %s |\n" "$ch" "$irs" "$(echo "$a / ${vkw[0]}" | bc -l)" "$baseline" $((vkm[0] / 1024)) \
        "$(echo "$a / ${ffw[0]}" | bc -l)" $((ffm[0] / 1024)) "$(frames "$dir/out.wav")" "$(frames "$dir/ff.wav")" \
        "$(difference "$dir/out.wav" "$dir/ff.wav")"
    else
      # steady = (b - a) / (t_b - t_a); fixed = t_a - a / steady. Host noise can make t_b <= t_a
      # (short inputs): then there is no steady speed to give.
      split() {  # "steady | fixed" cells from the two wall times
        if [ "$(echo "$2 > $1" | bc -l)" = 1 ]; then
          printf "%.0fx | %.2f" "$(echo "($b - $a) / ($2 - $1)" | bc -l)" "$(echo "$1 - $a * ($2 - $1) / ($b - $a)" | bc -l)"
        else
          printf -- "- | -"
        fi
      }
      printf "| %d | %d s | %.1fx / %.1fx | %s | %.1fx / %.1fx | %s | %d MB | %d MB |\n" "$ch" "$irs" \
        "$(echo "$a / ${vkw[0]}" | bc -l)" "$(echo "$b / ${vkw[1]}" | bc -l)" "$(split "${vkw[@]}")" \
        "$(echo "$a / ${ffw[0]}" | bc -l)" "$(echo "$b / ${ffw[1]}" | bc -l)" "$(split "${ffw[@]}")" \
        $((vkm[1] / 1024)) $((ffm[1] / 1024))
    fi
  done
done
