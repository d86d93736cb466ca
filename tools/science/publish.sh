#!/usr/bin/env bash
# Publishes campaign runs into docs/science (PROTOCOL.md): per run its metrics.csv, early.csv, paper.csv
# (tools/science/paper-analysis.sh), config.json,
# command and binary (the binary's name carries the commit it was built from; analysis-binary and binary-history
# where campaign.sh swap continued the run with a faster binary), cycles.json and its report, and PROTOCOL.md's
# secondary analyses: cycles-initial.* (the distance-based rules on the initial placement's D~), cycles-h1.*
# (hysteresis 1) and cycles-drop05.* (only collapses of at least 0.5); no checkpoints. Then the runs pooled:
# cycles-pooled*.json and the overlaid report; runs.csv, one row per published run (tools/science/status-table.py);
# and verdict.md (tools/science/verdict.py).
#
#   tools/science/publish.sh RUN_DIR...        (e.g. ../runs/T-s0 ../runs/K-s0)
#
# LYAP (default: the release build of this checkout) runs lyap cycles and lyap report; NULL_DRAWS (default
# 10000, as PROTOCOL.md fixes) sets the nulls' draws.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lyap=${LYAP:-$root/.build/release/lyap}
draws=${NULL_DRAWS:-10000}
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
[ -x "$lyap" ] || { echo "publish: $lyap not built (swift build -c release --product lyap)" >&2; exit 1; }
out=$root/docs/science
# PROTOCOL.md's secondary analyses, each beside the primary: file suffix -> lyap cycles flags.
declare -A secondary=([initial]="--placement initial" [h1]="--hysteresis 1" [drop05]="--min-drop 0.5")
published=()
for run in "$@"; do
    [ -f "$run/metrics.csv" ] || { echo "publish: $run has no metrics.csv" >&2; exit 1; }
    name=$(basename "$run")
    dest=$out/$name
    mkdir -p "$dest"
    for f in metrics.csv early.csv paper.csv config.json command binary analysis-binary binary-history; do [ -f "$run/$f" ] && cp "$run/$f" "$dest/"; done
    "$lyap" cycles "$dest" --null-draws "$draws" > "$dest/cycles.txt"
    for v in "${!secondary[@]}"; do
        "$lyap" cycles "$dest" --null-draws "$draws" ${secondary[$v]} --json "$dest/cycles-$v.json" > "$dest/cycles-$v.txt"
    done
    "$lyap" report "$dest" --out "$dest/report" > /dev/null
    published+=("$dest")
    echo "publish: $name: epoch $(tail -n 1 "$dest/metrics.csv" | cut -d, -f1)"
done
if [ ${#published[@]} -gt 1 ]; then
    "$lyap" cycles "${published[@]}" --json "$out/cycles-pooled.json" --null-draws "$draws" > "$out/cycles-pooled.txt"
    for v in "${!secondary[@]}"; do
        "$lyap" cycles "${published[@]}" --json "$out/cycles-pooled-$v.json" --null-draws "$draws" ${secondary[$v]} > "$out/cycles-pooled-$v.txt"
    done
    "$lyap" report "${published[@]}" --out "$out/report" > /dev/null
    echo "publish: pooled summary in $out/cycles-pooled.txt, overlaid report in $out/report/report.html"
fi
# One row per run published so far (these and earlier ones), so the table always covers docs/science.
python3 "$root/tools/science/status-table.py" $(ls -d "$out"/*/ | while read -r d; do [ -f "$d/cycles.json" ] && echo "$d"; done) \
    > "$out/runs.csv.partial" && mv "$out/runs.csv.partial" "$out/runs.csv"
echo "publish: where every run stands in $out/runs.csv"
# The verdict per protocol and rule by PROTOCOL.md's outcome rules (provisional for arms still training).
LYAP=$lyap NULL_DRAWS=$draws python3 "$root/tools/science/verdict.py" "$out" > /dev/null
echo "publish: the verdict per protocol and rule in $out/verdict.md"
