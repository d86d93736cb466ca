#!/usr/bin/env bash
# The science campaign of docs/science/PROTOCOL.md: starts or resumes its runs in the background, at low
# priority, each with the lyap binary it was started with (a run keeps its computation).
#
#   tools/science/campaign.sh start ARM...     start (or resume) arms: K-s0 K-s1 K-s2 K2-s0 R-s0 (T-s0: resume only)
#   tools/science/campaign.sh resume           resume every run of the campaign that is not running
#   tools/science/campaign.sh status           epoch reached and state of every run
#   tools/science/campaign.sh stop             stop every campaign run (they resume from their last checkpoint)
#   tools/science/campaign.sh swap RUN BINARY [SCRATCH]
#                                              continue RUN with a faster BINARY, only if it computes the same
#                                              bits: two scratch copies resume from the last checkpoint for two
#                                              epochs (one analysed), one per binary; checkpoints and metrics
#                                              (but the seconds) must be byte-identical (SCRATCH: judge a kept
#                                              check again instead of running a new one)
#
# CAMPAIGN_DIR (default: ../runs beside the project) holds one directory per run plus its log, and
# bin/ with the binaries. Each run directory holds `binary` (the binary's name) and `command` (the lyap
# arguments). DATA is the labeled archive (default ../shared/data/aclImdb_v1-labeled.tar.gz). A run
# directory made elsewhere (the T probe) joins with `adopt DIR ARM BINARY`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
campaign=${CAMPAIGN_DIR:-$root/../runs}
data=${DATA:-$root/../shared/data/aclImdb_v1-labeled.tar.gz}
mkdir -p "$campaign/bin"
campaign=$(cd "$campaign" && pwd)

# Arguments every arm shares (PROTOCOL.md: measurements in every run).
common=(--epochs 300 --analyze-every 2 --analyze-reviews 200 --analyze-exponents 1 --checkpoint-every 2 --keep every:10
        --early-checkpoints 8:3 --threads 2 --backend cpu --precision float32)

arm_args() {
    case "$1" in
        K-s[0-9]) echo "--adam-form keras --seed ${1#K-s}" ;;
        K2-s[0-9]) echo "--adam-form keras2 --seed ${1#K2-s}" ;;
        R-s[0-9]) echo "--protocol reproduction --seed ${1#R-s}" ;;
        *) echo "campaign: unknown arm '$1' (K-sN, K2-sN, R-sN; T-s0 is adopted)" >&2; return 1 ;;
    esac
}

# A lyap process training this run, however its --out was spelled (absolute, or relative like ./T-s0).
running() { pgrep -f -- "train .*--out ([^ ]*/)?$1/?( |\$)" >/dev/null 2>&1; }

# Runs `lyap train` for a run in the background: its recorded command, or --resume when it has started.
launch() {
    local run=$1 dir=$campaign/$1
    if running "$run"; then echo "$run: already running"; return; fi
    local bin; bin=$(cat "$dir/binary")
    local -a args
    if [ -f "$dir/config.json" ]; then
        args=(--out "$dir" --resume $(grep -o -- '--epochs [0-9]*' "$dir/command"))
    else
        read -r -a args < "$dir/command"
    fi
    # exec and the redirections on the subshell: nothing is left holding the caller's output open.
    (cd "$campaign" && exec nohup nice -n 19 "$campaign/bin/$bin" train "${args[@]}") >> "$campaign/$run.log" 2>&1 < /dev/null &
    echo "$run: $( [ "${args[2]:-}" = --resume ] && echo resumed || echo started ) with $bin (log $campaign/$run.log)"
}

start() {
    local run=$1 dir=$campaign/$1
    if [ -f "$dir/binary" ]; then launch "$run"; return; fi
    local extra; extra=$(arm_args "$run")
    [ -z "$(git -C "$root" status --porcelain -- Sources Package.swift Shaders)" ] || {
        echo "campaign: Sources has uncommitted changes; commit first (a run records the commit it was built from)" >&2; exit 1; }
    local bin; bin="lyap-$(git -C "$root" rev-parse --short HEAD)"
    if [ ! -x "$campaign/bin/$bin" ]; then
        (cd "$root" && swift build -c release --product lyap >/dev/null)
        cp "$root/.build/release/lyap" "$campaign/bin/$bin"
    fi
    mkdir -p "$dir"
    echo "$bin" > "$dir/binary"
    echo "--out $dir --data $data ${common[*]} $extra" > "$dir/command"
    launch "$run"
}

# A run continues with another binary only once both binaries were seen to compute the same bits on the run itself.
swap() {
    local run=$1 new=$2 dir=$campaign/$1
    [ -f "$dir/binary" ] && [ -f "$dir/config.json" ] || { echo "campaign: $run is not a started run" >&2; exit 2; }
    [ -x "$new" ] || { echo "campaign: $new is not an executable" >&2; exit 2; }
    local old; old=$(cat "$dir/binary")
    local name; name=$(basename "$new")
    [ "$name" != "$old" ] || { echo "campaign: $run already runs $name" >&2; exit 2; }
    [ -x "$campaign/bin/$name" ] || cp "$new" "$campaign/bin/$name"
    local last to scratch=${3:-}
    if [ -n "$scratch" ]; then
        # A finished check's scratch directory (kept when a check failed or was cut short) is judged again.
        [ -f "$scratch/old/metrics.csv" ] && [ -f "$scratch/new/metrics.csv" ] || { echo "campaign: $scratch holds no check" >&2; exit 2; }
        to=$(tail -n 1 "$scratch/new/metrics.csv" | cut -d, -f1); last=$((to - 2))
        echo "$run: judging the check in $scratch (epochs $((last + 1))-$to)"
    else
        last=$(ls "$dir"/checkpoints/epoch-[0-9][0-9][0-9][0-9].state.safetensors | sort | tail -n 1)
        last=$(basename "$last" .state.safetensors); last=$((10#${last#epoch-}))
        to=$((last + 2)); scratch=$(mktemp -d "${TMPDIR:-/tmp}/swap-$run.XXXXXX")
        for side in old new; do
            mkdir -p "$scratch/$side/checkpoints"
            cp "$dir/config.json" "$dir/metrics.csv" "$scratch/$side/"
            [ -f "$dir/early.csv" ] && cp "$dir/early.csv" "$scratch/$side/"
            cp "$dir"/checkpoints/epoch-$(printf %04d "$last").* "$scratch/$side/checkpoints/"
        done
        echo "$run: checking $name against $old from epoch $last to $to in $scratch"
        (cd "$scratch" && nice -n 19 "$campaign/bin/$old" train --out "$scratch/old" --resume --epochs $to > old.log 2>&1) &
        (cd "$scratch" && nice -n 19 "$campaign/bin/$name" train --out "$scratch/new" --resume --epochs $to > new.log 2>&1) &
        wait
    fi
    local e f same=1
    # The last epoch's pair always stays; the one before may go on both sides (--keep), never on one.
    for e in $((last + 1)) $to; do
        for f in epoch-$(printf %04d $e).safetensors epoch-$(printf %04d $e).state.safetensors; do
            [ $e -ne $to ] && [ ! -e "$scratch/old/checkpoints/$f" ] && [ ! -e "$scratch/new/checkpoints/$f" ] && continue
            cmp -s "$scratch/old/checkpoints/$f" "$scratch/new/checkpoints/$f" || { echo "$run: $f differs (or is missing)"; same=0; }
        done
    done
    # The seconds column (7th) is wall time; every other field must match.
    cmp -s <(cut -d, -f1-6,8- "$scratch/old/metrics.csv") <(cut -d, -f1-6,8- "$scratch/new/metrics.csv") \
        || { echo "$run: metrics.csv differs"; same=0; }
    # config.json may differ only in the command that continued the run and when it was written.
    python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b): d.pop("command", None); d.pop("createdAt", None)
sys.exit(a != b)' "$scratch/old/config.json" "$scratch/new/config.json" || { echo "$run: config.json differs"; same=0; }
    [ "$(tail -n 1 "$scratch/old/metrics.csv" | cut -d, -f1)" = "$to" ] || { echo "$run: the check did not reach epoch $to (see $scratch)"; same=0; }
    [ $same = 1 ] || { echo "campaign: $run keeps $old" >&2; exit 1; }
    pkill -f -- "train .*--out ([^ ]*/)?$run/?( |\$)" || true
    pkill -CONT -f -- "train .*--out ([^ ]*/)?$run/?( |\$)" || true  # a paused run takes the signal once it runs
    while running "$run"; do sleep 1; done
    [ -f "$dir/analysis-binary" ] || echo "$old" > "$dir/analysis-binary"
    echo "$(date -u +%FT%TZ) $old -> $name: epochs $((last + 1))-$to byte-identical from epoch $last's checkpoint" >> "$dir/binary-history"
    echo "$name" > "$dir/binary"
    rm -rf "$scratch"
    launch "$run"
}

status() {
    for dir in "$campaign"/*/; do
        local run; run=$(basename "$dir")
        [ -f "$dir/metrics.csv" ] || [ -f "$dir/config.json" ] || continue
        local last; last=$( (tail -n 1 "$dir/metrics.csv" 2>/dev/null || true) | cut -d, -f1)
        printf '%-8s epoch %-5s %s  %s\n' "$run" "${last:-0}" "$(running "$run" && echo running || echo stopped)" "$(cat "$dir/binary" 2>/dev/null)"
    done
}

case "${1:-}" in
    start) shift; for a in "$@"; do start "$a"; done ;;
    resume) for dir in "$campaign"/*/; do r=$(basename "$dir"); [ -f "$dir/binary" ] && launch "$r"; done ;;
    status) status ;;
    swap) [ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: campaign.sh swap RUN BINARY [SCRATCH]" >&2; exit 2; }; swap "$2" "$3" "${4:-}" ;;
    stop) for dir in "$campaign"/*/; do pkill -f -- "train .*--out ([^ ]*/)?$(basename "$dir")/?( |\$)" || true; done; echo "stopped" ;;
    adopt)
        [ $# -eq 4 ] || { echo "usage: campaign.sh adopt DIR ARM BINARY" >&2; exit 2; }
        [ -x "$4" ] || { echo "campaign: $4 is not an executable" >&2; exit 2; }
        [ "$(cd "$(dirname "$4")" && pwd)" = "$campaign/bin" ] || cp "$4" "$campaign/bin/$(basename "$4")"
        [ "$(cd "$2" && pwd)" = "$campaign/$3" ] || cp -r "$2" "$campaign/$3"
        basename "$4" > "$campaign/$3/binary"
        epochs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["epochs"])' "$campaign/$3/config.json")
        echo "--out $campaign/$3 --epochs $epochs" > "$campaign/$3/command"
        echo "$3: adopted ($(basename "$4"))" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac
