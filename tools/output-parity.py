#!/usr/bin/env python3
"""Run the same short lyap jobs with two binaries and compare what they write, byte for byte.

    tools/output-parity.py BASE_BIN NEW_BIN [--work DIR] [--no-vulkan] [--keep] [--no-shared-padding]

The jobs (small shapes on the embedded data, 2 threads): train with the analysis, analyze, report, cycles,
stages, metastates, a study, a sweep and an audit on the CPU; and, when `lyap devices` lists a Vulkan device,
a train and an analyze on it. Every file both runs write is compared after removing what legitimately differs
between two runs: the `seconds` column of CSVs, `createdAt` and the provenance (`versions`) in JSON, the
binary's own path in recorded commands, and report.html (it embeds those). Exit 0 when everything matches,
1 with one line per difference otherwise, 2 on bad usage.
"""
import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

WALL_CLOCK_COLUMNS = {"seconds"}
VOLATILE_KEYS = {"createdAt", "versions"}
SKIPPED_NAMES = {"report.html"}
SMALL = ["--train-size", "160", "--test-size", "96", "--seq-len", "40", "--hidden", "11", "--threads", "2"]


def jobs(vulkan, unshared=False):
    cpu = ["--backend", "cpu"] + (["--no-shared-padding"] if unshared else [])
    out = [
        ("train", ["train", "--out", "train", "--epochs", "6", "--checkpoint-every", "1", "--analyze-every", "2",
                   "--analyze-reviews", "8", *SMALL, *cpu]),
        ("analyze", ["analyze", "--checkpoint", "train", "--json", "train/dynamics.json", "--reviews", "8",
                     "--exponents", "3", *cpu]),
        ("cycles", ["cycles", "train", "--json", "train/cycles.json"]),
        ("stages", ["stages", "train", "--json", "train/stages.json"]),
        ("metastates", ["metastates", "train", "--reference", "3"]),
        ("tanh-map", ["tanh-map", "--csv", "train/tanh-map.csv"]),
        ("report", ["report", "train", "--dynamics", "train/dynamics.json", "--tanh-map", "train/tanh-map.csv"]),
        ("study", ["study", "--out", "study", "--analyze-every", "2", "--reviews", "8", "--epochs", "4", *SMALL,
                   *cpu]),
        ("sweep", ["sweep", "--out", "sweep", "--widths", "2,5", "--seeds", "0,1", "--label-noise", "0,0.2",
                   "--epochs", "2", "--train-size", "128", "--test-size", "64", "--seq-len", "30", "--threads", "2",
                   *cpu]),
        ("sweep report", ["report", "sweep"]),
        ("audit", ["audit", "--from", "train", "--at", "2", "--perturb", "param:1e-5", "--perturb", "order:7",
                   "--epochs", "2", "--analyze-every", "1", "--analyze-reviews", "8", "--out", "audit", *cpu]),
    ]
    if vulkan:
        vk = ["--backend", "vulkan"]
        out += [
            ("vulkan train", ["train", "--out", "vk", "--epochs", "2", "--checkpoint-every", "1", "--train-size", "64",
                              "--test-size", "32", "--seq-len", "24", "--hidden", "9", *vk]),
            ("vulkan analyze", ["analyze", "--checkpoint", "vk", "--json", "vk/dynamics.json", "--reviews", "4",
                                *vk]),
        ]
    return out


def has_vulkan(binary):
    try:
        listing = subprocess.run([binary, "devices"], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "vulkan" in listing.lower()


def run_all(binary, root, vulkan, unshared):
    os.makedirs(root)
    for name, args in jobs(vulkan, unshared):
        result = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            sys.exit(f"output-parity: {binary} {name} failed (exit {result.returncode}): {tail[0]}")


def normalised_json(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in VOLATILE_KEYS:
                continue
            if key == "command" and isinstance(item, list) and item:
                item = ["lyap", *item[1:]]
            out[key] = normalised_json(item)
        return out
    if isinstance(value, list):
        return [normalised_json(item) for item in value]
    return value


def normalised_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    keep = [i for i, name in enumerate(rows[0]) if name not in WALL_CLOCK_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([row[i] for i in keep if i < len(row)])
    return buffer.getvalue()


def normalised(path):
    data = open(path, "rb").read()
    if path.endswith(".json") or path.endswith(".jsonl"):
        try:
            if path.endswith(".jsonl"):
                return "\n".join(json.dumps(normalised_json(json.loads(line)), sort_keys=True)
                                 for line in data.decode().splitlines() if line.strip()).encode()
            return json.dumps(normalised_json(json.loads(data)), sort_keys=True).encode()
        except ValueError:
            return data
    if path.endswith(".csv"):
        return normalised_csv(data.decode()).encode()
    if path.endswith("command") or path.endswith(".txt"):
        return data.replace(b"\r", b"")
    return data


def files_under(root):
    found = set()
    for folder, _, names in os.walk(root):
        for name in names:
            if name not in SKIPPED_NAMES:
                found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def compare(base_root, new_root):
    base, new = files_under(base_root), files_under(new_root)
    problems = [f"only in BASE: {p}" for p in sorted(base - new)] + [f"only in NEW: {p}" for p in sorted(new - base)]
    for path in sorted(base & new):
        if normalised(os.path.join(base_root, path)) != normalised(os.path.join(new_root, path)):
            problems.append(f"differs: {path}")
    return problems, len(base & new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--work", help="directory for the two runs (default: a new temporary one)")
    parser.add_argument("--no-vulkan", action="store_true", help="skip the Vulkan jobs")
    parser.add_argument("--keep", action="store_true", help="keep the runs' directories")
    parser.add_argument("--no-shared-padding", dest="unshared", action="store_true",
                        help="run the CPU jobs with --no-shared-padding (compares the unshared computation when the "
                             "shared one changed its summation order on purpose)")
    options = parser.parse_args()
    for binary in (options.base, options.new):
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            print(f"output-parity: {binary}: not an executable file", file=sys.stderr)
            sys.exit(2)
    work = options.work or tempfile.mkdtemp(prefix="lyap-output-parity-")
    vulkan = not options.no_vulkan and has_vulkan(options.base) and has_vulkan(options.new)
    base_root, new_root = os.path.join(work, "base"), os.path.join(work, "new")
    for root in (base_root, new_root):
        shutil.rmtree(root, ignore_errors=True)
    run_all(os.path.abspath(options.base), base_root, vulkan, options.unshared)
    run_all(os.path.abspath(options.new), new_root, vulkan, options.unshared)
    problems, compared = compare(base_root, new_root)
    jobs_run = ", ".join(name for name, _ in jobs(vulkan, options.unshared))
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    for line in problems:
        print(line)
    verdict = "identical" if not problems else f"{len(problems)} difference(s)"
    print(f"output-parity: {compared} files compared after {jobs_run}: {verdict}"
          + ("" if vulkan else " (no Vulkan device: Vulkan jobs skipped)"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
