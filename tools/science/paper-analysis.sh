#!/usr/bin/env bash
# PROTOCOL.md item 4: every 10th epoch's checkpoint of each campaign run, analysed with the paper's protocol
# (lyap analyze's defaults: 500 reviews, drive 500, 1 600 steps, both placements, k = 8) by the run's own
# binary (the one it started with: RUN/analysis-binary once `campaign.sh swap` gave it a faster one), into RUN/paper/epoch-NNNN.json (written atomically; checkpoints already analysed are skipped, so it
# resumes), then RUN/paper.csv, one row per analysed epoch (tools/science/paper-table.py).
#
#   tools/science/paper-analysis.sh RUN_DIR...        (e.g. ../runs/K-s0; at nice 19)
#
# CAMPAIGN_DIR (default ../runs) holds bin/ with the binaries; the data are the run's recorded source unless
# DATA is set (a run moved between machines: lyap checks the sha256 either way).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
campaign=${CAMPAIGN_DIR:-$root/../runs}
[ $# -ge 1 ] || { sed -n '2,11p' "$0"; exit 2; }
for run in "$@"; do
    [ -f "$run/config.json" ] && [ -f "$run/binary" ] || { echo "paper-analysis: $run: not a campaign run (no config.json or binary)" >&2; exit 1; }
    bin=$campaign/bin/$(cat "$run/analysis-binary" 2>/dev/null || cat "$run/binary")
    [ -x "$bin" ] || { echo "paper-analysis: $run: its binary $bin is missing" >&2; exit 1; }
    data=${DATA:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["data"]["source"])' "$run/config.json")}
    mkdir -p "$run/paper"
    for checkpoint in "$run"/checkpoints/epoch-[0-9][0-9][0-9][0-9].safetensors; do
        [ -f "$checkpoint" ] || continue
        epoch=$(basename "$checkpoint" .safetensors); epoch=${epoch#epoch-}
        [ $((10#$epoch % 10)) -eq 0 ] && [ $((10#$epoch)) -gt 0 ] || continue
        out=$run/paper/epoch-$epoch.json
        [ -f "$out" ] && continue
        nice -n 19 "$bin" analyze --checkpoint "$checkpoint" --data "$data" --json "$out.partial" > "$out.log" 2>&1 \
            || { echo "paper-analysis: $checkpoint failed: $(tail -n 1 "$out.log")" >&2; rm -f "$out.partial"; exit 1; }
        mv "$out.partial" "$out"
        echo "paper-analysis: $(basename "$run") epoch $((10#$epoch)): $(grep -o 'λ1 [^,]*, D~ [^(]*' "$out.log" | head -n 1)"
    done
    python3 "$root/tools/science/paper-table.py" "$run/paper" > "$run/paper.csv.partial" && mv "$run/paper.csv.partial" "$run/paper.csv"
done
