#!/usr/bin/env bash
# Installs the system packages lyap builds against (Debian 12). Swift 6 itself must already be on PATH.
set -euo pipefail
packages=(libopenblas-dev zlib1g-dev pkgconf
    # Vulkan backend: headers (the loader is dlopen'ed at run time), static shaderc + glslang +
    # SPIRV-Tools, lavapipe and the validation layer for the tests, glslc/spirv-val for offline checks.
    libvulkan-dev libshaderc-dev glslang-dev spirv-tools glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
    # CMakeLists.txt, the entry point for IDEs and profiling tools (offline SPIR-V).
    cmake)
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
command -v swift >/dev/null || { echo "install-deps: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2; exit 1; }
echo "install-deps: ${packages[*]} installed; $(swift --version 2>&1 | head -1)"
