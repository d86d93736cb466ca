#!/usr/bin/env python3
"""docs/science/runs.csv: one row per published run (tools/science/publish.sh) from its config.json, metrics.csv and
cycles.json: where the run stands, its best epoch, cycles, transitions under each phase rule and the continuous
statistic (lambda1 and D~ before minus after each collapse, with the cyclic-shift null's one-sided p).

    tools/science/status-table.py docs/science/RUN...  > docs/science/runs.csv
"""
import csv
import json
import os
import sys


def arm(config):
    c = config["config"]
    if c.get("conventions", {}).get("protocol") == "reproduction":
        return "R"
    return {"keras": "K", "keras2": "K2"}.get(c.get("adamForm", "torch"), "T")


def row(run):
    config = json.load(open(os.path.join(run, "config.json")))
    cycles = json.load(open(os.path.join(run, "cycles.json")))
    with open(os.path.join(run, "metrics.csv")) as f:
        epochs = [r for r in csv.DictReader(f)]
    analysed = [r for r in epochs if r.get("max_exponent")]
    binary = open(os.path.join(run, "binary")).read().strip()
    out = {
        "run": os.path.basename(run.rstrip("/")),
        "arm": arm(config),
        "seed": config["config"]["seed"],
        "epochs": epochs[-1]["epoch"] if epochs else 0,
        "analysed_epochs": len(analysed),
        "binary": binary,
        "best_epoch": cycles["cycles"]["bestEpoch"],
        "best_test_loss": cycles["cycles"]["bestValue"],
        "cycles": len(cycles["cycles"]["cycles"]),
    }
    for rule in cycles["study"]["rules"]:
        out[f"transitions_{rule['rule']}"] = len(rule["transitions"])
        out[f"best_at_first_oc_{rule['rule']}"] = rule["best_point"]["holds"]
    for name, key in (("lambda1", "max_exponent"), ("d_end", "distance_end_of_drive")):
        d = cycles["study"]["dynamics"].get(key) or {}
        out[f"{name}_before_minus_after"] = d.get("statistic", "")
        out[f"{name}_p"] = d.get("p", "")
    return out


rows = [row(r) for r in sys.argv[1:]]
if rows:
    w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
