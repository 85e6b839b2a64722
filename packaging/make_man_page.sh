#!/usr/bin/env bash
# make_man_page.sh VKMIX OUT.1.gz: vkmix's man page, made by help2man from the built binary's own
# --help and --version, plus a SUBCOMMANDS section with every subcommand's --help (help2man reads
# only the top level) and the hand-written sections in vkmix.h2m. Run by the vkmix_man target.
set -euo pipefail
vkmix=$(realpath "$1")
out=$2
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Called by name through PATH, so the usage lines say "vkmix", not the build folder's path.
export PATH="$(dirname "$vkmix"):$PATH"

# CLI11's help as roff: "  NAME   description" rows become .TP paragraphs, its wrapped
# continuation rows join them, "Options:" headings go bold.
to_roff() {
  awk '
    function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); sub(/^[.\047]/, "\\&&", s); return s }
    NR == 1 { print esc($0); next }
    /^$/ || /-h,--help/ { next }
    /^Usage: / { print ".PP"; print "\\fBUsage:\\fR " esc(substr($0, 8)); next }
    /^[A-Z][A-Za-z]*:$/ { print ".PP"; print "\\fB" $0 "\\fR"; next }
    /^      / { sub(/^ +/, ""); print esc($0); next }
    /^  / {
      row = substr($0, 3)
      if (match(row, /   */)) { head = substr(row, 1, RSTART - 1); text = substr(row, RSTART + RLENGTH) }
      else { head = row; text = "" }
      print ".TP"; print "\\fB" esc(head) "\\fR"
      if (text != "") print esc(text)
      next
    }
    { print esc($0) }'
}

subcommands=$(vkmix --help | sed -n '/^Subcommands:/,$ s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
[ -n "$subcommands" ] || { echo "make_man_page: no subcommands in vkmix --help" >&2; exit 1; }
{
  echo "[SUBCOMMANDS]"
  for s in $subcommands; do
    echo ".SS \"vkmix $s\""
    vkmix "$s" --help | to_roff
  done
} >"$work/subcommands.h2m"

help2man --no-info --no-discard-stderr \
  --name="object-based film mix renderer with a Vulkan compute mixing core" \
  --include="$work/subcommands.h2m" --include="$here/vkmix.h2m" \
  --output="$work/vkmix.1" vkmix
gzip -9n <"$work/vkmix.1" >"$out.tmp"
mv "$out.tmp" "$out"
