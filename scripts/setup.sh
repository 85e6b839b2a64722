#!/usr/bin/env bash
# Installs vkmix's Debian 12 build and test dependencies, skipping apt entirely when they are all
# present, so it is safe (and fast) to run before every build.
set -euo pipefail

packages=(
  cmake ninja-build pkg-config g++
  libvulkan-dev mesa-vulkan-drivers vulkan-tools vulkan-validationlayers
  glslc glslang-tools glslang-dev spirv-tools spirv-headers
  libglfw3-dev libimgui-dev libstb-dev libvkfft-dev libfftw3-dev libasound2-dev
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libavfilter-dev ffmpeg
  libebur128-dev libpugixml-dev libxml2-utils libmysofa-dev
  clang-format clang libclang-rt-14-dev
  help2man dpkg-dev file
  xvfb xauth libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
