#!/bin/bash
# A width sweep (lyap sweep, methods.md §6.2) as a Slurm job array: task i of N runs the configurations
# whose grid index is i modulo N, on one GPU, into runs/sweep-shards/shard-i. Submit, then merge once all
# tasks have succeeded:
#
#   mkdir -p runs/sweep-shards            # Slurm does not create the --output directory
#   jid=$(sbatch --parsable tools/slurm-sweep.sh)
#   sbatch --dependency=afterok:$jid --wrap "lyap merge runs/sweep runs/sweep-shards/shard-*"
#   lyap report runs/sweep            # after the merge: runs/sweep/report/report.html
#
# A task that was killed (time limit, preemption) continues where it stopped: resubmit the same array
# (or just that index, sbatch --array=3 ...); each task passes --resume when its directory exists.
# Every task must use the same grid and options, or lyap merge refuses the shards.
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
task=${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array}
count=${SLURM_ARRAY_TASK_COUNT:?run this script with sbatch --array}
out="$SHARDS_DIR/shard-$task"
mkdir -p "$SHARDS_DIR"

resume=()
if [ -f "$out/sweep.json" ]; then resume=(--resume); fi

"$LYAP" sweep --out "$out" --shard "$task/$count" --backend vulkan "${resume[@]}" \
    --widths 1,2,3,4,5,6,8,10,12,16,20,24,32,40,48,60,64,80,96,128,160,256 \
    --seeds 0,1,2 --label-noise 0,0.1,0.2 \
    --variant trainable,frozen-embedding,subset:4000 \
    --data "${LYAP_DATA:-../shared/data/aclImdb_v1-labeled.tar.gz}" \
    --epochs 1000 --analyze-every 10
