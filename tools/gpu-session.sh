#!/usr/bin/env bash
# The GPU checks and benchmarks that CPU-only machines cannot run, packed for a machine that has a GPU but no
# Swift toolchain (such as a lent device machine, which runs commands in a copy of this repository).
#
#   tools/gpu-session.sh prepare       here: release build, then .gpu/bundle.tar.xz (the three binaries and
#                                      the shared libraries they load, Swift runtime included) and .gl/ (the
#                                      Vulkan loader and validation-layer packages), both ignored by git; carry both
#   tools/gpu-session.sh run STAGE...  there, from the repository root: unpack, then run the stages in order,
#                                      writing everything to $OUT/gpu-session.log (or ./gpu-session.log)
#
# A lent machine gives a task about 15 minutes in all, its start-up included, so the stages share one time
# budget: GS_BUDGET_S seconds from the start of `run` (default 420). Every command gets its own time limit,
# cut to what is left of the budget; a command past the budget is skipped with a line saying so, and a
# command that fails or times out is logged and the stage goes on. With a 15-minute lease, one call:
#
#   run targets parity      (device timeout_s 480, carry [".gpu", ".gl"])
#
# and, if the lease has time left for a second call, `run step lab` or `run sweep`.
#
# Stages, most important first:
#   targets   what the open issues wait for, smallest first: the kernels against the CPU float64 backend at the
#             paper's shape (2 Adam steps, both recurrent code paths); issue 3's first target as a whole epoch
#             (embedded data, 2,500 + 2,500 reviews, H=60, L=500) next to the same epoch in PyTorch cuDNN, and
#             per step; the analysis of that run's checkpoints on the GPU against the CPU float64 engine;
#             issue 3's second target (8 widths x 4 models interleaved against PyTorch's 32 models in turn);
#             issue 4's target (300 checkpoints analysed, k = 8 and 1), one checkpoint next to JAX on the same
#             GPU; then the per-kernel profile at H=60 against its floors
#   parity    lyap devices; train on Vulkan with validation, evaluate the checkpoint on Vulkan and with the CPU
#             float64 oracle; the stability analysis of a run on Vulkan against the CPU, in one dispatch and
#             split into 64-step dispatches (the two must be bitwise equal; PARITY_REVIEWS, default 100)
#   step      lyap-bench train-step on Vulkan vs PyTorch cuDNN, one model at H 8..512, 32 models at H=60, and
#             8 widths x 4 models interleaved (--interleave);
#             then per-kernel times against their floors (--profile) at H=60 and 512, and lyap-bench floors
#   sweep     tools/bench-sweep/run.sh on Vulkan vs PyTorch on the GPU: per width, --pad-widths, --interleave-widths
#   dynamics  lyap-bench-dynamics with --vulkan --checkpoints 200 next to the CPU and the JAX/PyTorch peers
#   lab       the kernel lab (lyap-bench train-step --configs) at H=60 and H=256: workgroup sizes and ROWREG,
#             each checked against the CPU float64 backend, then timed, with the per-kernel table (--profile)
# Every number is a median after warm-up (see each tool); copy the tables into BENCHMARKS.md with the
# device line that `lyap devices` printed.
#
# GS_REHEARSAL=1 (with DRY_RUN=1, on lavapipe) shrinks every shape of `targets` and runs its PyTorch peers on
# the CPU, so the script itself can be checked on a CPU machine; its numbers mean nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

prepare() {
    swift build -c release --product lyap
    swift build -c release --product lyap-bench
    swift build -c release --product lyap-bench-dynamics
    local stage=.gpu/stage
    rm -rf .gpu && mkdir -p "$stage/bin" "$stage/lib"
    cp .build/release/lyap .build/release/lyap-bench .build/release/lyap-bench-dynamics "$stage/bin/"
    # Every shared library the binaries load except the C library itself, which the GPU machine has.
    for b in "$stage"/bin/*; do
        ldd "$b" | awk '/=> \// { print $3 }'
    done | sort -u | while read -r lib; do
        case "$(basename "$lib")" in
            libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
            *) cp -L "$lib" "$stage/lib/" ;;
        esac
    done
    tar -C "$stage" -cJf .gpu/bundle.tar.xz bin lib
    rm -rf "$stage"
    rm -rf .gl && mkdir -p .gl /tmp/amd64/partial
    local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update >/dev/null
    # The loader, and the validation layer that --validate needs (the GPU machine has neither).
    # shellcheck disable=SC2086
    (cd .gl && apt-get $o download libvulkan1 vulkan-validationlayers >/dev/null)
    for d in /.gpu/ /.gl/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
    du -sh .gpu/bundle.tar.xz .gl
    echo "carry [\".gpu\", \".gl\"] and run: bash tools/gpu-session.sh run targets parity   (device timeout_s 480)"
}

unpack() {
    # DRY_RUN=1: a rehearsal on a machine that has its own Vulkan loader (lavapipe), nothing unpacked into /.
    if [ -z "${DRY_RUN:-}" ]; then
        for f in .gl/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    mkdir -p /tmp/lyap-gpu
    tar -C /tmp/lyap-gpu -xJf .gpu/bundle.tar.xz
    export PATH=/tmp/lyap-gpu/bin:$PATH LD_LIBRARY_PATH=/tmp/lyap-gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    if [ -z "${DRY_RUN:-}" ] && ! lyap devices 2>/dev/null | grep -q -- "--device 0"; then
        export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    fi
    if ! lyap devices >/dev/null 2>&1; then
        # The first thing a rerun needs to know: which library or driver is missing.
        echo "gpu-session: lyap cannot list devices here:"
        lyap devices 2>&1 || true
        ldd /tmp/lyap-gpu/bin/lyap | grep 'not found' || true
    fi
}

# budgeted LIMIT CMD...: runs CMD for at most LIMIT seconds and never past the session's deadline; logs a
# failure or a time-out and returns 0, so one broken benchmark does not cost the ones after it. Its own lines
# go to stderr, so a command's stdout can be redirected to a file.
budgeted() {
    local limit=$1
    shift
    local left=$((deadline - $(date +%s)))
    if [ "$left" -le 5 ]; then
        echo "-- skipped, budget spent: $*" >&2
        return 0
    fi
    [ "$limit" -le "$left" ] || limit=$left
    echo "-- $(date -u +%T) (limit ${limit}s) $*" >&2
    local rc=0
    timeout --kill-after=10 "$limit" "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "-- rc=$rc$([ "$rc" -eq 124 ] && echo ", timed out after ${limit}s"): $*" >&2
    fi
    return 0
}

stage_targets() {
    # Shapes: the paper's, or lavapipe-sized for a rehearsal of the script.
    local L=500 B=32 N=2500 H=60 epochs=3 reviews=100 ckpts=300 widths=1,2,4,8,16,32,64,128 dyn=() torch=cuda
    if [ -n "${GS_REHEARSAL:-}" ]; then
        L=20 B=4 N=64 H=7 reviews=8 ckpts=2 widths=1,3 dyn=(--reviews 8 --drive 20 --steps 60 --transient 20) torch=cpu
    fi
    local run=/tmp/lyap-gpu/targets
    rm -rf "$run"
    mkdir -p "$run"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>/dev/null || true
    budgeted 30 lyap devices

    echo "== the kernels against the CPU float64 backend: 2 Adam steps at H=$H, L=$L, B=$B, both recurrent code paths"
    budgeted 90 lyap-bench train-step --backend vulkan --widths "$H" --seq-len "$L" --batch "$B" --no-torch \
        --configs "rowreg=auto,off"

    echo "== issue 3, target 1: a whole epoch ($N training + $N test reviews, H=$H, L=$L, B=$B) on Vulkan and in PyTorch cuDNN"
    budgeted 150 lyap train --out "$run/epoch" --epochs "$epochs" --checkpoint-every 1 --backend vulkan \
        --hidden "$H" --seq-len "$L" --batch "$B" --train-size "$N" --test-size "$N"
    budgeted 150 python3 tools/bench-sweep/torch_sweep.py "$H" 0 "$epochs" "$N" "$N" "$B" "$L" 32 10000 "$(nproc)" "$torch" \
        >"$run/torch-epoch.json"
    budgeted 20 python3 - "$run/epoch/metrics.csv" "$run/torch-epoch.json" "$N" <<'EOF'
import csv, json, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
lyap = [float(r["seconds"]) for r in rows[1:]]            # the first epoch compiles and warms up
n = int(sys.argv[3])
a = statistics.median(lyap)
try:
    t = json.load(open(sys.argv[2]))
    b = statistics.median(t["epoch_seconds"][1:])
    peer = f"PyTorch {t['torch']} on {t['device']} {b:.3f} s, PyTorch / lyap {b / a:.2f}x (issue 3: >= 3x)"
except (ValueError, KeyError, statistics.StatisticsError):
    peer = "PyTorch: no result (see above)"
print(f"epoch of {n}+{n} reviews, median of epochs 2..{len(rows)}: lyap vulkan {a:.3f} s, {peer}; "
      f"the full 25,000+25,000 corpus has {25000 / n:.0f}x as many steps")
EOF
    budgeted 120 lyap-bench train-step --backend vulkan --models 1 --widths "$H" --seq-len "$L" --batch "$B" --torch-device "$torch"

    echo "== issue 4: the analysis of that run's checkpoints on Vulkan against the CPU float64 engine (k = 8, $reviews reviews)"
    budgeted 90 lyap analyze --checkpoint "$run/epoch" --exponents 8 --reviews "$reviews" --backend vulkan --json "$run/gpu.json"
    budgeted 90 lyap analyze --checkpoint "$run/epoch" --exponents 8 --reviews "$reviews" --backend cpu --precision float64 \
        --json "$run/cpu.json"
    budgeted 20 python3 - "$run/gpu.json" "$run/cpu.json" <<'EOF'
import json, sys
g, c = (json.load(open(p)) for p in sys.argv[1:3])
for a, b in zip(g["checkpoints"], c["checkpoints"]):
    worst = max(abs(x - y) for ra, rb in zip(a["per_review"], b["per_review"]) for x, y in zip(ra["exponents"], rb["exponents"]))
    print(f"epoch {a['epoch']}: max_exponent gpu {a['max_exponent']:+.6f} cpu {b['max_exponent']:+.6f}; worst exponent of any "
          f"review differs by {worst:.2e} (issue 4: < 2e-3); D~ end gpu {a['asymptotic_distance']['end_of_drive']:.3f} "
          f"cpu {b['asymptotic_distance']['end_of_drive']:.3f}")
EOF

    echo "== issue 3, target 2: 8 widths x 4 models in one step, against PyTorch's 32 models one after another"
    budgeted 150 lyap-bench train-step --backend vulkan --models 4 --widths "$widths" --seq-len "$L" --batch "$B" \
        --interleave --torch-device "$torch"

    echo "== issue 4, target: $ckpts checkpoints analysed at once (paper's protocol); compare with the epoch above"
    local last
    last=$(find "$run/epoch/checkpoints" -name 'epoch-*.safetensors' ! -name '*.state.*' 2>/dev/null | sort | tail -n 1)
    budgeted 120 lyap-bench-dynamics --checkpoint "${last:-missing}" "${dyn[@]}" --vulkan --checkpoints "$ckpts" \
        --precisions float32 --no-peers --reps 2
    echo "== one checkpoint on Vulkan next to the same job in JAX on this machine (its GPU, where jax has one)"
    # JAX would otherwise take three quarters of the GPU's memory at start.
    budgeted 120 env XLA_PYTHON_CLIENT_PREALLOCATE=false lyap-bench-dynamics --checkpoint "${last:-missing}" "${dyn[@]}" \
        --vulkan --checkpoints 1 --precisions float32 --peers jax --reps 2

    echo "== per-kernel GPU time at H=$H against the floors"
    budgeted 60 lyap-bench train-step --backend vulkan --widths "$H" --seq-len "$L" --batch "$B" --no-torch --profile
}

stage_parity() {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    budgeted 30 lyap devices
    local run=/tmp/lyap-gpu/run
    rm -rf "$run"
    budgeted 120 lyap train --out "$run" --epochs 2 --hidden 60 --seq-len 200 --train-size 1000 --test-size 500 \
        --checkpoint-every 1 --backend vulkan --validate --profile
    budgeted 60 lyap eval --checkpoint "$run/checkpoints/epoch-0002.safetensors" --backend vulkan --validate
    budgeted 60 lyap eval --checkpoint "$run/checkpoints/epoch-0002.safetensors" --backend cpu --precision float64
    local reviews=${PARITY_REVIEWS:-100}
    budgeted 90 lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend vulkan --validate --profile --json "$run/gpu.json"
    budgeted 90 lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend vulkan --steps-per-dispatch 64 --json "$run/gpu64.json"
    budgeted 90 lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend cpu --precision float64 --json "$run/cpu.json"
    budgeted 20 python3 - "$run/gpu.json" "$run/cpu.json" "$run/gpu64.json" <<'EOF'
import json, sys
g, c, g64 = (json.load(open(p)) for p in sys.argv[1:4])
one = [r["exponents"] for k in g["checkpoints"] for r in k["per_review"]]
split = [r["exponents"] for k in g64["checkpoints"] for r in k["per_review"]]
print("one dispatch vs 64 steps per dispatch:", "bitwise equal" if one == split else "DIFFERENT")
for a, b in zip(g["checkpoints"], c["checkpoints"]):
    print(f"epoch {a['epoch']}: max_exponent gpu {a['max_exponent']:+.6f} cpu {b['max_exponent']:+.6f} "
          f"|d| {abs(a['max_exponent'] - b['max_exponent']):.2e} (issue 4: < 2e-3); "
          f"D~ end gpu {a['asymptotic_distance']['end_of_drive']:.3f} cpu {b['asymptotic_distance']['end_of_drive']:.3f}")
EOF
}

stage_step() {
    budgeted 240 lyap-bench train-step --backend vulkan --models 1 --torch-device cuda
    budgeted 120 lyap-bench train-step --backend vulkan --models 32 --widths 60 --torch-device cuda
    # Issue 3's second target at step level: 8 widths x 4 seeds together vs PyTorch's 32 models in turn.
    budgeted 150 lyap-bench train-step --backend vulkan --models 4 --widths 1,2,4,8,16,32,64,128 --interleave --torch-device cuda
    # Per-kernel times against their floors, separately: timestamp queries must not touch the timings above.
    budgeted 120 lyap-bench train-step --backend vulkan --widths 60,512 --no-torch --profile
    # The floors the measured times sit above, for this GPU's datasheet peaks.
    budgeted 30 lyap-bench floors --models 1,32 --device-name "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"
}

stage_lab() {
    budgeted 300 lyap-bench train-step --backend vulkan --widths 60,256 --profile \
        --configs "flat=64,128,256;persistent=auto,64,128,256;rowreg=auto,off"
}

stage_sweep() {
    local bin=/tmp/lyap-gpu/bin
    # run.sh builds with swift when it can; on the GPU machine it uses the carried binary.
    budgeted 200 env LYAP_BIN=$bin/lyap tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
    budgeted 200 env LYAP_BIN=$bin/lyap SWEEP_FLAGS=--pad-widths tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
    budgeted 200 env LYAP_BIN=$bin/lyap SWEEP_FLAGS=--interleave-widths tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
}

stage_dynamics() {
    local run=/tmp/lyap-gpu/dyn
    rm -rf "$run"
    budgeted 120 lyap train --out "$run" --epochs 4 --checkpoint-every 4 --backend vulkan
    budgeted 240 lyap-bench-dynamics --checkpoint "$run/checkpoints/epoch-0004.safetensors" --vulkan --checkpoints 200 --reps 3
}

stages="targets parity step sweep dynamics lab"
case "${1:-}" in
    prepare) prepare ;;
    run)
        shift
        [ $# -gt 0 ] || { echo "gpu-session: name the stages: $stages" >&2; exit 2; }
        for s in "$@"; do
            case " $stages " in
                *" $s "*) ;;
                *) echo "gpu-session: unknown stage $s ($stages)" >&2; exit 2 ;;
            esac
        done
        deadline=$(($(date +%s) + ${GS_BUDGET_S:-420}))
        unpack
        log="${OUT:-.}/gpu-session.log"
        for s in "$@"; do
            echo "== stage $s ($(date -u +%FT%TZ)), $((deadline - $(date +%s))) s of the budget left" | tee -a "$log"
            "stage_$s" 2>&1 | tee -a "$log"
        done
        echo "== done ($(date -u +%FT%TZ)), $((deadline - $(date +%s))) s of the budget left" | tee -a "$log"
        ;;
    *) echo "usage: tools/gpu-session.sh prepare | run STAGE... ($stages)" >&2; exit 2 ;;
esac
