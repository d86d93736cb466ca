#!/usr/bin/env python3
"""One CSV row per paper-protocol analysis (RUN/paper/epoch-NNNN.json, lyap analyze --json), for pandas.

    tools/science/paper-table.py RUN/paper > RUN/paper.csv

Columns: epoch; lambda_1..lambda_k (mean over reviews); lambda1_median and lambda1_positive_fraction;
distance_initial and distance_end_of_drive (D~, mean over reviews) with their floor fractions; the phase under
lyap's lab rule, the distance rule and the reproduction's fixed threshold (D~_end < -14.5 is order);
reviews and k.
"""
import csv
import glob
import json
import os
import sys

REPRODUCTION_THRESHOLD = -14.5


def row(path):
    d = json.load(open(path))
    exps = d["exponents"]
    out = {"epoch": d["epoch"]}
    out.update({f"lambda_{i + 1}": v for i, v in enumerate(exps)})
    end = d["asymptotic_distance"]["end_of_drive"]
    out.update({
        "lambda1_median": d["max_exponent_median"],
        "lambda1_positive_fraction": d["max_exponent_positive_fraction"],
        "distance_initial": d["asymptotic_distance"]["initial"],
        "distance_end_of_drive": end,
        "floor_fraction_initial": d["floor_fraction"]["initial"],
        "floor_fraction_end_of_drive": d["floor_fraction"]["end_of_drive"],
        "phase_lab": d["phases"]["lab_rule"],
        "phase_distance": d["phases"]["distance_rule"],
        "phase_reproduction": "order" if end < REPRODUCTION_THRESHOLD else "chaos",
        "reviews": len(d["per_review"]),
        "k": len(exps),
    })
    return out


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: paper-table.py RUN/paper (a folder of lyap analyze --json files)")
    rows = sorted((row(p) for p in glob.glob(os.path.join(sys.argv[1], "epoch-*.json"))), key=lambda r: r["epoch"])
    if not rows:
        sys.exit(f"paper-table.py: {sys.argv[1]}: no epoch-NNNN.json")
    fields = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    main()
