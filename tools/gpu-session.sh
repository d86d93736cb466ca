#!/usr/bin/env bash
# The GPU checks and benchmarks that CPU-only machines cannot run, packed for a machine that has a GPU but no
# Swift toolchain (such as a lent device machine, which runs commands in a copy of this repository).
#
#   tools/gpu-session.sh prepare       here: release build, then .gpu/bundle.tar.xz (the three binaries and
#                                      the shared libraries they load, Swift runtime included) and .gl/ (the
#                                      Vulkan loader packages), both ignored by git; carry both to the GPU
#   tools/gpu-session.sh run STAGE...  there, from the repository root: unpack, then run the stages in order,
#                                      writing everything to $OUT/gpu-session.log (or ./gpu-session.log)
#
# Stages (each fits in a few minutes on an H100; run them in separate commands if a command is time-limited):
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
    mkdir -p .gl /tmp/amd64/partial
    local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update >/dev/null
    # shellcheck disable=SC2086
    (cd .gl && apt-get $o download libvulkan1 >/dev/null)
    for d in /.gpu/ /.gl/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
    du -sh .gpu/bundle.tar.xz .gl
    echo "carry [\".gpu\", \".gl\"] and run: bash tools/gpu-session.sh run parity step   (then: sweep dynamics lab)"
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
}

stage_parity() {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    lyap devices
    local run=/tmp/lyap-gpu/run
    rm -rf "$run"
    lyap train --out "$run" --epochs 2 --hidden 60 --seq-len 200 --train-size 1000 --test-size 500 \
        --checkpoint-every 1 --backend vulkan --validate --profile
    lyap eval --checkpoint "$run/checkpoints/epoch-0002.safetensors" --backend vulkan --validate
    lyap eval --checkpoint "$run/checkpoints/epoch-0002.safetensors" --backend cpu --precision float64
    local reviews=${PARITY_REVIEWS:-100}
    lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend vulkan --validate --profile --json "$run/gpu.json"
    lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend vulkan --steps-per-dispatch 64 --json "$run/gpu64.json"
    lyap analyze --checkpoint "$run" --exponents 8 --reviews "$reviews" --backend cpu --precision float64 --json "$run/cpu.json"
    python3 - "$run/gpu.json" "$run/cpu.json" "$run/gpu64.json" <<'EOF'
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
    lyap-bench train-step --backend vulkan --models 1 --torch-device cuda
    lyap-bench train-step --backend vulkan --models 32 --widths 60 --torch-device cuda
    # Issue 3's second target at step level: 8 widths x 4 seeds together vs PyTorch's 32 models in turn.
    lyap-bench train-step --backend vulkan --models 4 --widths 1,2,4,8,16,32,64,128 --interleave --torch-device cuda
    # Per-kernel times against their floors, separately: timestamp queries must not touch the timings above.
    lyap-bench train-step --backend vulkan --widths 60,512 --no-torch --profile
    # The floors the measured times sit above, for this GPU's datasheet peaks.
    lyap-bench floors --models 1,32 --device-name "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)" || true
}

stage_lab() {
    lyap-bench train-step --backend vulkan --widths 60,256 --profile \
        --configs "flat=64,128,256;persistent=auto,64,128,256;rowreg=auto,off"
}

stage_sweep() {
    local bin=/tmp/lyap-gpu/bin
    # run.sh builds with swift when it can; on the GPU machine it uses the carried binary.
    LYAP_BIN=$bin/lyap tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
    LYAP_BIN=$bin/lyap SWEEP_FLAGS=--pad-widths tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
    LYAP_BIN=$bin/lyap SWEEP_FLAGS=--interleave-widths tools/bench-sweep/run.sh --backend vulkan --torch-device cuda
}

stage_dynamics() {
    local run=/tmp/lyap-gpu/dyn
    rm -rf "$run"
    lyap train --out "$run" --epochs 4 --checkpoint-every 4 --backend vulkan
    lyap-bench-dynamics --checkpoint "$run/checkpoints/epoch-0004.safetensors" --vulkan --checkpoints 200 --reps 3
}

case "${1:-}" in
    prepare) prepare ;;
    run)
        shift
        [ $# -gt 0 ] || { echo "gpu-session: name the stages: parity step sweep dynamics lab" >&2; exit 2; }
        unpack
        log="${OUT:-.}/gpu-session.log"
        for s in "$@"; do
            case "$s" in
                parity|step|sweep|dynamics|lab) ;;
                *) echo "gpu-session: unknown stage $s (parity step sweep dynamics lab)" >&2; exit 2 ;;
            esac
            echo "== stage $s ($(date -u +%FT%TZ))" | tee -a "$log"
            "stage_$s" 2>&1 | tee -a "$log"
        done
        ;;
    *) echo "usage: tools/gpu-session.sh prepare | run STAGE..." >&2; exit 2 ;;
esac
