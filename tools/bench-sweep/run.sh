#!/usr/bin/env bash
# Benchmark (not a test): the wall time of a width sweep with `lyap sweep` against the same
# configurations trained one after another in PyTorch (tools/bench-sweep/torch_sweep.py), in one run.
#   tools/bench-sweep/run.sh [--backend cpu|vulkan] [--torch-device cpu|cuda]
# Sizes are environment variables (defaults: 8 widths x 4 seeds, 2 epochs on 1000/500 embedded
# reviews of length 500, the paper's): WIDTHS SEEDS EPOCHS TRAIN TEST SEQ_LEN BATCH THREADS; SWEEP_FLAGS
# adds flags to lyap sweep (e.g. --pad-widths or --interleave-widths on Vulkan).
set -euo pipefail
cd "$(dirname "$0")/../.."
backend=cpu
torch_device=cpu
while [ $# -gt 0 ]; do
    case "$1" in
        --backend) backend=$2; shift 2 ;;
        --torch-device) torch_device=$2; shift 2 ;;
        *) echo "bench-sweep: unknown argument $1" >&2; exit 2 ;;
    esac
done
WIDTHS=${WIDTHS:-1,2,4,8,16,32,64,128}
SEEDS=${SEEDS:-0,1,2,3}
EPOCHS=${EPOCHS:-2}
TRAIN=${TRAIN:-1000}
TEST=${TEST:-500}
SEQ_LEN=${SEQ_LEN:-500}
BATCH=${BATCH:-32}
THREADS=${THREADS:-$(nproc)}

# LYAP_BIN: a lyap binary to use instead of building one (tools/gpu-session.sh on a machine without Swift).
lyap=${LYAP_BIN:-}
if [ -z "$lyap" ]; then
    swift build -c release --product lyap >/dev/null
    lyap=.build/release/lyap
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
# shellcheck disable=SC2086  # SWEEP_FLAGS is a list of flags
"$lyap" sweep --out "$out/sweep" --backend "$backend" --widths "$WIDTHS" --seeds "$SEEDS" \
    --epochs "$EPOCHS" --train-size "$TRAIN" --test-size "$TEST" --seq-len "$SEQ_LEN" --batch "$BATCH" \
    --threads "$THREADS" ${SWEEP_FLAGS:-} >/dev/null
end=$(date +%s.%N)
lyap_s=$(printf "%.2f" "$(echo "$end - $start" | bc)")
rows=$(($(wc -l < "$out/sweep/sweep.csv") - 1))
echo "lyap sweep ($backend): ${lyap_s} s for $rows configuration-epochs"
if python3 -c 'import torch' 2>/dev/null; then
    # Same counts: the embedded subset has exactly TRAIN/TEST reviews after --train-size/--test-size.
    python3 tools/bench-sweep/torch_sweep.py "$WIDTHS" "$SEEDS" "$EPOCHS" "$TRAIN" "$TEST" "$BATCH" "$SEQ_LEN" 32 10000 \
        "$THREADS" "$torch_device"
else
    echo "PyTorch peer skipped: python3 cannot import torch"
fi
