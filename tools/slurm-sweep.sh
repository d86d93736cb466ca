#!/bin/bash
# A width sweep (lyap sweep, methods.md §6.2) as a Slurm job array: array task i runs the configurations
# whose grid index is i modulo SHARDS, into runs/sweep-shards/shard-i; then one merge job joins the shards.
# Submit from the directory that holds runs/:
#
#   mkdir -p runs/sweep-shards            # Slurm does not create the --output directory
#   sbatch tools/slurm-sweep.sh
#   sbatch --dependency=singleton --job-name=lyap-sweep --output=runs/sweep-shards/slurm-merge-%j.out \
#          --wrap "tools/slurm-sweep.sh merge runs/sweep"
#   lyap report runs/sweep                # after the merge: runs/sweep/report/report.html
#
# The merge job waits (singleton) for the array. If jobs named lyap-sweep of yours were submitted since
# (a resubmitted task) and are still queued or running, it hands over to a new merge job that waits for
# them (the same options, in SHARDS_DIR/slurm-merge-JOB.out). Then it checks that every shard
# 0..SHARDS-1 is there and lyap merge, which refuses a shard with missing configurations, merges.
# A task that was killed or cancelled (time limit, preemption, scancel JOB_3) continues where it stopped
# when that index is resubmitted, sbatch --array=3 tools/slurm-sweep.sh: it passes --resume when its
# directory holds a sweep. Resubmit before the merge has run, or submit the merge again afterwards.
#
# Resources are the #SBATCH lines below; sbatch's options override them, e.g. on a CPU node:
#   sbatch --gres=none --cpus-per-task=16 --mem=8G --time=2:00:00 tools/slurm-sweep.sh
# Grid, training options and backend come from the environment (sbatch exports it), defaults as below:
#   SHARDS=8                 shard count, independent of the indices one submission holds (--array);
#                            change it together with --array=0-(SHARDS-1), and keep it for every resubmission
#   SWEEP_BACKEND=vulkan     SWEEP_WIDTHS, SWEEP_SEEDS, SWEEP_NOISE, SWEEP_VARIANTS: the grid
#   SWEEP_EPOCHS=1000        SWEEP_ANALYZE_EVERY=10 (none: no analysis)
#   SWEEP_OPTIONS=           more lyap sweep options (e.g. --threads 16 --seq-len 100)
#   LYAP_DATA=../shared/data/aclImdb_v1-labeled.tar.gz (or embedded), LYAP=lyap, SHARDS_DIR=runs/sweep-shards
# e.g. SHARDS=4 SWEEP_BACKEND=cpu sbatch --array=0-3 --gres=none tools/slurm-sweep.sh
# Every task and resubmission must use the same grid and options, or lyap refuses to resume or merge.
#SBATCH --job-name=lyap-sweep
#SBATCH --array=0-7
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=24:00:00
#SBATCH --output=runs/sweep-shards/slurm-%A_%a.out

set -euo pipefail

LYAP=${LYAP:-lyap}
SHARDS_DIR=${SHARDS_DIR:-runs/sweep-shards}
SHARDS=${SHARDS:-8}
case "$SHARDS" in '' | *[!0-9]* | 0) echo "slurm-sweep: SHARDS=$SHARDS: give a positive integer" >&2; exit 2 ;; esac

if [ "${1:-}" = merge ]; then
    out=${2:-runs/sweep}
    if [ -n "${SLURM_JOB_ID:-}" ]; then
        # singleton only waits for jobs submitted before this one: a task resubmitted later may still be
        # queued or running. Then merge after it instead, as a new job with this job's name and limits.
        others=$(squeue --me --noheader --array --name="$SLURM_JOB_NAME" -o %i | grep -vx "$SLURM_JOB_ID" | paste -sd: -) || true
        if [ -n "$others" ]; then
            limits=(--time="$(squeue -j "$SLURM_JOB_ID" --noheader -o %l)")
            if [ -n "${SLURM_MEM_PER_NODE:-}" ]; then limits+=(--mem="${SLURM_MEM_PER_NODE}M"); fi
            next=$(sbatch --parsable --dependency="afterany:$others" --job-name="$SLURM_JOB_NAME" "${limits[@]}" \
                --output="$SHARDS_DIR/slurm-merge-%j.out" --wrap "$(realpath "$0") merge $out")
            echo "slurm-sweep: merge: jobs ${others//:/ } named $SLURM_JOB_NAME are still queued or running; the merge continues as job $next after them"
            exit 0
        fi
    fi
    shards=() missing=()
    for ((i = 0; i < SHARDS; i++)); do
        shards+=("$SHARDS_DIR/shard-$i")
        [ -f "$SHARDS_DIR/shard-$i/sweep.json" ] || missing+=("$i")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "slurm-sweep: merge: shard(s) ${missing[*]} of $SHARDS never started in $SHARDS_DIR; submit them (sbatch --array=$(IFS=,; echo "${missing[*]}") tools/slurm-sweep.sh), then the merge again" >&2
        exit 1
    fi
    # lyap merge refuses a shard with missing configurations (a task that did not finish).
    exec "$LYAP" merge "$out" "${shards[@]}"
fi

task=${SLURM_ARRAY_TASK_ID:?run this script with sbatch (an array job), or as: tools/slurm-sweep.sh merge OUT}
if [ "$task" -ge "$SHARDS" ]; then
    echo "slurm-sweep: array index $task is not a shard of SHARDS=$SHARDS (0..$((SHARDS - 1))); submit --array within that range or set SHARDS" >&2
    exit 2
fi
out="$SHARDS_DIR/shard-$task"
mkdir -p "$SHARDS_DIR"

options=(--out "$out" --shard "$task/$SHARDS" --backend "${SWEEP_BACKEND:-vulkan}"
    --widths "${SWEEP_WIDTHS:-1,2,3,4,5,6,8,10,12,16,20,24,32,40,48,60,64,80,96,128,160,256}"
    --seeds "${SWEEP_SEEDS:-0,1,2}" --label-noise "${SWEEP_NOISE:-0,0.1,0.2}"
    --variant "${SWEEP_VARIANTS:-trainable,frozen-embedding,subset:4000}"
    --data "${LYAP_DATA:-../shared/data/aclImdb_v1-labeled.tar.gz}"
    --epochs "${SWEEP_EPOCHS:-1000}")
analyze=${SWEEP_ANALYZE_EVERY:-10}
if [ "$analyze" != none ]; then options+=(--analyze-every "$analyze"); fi
read -r -a extra <<< "${SWEEP_OPTIONS:-}"
if [ -f "$out/sweep.json" ]; then options+=(--resume); fi

echo "slurm-sweep: job ${SLURM_JOB_ID:-?} (array ${SLURM_ARRAY_JOB_ID:-?}_$task): $LYAP sweep ${options[*]} ${extra[*]}"
exec "$LYAP" sweep "${options[@]}" "${extra[@]}"
