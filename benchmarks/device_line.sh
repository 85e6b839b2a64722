# deviceLine: the `vkmix devices` line of the device a benchmark's renders run on, spaces
# squeezed: VKMIX_DEVICE's (a name as `devices` prints it: cpu, reference, an index or a name
# substring), else the default's (a discrete GPU, else an integrated one, else the CPU backend).
# Sourced by the run_*.sh scripts, which run from the repository root.
deviceLine() {
  local list
  list=$(build/src/vkmix devices)
  if [ -n "${VKMIX_DEVICE:-}" ]; then
    { grep -m1 -E "^${VKMIX_DEVICE} " <<<"$list" || grep -m1 -i -F -- "$VKMIX_DEVICE" <<<"$list"; } ||
      echo "$VKMIX_DEVICE (not listed)"
  else
    grep -m1 ' discrete ' <<<"$list" || grep -m1 ' integrated ' <<<"$list" || grep -m1 '^cpu ' <<<"$list"
  fi | sed 's/  */ /g'
}
