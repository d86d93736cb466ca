#!/usr/bin/env bash
# Captures a short Vulkan training run (lavapipe here) with RenderDoc through lyap's --capture renderdoc,
# under renderdoccmd, and reads the capture with RenderDoc's Python module without replaying it: lyap's
# dispatches with their debug labels must be exactly those lyap recorded (LYAP_DISPATCH_LOG); one
# training step's are written beside the capture (capture-dispatches.txt). Installs renderdoccmd,
# librenderdoc and python3-renderdoc only (no Qt GUI). Output in .build/checks/renderdoc (replaced on
# each run). LYAP=path/to/lyap uses that binary; otherwise the debug build (swift build --product lyap).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "renderdoc-check: FAILED: $*" >&2; exit 1; }

packages=(renderdoccmd librenderdoc python3-renderdoc)
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
if [ -z "${LYAP:-}" ]; then
    swift build --product lyap >/dev/null
    LYAP="$(swift build --show-bin-path)/lyap"
fi
LYAP=$(realpath "$LYAP")
out=.build/checks/renderdoc
rm -rf "$out"
mkdir -p "$out"
# Validation stays off: RenderDoc's layer and the validation layer together are not what is checked here.
LYAP_DISPATCH_LOG=$out/lyap-dispatches.log timeout 600 renderdoccmd capture -w -c "$out/lyap" -d "$PWD" "$LYAP" train \
    --backend vulkan --capture renderdoc --out "$out/run" --epochs 1 --train-size 64 --test-size 32 --seq-len 20 \
    --batch 32 --hidden 7 --vocab 1000 --embed 8 >"$out/capture.log" 2>&1 \
    || fail "lyap under renderdoccmd: $(tail -5 "$out/capture.log")"
captures=("$out"/lyap*.rdc)
[ -f "${captures[0]}" ] || fail "RenderDoc wrote no capture in $out ($(tail -5 "$out/capture.log"))"
[ ${#captures[@]} -eq 1 ] || fail "expected one capture, RenderDoc wrote ${#captures[@]}: ${captures[*]}"
timeout 300 /usr/bin/python3 tools/renderdoc-dispatches.py "${captures[0]}" "$out/capture-dispatches.txt" "$out/lyap-dispatches.log" \
    || fail "see the lines above"
step=$(grep -vc '^#' "$out/capture-dispatches.txt")
device=$(sed -n 's/.* on vulkan: \(.*\); writing .*/\1/p' "$out/capture.log" | head -1)
echo "renderdoc-check: passed: RenderDoc $(/usr/bin/python3 -c 'import renderdoc; print(renderdoc.GetVersionString())') captured lyap's training on ${device:-the Vulkan device}; the capture's $(wc -l < "$out/lyap-dispatches.log") dispatches, read without replay, are lyap's with their labels and pipeline names; one training step ($step dispatches) in $out/capture-dispatches.txt"
