#!/usr/bin/env bash
# Dependencies point one way (see the table in docs/architecture.md): the modules below the GPU
# never include Vulkan, the GPU module, the DSP stages, the engine or the UI, and the public API
# exposes no Vulkan/FFmpeg/ImGui type. CMake enforces the link arrows; this catches includes.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
check() {  # check DIRS... -- PATTERN DESCRIPTION
  local pattern=$1 why=$2; shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" 2>/dev/null || true)
  if [ -n "$hits" ]; then
    echo "layering: $why"; echo "$hits"; fail=1
  fi
}
check '#include [<"](vulkan|gpu/|dsp/|engine/|imgui|libav|cli/)' \
  "core/session/layout/loudness must not include GPU, DSP, engine, FFmpeg, UI or CLI headers" \
  src/core src/session src/layout src/loudness include/vkmix
check '#include [<"](vulkan|gpu/|dsp/|engine/|imgui|libav|cli/|io/|adm/|session/|layout/|loudness/|ui/)' "wave must only include core headers" src/wave
check '#include [<"](adm/)' "core/session/layout/loudness/io must not include adm headers" src/core src/session src/layout src/loudness src/io
check '#include [<"](gpu/|dsp/|engine/|imgui|cli/|vulkan)' "io must not include GPU, DSP, engine or UI headers" src/io
check '#include [<"](engine/|imgui|cli/|io/|session/|adm/)' "gpu and dsp must not include engine, io, session, adm, UI or CLI headers" src/gpu src/dsp
check '#include [<"](vulkan|gpu/|dsp/|engine/|imgui|libav|cli/|io/)' "adm must not include GPU, DSP, engine, FFmpeg, io, UI or CLI headers" src/adm
check '#include [<"](cli/|imgui|ui/)' "engine must not include CLI or UI headers" src/engine
check '#include [<"]farm/' "farm sits above the engine: only the CLI includes it" \
  src/core src/session src/layout src/loudness src/wave src/io src/gpu src/dsp src/backend \
  src/adm src/engine src/timeline src/binaural include/vkmix ui
check '#include [<"](cli/|imgui|ui/|vulkan|gpu/|dsp/[a-z]+/gpu_|dsp/[a-z]+/reference)' \
  "farm (segments, the join, Slurm jobs) uses the engine, not the CLI, UI or device" src/farm
check '#include [<"](vulkan|gpu/|dsp/[a-z]+/gpu_|dsp/[a-z]+/reference)' \
  "engine reaches the device and the stages through backend/backend.hpp only" src/engine
check '#include [<"](engine/|cli/|imgui|ui/|io/|session/|adm/)' \
  "backend must not include engine, CLI, UI, io, session or adm headers" src/backend
check '#include [<"](vulkan|gpu/|dsp/|engine/|backend/|imgui|libav|cli/|io/|adm/|ui/)' \
  "timeline (below the engine, shared with the inspector) includes only session, layout and core" \
  src/timeline
check '#include [<"](vulkan|gpu/|dsp/[a-z]+/gpu_|engine/|backend/|imgui|libav|cli/|io/|session/|adm/|ui/)' \
  "binaural (HRTF, virtual speakers) includes only dsp's convolver, layout and core" src/binaural
check '#include [<"]binaural/' "binaural sits above dsp: core, session, layout, wave, io, gpu and dsp must not include it" \
  src/core src/session src/layout src/wave src/io src/gpu src/dsp include/vkmix
check '#include [<"](cli/)' "ui must not include CLI headers" ui
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
