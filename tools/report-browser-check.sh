#!/usr/bin/env bash
# Renders a short study's report.html in headless Chromium (Debian's) and checks, through the DevTools
# protocol, that every figure is drawn: a non-empty rendered SVG, plotted elements with a rendered size,
# x and y axis labels; and that the full-page screenshot (saved beside the report) is not blank.
# Output in .build/checks/report-browser (replaced on each run). LYAP=path/to/lyap uses that binary;
# otherwise the debug build (swift build --product lyap).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "report-browser-check: FAILED: $*" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [ -z "${LYAP:-}" ]; then
    swift build --product lyap >/dev/null
    LYAP="$(swift build --show-bin-path)/lyap"
fi
out=.build/checks/report-browser
rm -rf "$out"
mkdir -p "$out"
timeout 600 "$LYAP" study --out "$out/study" --epochs 10 --analyze-every 2 --reviews 20 --seq-len 50 --train-size 320 \
    --test-size 100 --vocab 1000 --embed 8 --hidden 8 >"$out/study.log" 2>&1 || fail "lyap study: $(tail -3 "$out/study.log")"
report=$out/study/report/report.html
[ -f "$report" ] || fail "lyap study wrote no $report"
timeout 300 /usr/bin/python3 tools/report-browser.py "$report" "$out/study/report/screenshot.png" chromium \
    || fail "see the lines above ($report)"
echo "report-browser-check: passed: $(chromium --version 2>/dev/null | head -1) rendered $report with every figure drawn; screenshot $out/study/report/screenshot.png"
