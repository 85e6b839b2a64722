#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR VERSION: the installed tool and its Debian package
# (cmake/install.cmake). `cmake --install` into a temporary prefix gives a vkmix that prints its
# version, has its man page, completion and licences, and renders the demo; cpack builds a .deb
# whose Depends dpkg-shlibdeps found. Nothing is installed on the machine itself.
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install_test: FAIL: $*" >&2
  exit 1
}
expect() {  # expect TEXT PATTERN WHAT: TEXT has a line matching the extended regex PATTERN
  grep -qE -- "$2" <<<"$1" || { echo "$1" >&2; fail "$3"; }
}

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
vkmix=$prefix/bin/vkmix
[ -x "$vkmix" ] || fail "no executable $vkmix"
expect "$("$vkmix" --version)" "^vkmix ${version//./\\.} \(commit ([0-9a-f]{7,}(\+dirty)?|unknown)\)$" \
  "vkmix --version does not print version $version and a commit"

man_page=$prefix/share/man/man1/vkmix.1.gz
[ -f "$man_page" ] || fail "no man page $man_page"
roff=$(gzip -dc "$man_page")
expect "$roff" '^\.TH VKMIX "1"' "the man page has no .TH header"
expect "$roff" "^\.SS \"vkmix render\"" "the man page has no section on vkmix render"
expect "$roff" '\\-\\-loudness\\-target' "the man page lacks render's options"

completion=$prefix/share/bash-completion/completions/vkmix
[ -f "$completion" ] || fail "no bash completion $completion"
bash -c "source '$completion' && complete -p vkmix" >/dev/null || fail "the completion does not register"
# --layout offers the built-in layouts and binaural (from `vkmix layouts`); --mux-downmix no binaural.
complete_words() {  # complete_words WORDS...: what the completion offers for the last word
  bash -c "source /usr/share/bash-completion/bash_completion && source '$completion' &&
    COMP_WORDS=($*) && COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)) && COMP_LINE='$*' &&
    COMP_POINT=\${#COMP_LINE} && _vkmix &&
    printf '%s\n' \"\${COMPREPLY[@]}\""
}
if [ -f /usr/share/bash-completion/bash_completion ]; then
  expect "$(complete_words "$vkmix" render s.json --layout bin)" '^binaural$' \
    "--layout does not complete binaural"
  expect "$(complete_words "$vkmix" render s.json --layout 9.1)" '^9\.1\.6$' \
    "--layout does not complete 9.1.6"
  [ -z "$(complete_words "$vkmix" render s.json --mux-downmix bin)" ] ||
    fail "--mux-downmix completes binaural, which it refuses"
fi
for f in LICENSE THIRD_PARTY_NOTICES.md docs/session-format.md; do
  [ -f "$prefix/share/doc/vkmix/$f" ] || fail "no share/doc/vkmix/$f"
done

# The demo, rendered by the installed binary; its media are synthesised beside a copy of the session.
mkdir -p "$tmp/demo"
cp "$source/assets/demo/demo.json" "$tmp/demo/"
"$build/assets/vkmix_make_demo" "$tmp/demo/media" >/dev/null
"$vkmix" render "$tmp/demo/demo.json" -o "$tmp/demo.wav" -q >/dev/null
[ -s "$tmp/demo.wav" ] || fail "the demo render wrote nothing"
probe=$(ffprobe -v error -show_entries stream=codec_name,channels -of default=nw=1 "$tmp/demo.wav")
expect "$probe" '^channels=12$' "the demo is not 12 channels (7.1.4)"
expect "$probe" '^codec_name=pcm_s24le$' "the demo is not 24-bit PCM"

# The package, built in the temporary folder (cpack builds nothing: CMAKE_SKIP_INSTALL_ALL_DEPENDENCY).
mkdir -p "$tmp/pkg"
(cd "$tmp/pkg" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >/dev/null)
deb=$tmp/pkg/vkmix_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $(basename "$deb"); made: $(ls "$tmp/pkg")"
info=$(dpkg-deb --info "$deb")
expect "$info" '^ Depends: .*libavcodec59' "Depends does not name libavcodec59"
expect "$info" '^ Depends: .*libvulkan1' "Depends does not name libvulkan1"
if grep -qE '^ Depends: .*ffmpeg( |,|$)' <<<"$info"; then fail "Depends names the ffmpeg command"; fi
expect "$info" '^ Recommends: mesa-vulkan-drivers' "lavapipe is not recommended"
expect "$info" '^ Section: sound' "Section is not sound"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/vkmix ./usr/share/man/man1/vkmix.1.gz ./usr/share/bash-completion/completions/vkmix \
  ./usr/share/doc/vkmix/LICENSE; do
  expect "$contents" " ${f//./\\.}$" "the package lacks $f"
done
echo "install_test: ok ($(basename "$deb"))"
