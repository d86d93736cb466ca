#!/usr/bin/env bash
# Installs the system packages lyap builds against (Debian 12). Swift 6 itself must already be on PATH.
set -euo pipefail
packages=(libopenblas-dev zlib1g-dev pkgconf
  libvulkan-dev glslang-dev libshaderc-dev spirv-tools glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools)
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
command -v swift >/dev/null || { echo "install-deps: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2; exit 1; }
echo "install-deps: ${packages[*]} installed; $(swift --version 2>&1 | head -1)"
