#!/usr/bin/env bash
# Submits tools/slurm-sweep.sh to a real Slurm (Debian's slurm-wlm with munge) on this machine, as its
# header documents, overriding only resources and grid: a small CPU width sweep as a job array plus the
# merge job. One array task is cancelled once it has written a checkpoint and that index is resubmitted;
# the check asserts that the task resumed from its checkpoint and that the merged sweep is byte for byte
# the same sweep run unsharded without Slurm (same threads, same backend).
#
# munged, slurmctld and slurmd run from a temporary directory with a generated slurm.conf (the node's
# CPUs and memory as slurmd -C reports them) on free ports; everything this script started is stopped
# by process id when it exits, pass or fail. LYAP=path/to/lyap uses that binary; otherwise the debug
# build (swift build --product lyap). Needs root (slurmd) and Debian's apt.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
say() { echo "slurm-check: $*"; }
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
if [ -z "${LYAP:-}" ]; then
    swift build --product lyap >/dev/null
    LYAP="$(swift build --show-bin-path)/lyap"
fi
[ -x "$LYAP" ] || fail "LYAP=$LYAP is not an executable"
LYAP=$(realpath "$LYAP")

tmp=$(mktemp -d /tmp/lyap-slurm-check.XXXXXX)
conf=$tmp/slurm.conf
export SLURM_CONF=$conf
pids=()
cleanup() {
    local rc=$?
    set +e
    if [ -n "$(jobs -p)" ] || [ ${#pids[@]} -gt 0 ]; then
        timeout 10 scancel --user="$(id -un)" 2>/dev/null
        for _ in $(seq 50); do  # up to 10 s for the cancelled jobs' steps to end
            [ -z "$(timeout 5 squeue -h -t running,pending 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        for _ in $(seq 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "${pids[i]}" 2>/dev/null
    done
    # Job steps (slurmstepd, lyap) are children of slurmd that outlive it; they carry this SLURM_CONF.
    for env in /proc/[0-9]*/environ; do
        p=${env#/proc/}; p=${p%/environ}
        [ "$p" = $$ ] && continue
        if { tr '\0' '\n' < "$env"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then kill -KILL "$p" 2>/dev/null; fi
    done
    if [ $rc -eq 0 ]; then rm -rf "$tmp"; else echo "slurm-check: logs kept in $tmp" >&2; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every POLL seconds (0.2); fails naming WHAT after SECONDS.
wait_for() {
    local limit=$1 what=$2 deadline=$((SECONDS + $1))
    shift 2
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${limit}s waiting for $what"
        sleep "${POLL:-0.2}"
    done
}
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# munge, with its own key and socket.
mkdir -m 700 "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
head -c 1024 /dev/urandom > "$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
munged -F --force --key-file="$tmp/munge/munge.key" --socket="$socket" --pid-file="$tmp/munge/munged.pid" \
    --seed-file="$tmp/munge/munged.seed" --log-file="$tmp/munge/munged.log" >"$tmp/munge/munged.out" 2>&1 &
pids+=($!)
munge_ok() { munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1; }
wait_for 30 "munged" munge_ok

node=$(slurmd -C | head -1)   # NodeName=HOST CPUs=N ... RealMemory=MB: this machine as slurmd sees it
host=${node#NodeName=}; host=${host%% *}
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<< "$node")
cat > "$conf" <<EOF
ClusterName=lyapcheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$conf" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$conf" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(timeout 5 sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; }
wait_for 60 "slurmctld and slurmd (node $host idle)" node_idle
say "Slurm $(timeout 10 sinfo -V | cut -d' ' -f2) up: $node"

# The grid and options (small, CPU) as variables the script reads; the reference run uses the same. 24 epochs
# leave the cancelled task 22 epochs after its first checkpoint, so the cancel lands mid-run even on an idle machine.
export SHARDS=3 SWEEP_BACKEND=cpu SWEEP_WIDTHS=1,2,3,4,5,6 SWEEP_SEEDS=0 SWEEP_NOISE=0 SWEEP_VARIANTS=trainable
export SWEEP_EPOCHS=24 SWEEP_ANALYZE_EVERY=none LYAP_DATA=embedded LYAP
export SWEEP_OPTIONS="--threads 2 --seq-len 50 --train-size 640 --test-size 100 --vocab 1000 --embed 8 --checkpoint-every 2"
cd "$tmp/work"
mkdir -p runs/sweep-shards
resources=(--gres=none --cpus-per-task="$cpus" --mem=1G --time=20)  # one task at a time on this node
jid=$(timeout 30 sbatch --parsable --array=0-2 "${resources[@]}" "$repo/tools/slurm-sweep.sh")
mid=$(timeout 30 sbatch --parsable --dependency=singleton --job-name=lyap-sweep --output=runs/sweep-shards/slurm-merge-%j.out \
    --mem=1G --time=20 --wrap "$repo/tools/slurm-sweep.sh merge runs/sweep")
say "submitted array $jid (tasks 0-2) and merge $mid (singleton)"

# The reference: the same sweep unsharded, without Slurm (runs while the array does).
timeout 1200 "$LYAP" sweep --out "$tmp/reference" --backend cpu --widths $SWEEP_WIDTHS --seeds $SWEEP_SEEDS --label-noise $SWEEP_NOISE \
    --variant $SWEEP_VARIANTS --data embedded --epochs $SWEEP_EPOCHS $SWEEP_OPTIONS >"$tmp/reference.log" 2>&1 &
ref=$!
pids+=($ref)

victim=1
checkpointed() { compgen -G "runs/sweep-shards/shard-$victim/partial/*" >/dev/null; }
POLL=0.05 wait_for 600 "array task $victim's first checkpoint" checkpointed
timeout 30 scancel "${jid}_$victim"
job_state() { timeout 5 scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
cancelled() { [ "$(job_state "${jid}_$victim")" = CANCELLED ]; }
wait_for 60 "task ${jid}_$victim to be cancelled" cancelled
rid=$(timeout 30 sbatch --parsable --array=$victim "${resources[@]}" "$repo/tools/slurm-sweep.sh")
say "cancelled ${jid}_$victim after its checkpoint; resubmitted index $victim as ${rid}_$victim"

queue_empty() { [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && timeout 5 squeue >/dev/null 2>&1; }
wait_for 1200 "the array, the resubmitted task and the merge to end" queue_empty
# The merge may have handed over to a later merge job (the resubmitted task was still queued).
merges=$mid
while next=$(grep -o 'the merge continues as job [0-9]*' "runs/sweep-shards/slurm-merge-$mid.out" 2>/dev/null); do
    [ "$(job_state "$mid")" = COMPLETED ] || fail "merge job $mid ended $(job_state "$mid")"
    mid=${next##* }
    merges+=" -> $mid"
done
wait "$ref" || fail "the unsharded reference sweep failed: $(tail -3 "$tmp/reference.log")"
for t in 0 2; do
    [ "$(job_state "${jid}_$t")" = COMPLETED ] || fail "array task ${jid}_$t ended $(job_state "${jid}_$t"): $(tail -3 "runs/sweep-shards/slurm-${jid}_$t.out")"
done
[ "$(job_state "${rid}_$victim")" = COMPLETED ] || fail "resubmitted task ${rid}_$victim ended $(job_state "${rid}_$victim")"
[ "$(job_state "$mid")" = COMPLETED ] || fail "merge job $mid ended $(job_state "$mid"): $(tail -3 runs/sweep-shards/slurm-merge-$mid.out)"

resumed=runs/sweep-shards/slurm-${rid}_$victim.out
grep -q -- "--resume" "$resumed" || fail "the resubmitted task did not pass --resume: $(head -1 "$resumed")"
line=$(grep -m1 "continuing from the checkpoint of epoch" "$resumed") \
    || fail "the resubmitted task restarted instead of resuming from its checkpoint ($resumed)"
say "resubmitted task: ${line#lyap: }"

for f in sweep.csv sweep.json; do
    cmp "runs/sweep/$f" "$tmp/reference/$f" || fail "merged $f differs from the unsharded sweep's"
done
diff -r runs/sweep/configs "$tmp/reference/configs" >/dev/null || fail "merged configs/ differ from the unsharded sweep's"
n=$(ls runs/sweep/configs | wc -l)
say "passed: Slurm $(timeout 10 sinfo -V | cut -d' ' -f2) ran tools/slurm-sweep.sh as a $SHARDS-task array on $cpus CPUs; task $victim, cancelled after its checkpoint and resubmitted, resumed; the merge (jobs $merges) of $n configurations is byte for byte the unsharded sweep (sweep.csv, sweep.json, configs/)"
