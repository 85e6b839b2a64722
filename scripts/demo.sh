#!/usr/bin/env bash
# Sets up (Debian packages), builds, synthesises the demo media and renders the bundled demo
# session to a 7.1.4 WAV, printing where it went.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target vkmix vkmix_make_demo
build/assets/vkmix_make_demo assets/demo/media
mkdir -p out
build/src/vkmix render assets/demo/demo.json -o out/demo-7.1.4.wav -y >/dev/null
echo "demo rendered to $(pwd)/out/demo-7.1.4.wav"
