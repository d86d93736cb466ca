#!/usr/bin/env python3
"""The campaign's verdict per protocol and phase rule, by docs/science/PROTOCOL.md's "What each outcome means",
from the published runs (tools/science/publish.sh): docs/science/verdict.md and, per arm of several runs, the
arm's pooled `lyap cycles` summary (docs/science/pooled-ARM.json).

    tools/science/verdict.py [DOCS_SCIENCE]      (default: docs/science of this checkout)
    tools/science/verdict.py --self-test         (the outcome rules on made-up runs; .ci/run runs it)

Per arm (K, K2, T, R; T' = T-s0-early is reported beside T and never merged, PROTOCOL.md's changes) and rule:
- S1: the test-loss minima against the transitions (the run's own p for one run, the arm's pooled p otherwise),
  Holm-corrected over the three rules (the rules with transitions form the family);
- S2: lambda1 before minus after each collapse, positive and significant after the same correction (it does not
  depend on the rule, so its three p-values are equal and the correction multiplies it by three);
- C2 (S3): the best point at the first O->C transition in a majority of the arm's runs.
Holds: all three. Partly holds: one or two. Does not hold: none, or no run of the arm has a transition after its
best epoch (the claim's premise fails). An arm whose runs have not all reached their target epochs (300, or the
run's --epochs when larger) is provisional. LYAP (default: the release build) runs the pooled `lyap cycles`;
NULL_DRAWS (default 10000) its draws.
"""
import csv
import json
import os
import subprocess
import sys

ALPHA = 0.05
RULES = ["lab", "distance", "reproduction"]
ARMS = ["K", "K2", "T", "R"]
MIN_EPOCHS = 300


def holm(ps):
    """Holm-adjusted p-values of a family ({name: p}); adjusted p = max over the first i sorted of (m - j) p_(j)."""
    order = sorted(ps, key=ps.get)
    m, running, out = len(order), 0.0, {}
    for j, name in enumerate(order):
        running = max(running, min(1.0, (m - j) * ps[name]))
        out[name] = running
    return out


def outcome(premise, s1, s2, c2):
    if not premise:
        return "does not hold (no transition after the best epoch in any run: the premise fails)"
    n = sum([s1, s2, c2])
    return "holds" if n == 3 else "partly holds" if n else "does not hold"


def read_runs(science):
    with open(os.path.join(science, "runs.csv")) as f:
        rows = list(csv.DictReader(f))
    runs = []
    for r in rows:
        d = os.path.join(science, r["run"])
        config = json.load(open(os.path.join(d, "config.json")))
        target = max(MIN_EPOCHS, int(config["config"].get("epochs", 0)))
        runs.append({"name": r["run"], "arm": r["arm"], "dir": d, "epochs": int(r["epochs"]), "target": target,
                     "cycles": json.load(open(os.path.join(d, "cycles.json")))})
    return runs


def pooled(science, arm, runs):
    """The arm's S1 and S2: the run's own for one run, `lyap cycles RUN...` pooled over the arm otherwise."""
    if len(runs) == 1:
        study = runs[0]["cycles"]["study"]
        s1 = {r["rule"]: (r.get("minima_alignment") or {}).get("pPlusOne") for r in study["rules"]}
        return s1, study["dynamics"].get("max_exponent")
    lyap = os.environ.get("LYAP", os.path.join(os.path.dirname(__file__), "../../.build/release/lyap"))
    out = os.path.join(science, f"pooled-{arm}.json")
    subprocess.run([lyap, "cycles", *[r["dir"] for r in runs], "--json", out, "--null-draws",
                    os.environ.get("NULL_DRAWS", "10000")], check=True, stdout=subprocess.DEVNULL)
    p = json.load(open(out))["pooled"]
    s1 = {rule: (p["minima_alignment"].get(rule) or {}).get("p") for rule in RULES}
    return s1, p["dynamics"].get("max_exponent")


def arm_verdict(science, arm, runs):
    s1p, s2 = pooled(science, arm, runs)
    s1_adj = holm({k: v for k, v in s1p.items() if v is not None})
    s2_adj = min(1.0, len(RULES) * s2["p"]) if s2 else None
    s2_ok = bool(s2) and s2["statistic"] > 0 and s2_adj < ALPHA
    lines = []
    for rule in RULES:
        per_run = [next(x for x in r["cycles"]["study"]["rules"] if x["rule"] == rule) for r in runs]
        best = [r["cycles"]["cycles"]["bestEpoch"] for r in runs]
        premise = any(t["epoch"] > b for x, b in zip(per_run, best) for t in x["transitions"])
        c2_runs = sum(1 for x in per_run if (x.get("best_point") or {}).get("holds"))
        c3_runs = sum(1 for x in per_run if (x.get("edge_widths") or {}).get("holds"))
        s1_ok = rule in s1_adj and s1_adj[rule] < ALPHA
        c2_ok = c2_runs * 2 > len(runs)
        s1_text = (f"p {s1p[rule]:.4f} (Holm {s1_adj[rule]:.4f})" if rule in s1_adj else "no transitions")
        s2_text = (f"{s2['statistic']:+.4f}, p {s2['p']:.4f} (Holm {s2_adj:.4f})" if s2 else "no collapse")
        lines.append([rule, str(sum(len(x["transitions"]) for x in per_run)), s1_text, s2_text,
                      f"{c2_runs} of {len(runs)}", f"{c3_runs} of {len(runs)}", outcome(premise, s1_ok, s2_ok, c2_ok)])
    return lines


def self_test():
    """Holm on a textbook family and the outcome of made-up single runs (no lyap needed)."""
    adj = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert abs(adj["a"] - 0.03) < 1e-12 and abs(adj["c"] - 0.06) < 1e-12 and abs(adj["b"] - 0.06) < 1e-12, adj

    def run(transitions, s1, s2, s2_stat, holds, best=1):
        rules = [{"rule": r, "transitions": [{"epoch": e} for e in transitions.get(r, [])],
                  "minima_alignment": {"pPlusOne": s1} if transitions.get(r) else None,
                  "best_point": {"holds": holds and bool(transitions.get(r))}, "edge_widths": None} for r in RULES]
        study = {"rules": rules, "dynamics": {"max_exponent": {"statistic": s2_stat, "p": s2}}}
        return {"name": "x", "cycles": {"cycles": {"bestEpoch": best}, "study": study}}

    def outcomes(r):
        return [line[-1] for line in arm_verdict(None, "X", [r])]
    every = {rule: [40, 80] for rule in RULES}
    assert outcomes(run(every, 0.001, 0.001, 0.01, True)) == ["holds"] * 3
    # S1 p 0.02 survives Holm over three rules only as the family's... all three equal: 3 x 0.02 = 0.06 > 0.05.
    assert outcomes(run(every, 0.02, 0.001, 0.01, True)) == ["partly holds"] * 3
    assert outcomes(run(every, 0.5, 0.001, -0.01, False)) == ["does not hold"] * 3
    # S2 p 0.02: Holm over the rules makes it 0.06, not significant.
    assert outcomes(run(every, 0.001, 0.02, 0.01, False)) == ["partly holds"] * 3
    only_repro = {"reproduction": [26]}
    got = outcomes(run(only_repro, 0.9, 0.0068, 0.0068, False))
    assert got[0].startswith("does not hold (no transition") and got[2] == "partly holds", got
    before_best = {"reproduction": [8]}
    assert outcomes(run(before_best, 0.9, 0.5, 0.01, False, best=20))[2].startswith("does not hold (no transition")
    print("verdict.py: self-test passed")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    science = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../docs/science")
    if not os.path.isfile(os.path.join(science, "runs.csv")):
        sys.exit(f"verdict.py: {science}/runs.csv not found (run tools/science/publish.sh first)")
    runs = [r for r in read_runs(science) if not r["name"].endswith("-early")]
    out = ["# Verdict per protocol and rule (tools/science/verdict.py; PROTOCOL.md, \"What each outcome means\")", "",
           "S1: test-loss minima vs transitions (p, one run's own or pooled over the arm; Holm over the rules with "
           "transitions). S2: mean lambda1 over 8 analysed epochs before minus after each collapse (one-sided p; Holm "
           "multiplies by 3). C2: runs whose best point is at the first O->C. C3: runs whose first O->C has the widest "
           "edge (reported, not part of the outcome rule).", ""]
    for arm in ARMS:
        members = [r for r in runs if r["arm"] == arm]
        if not members:
            continue
        done = all(r["epochs"] >= r["target"] for r in members)
        state = ", ".join(f"{r['name']} {r['epochs']}/{r['target']}" for r in members)
        out += [f"## {arm}: {'complete' if done else 'PROVISIONAL (runs still training)'} ({state})", "",
                "| rule | transitions | S1 | S2 (lambda1) | C2 | C3 | outcome |", "|---|---:|---|---|---|---|---|"]
        out += ["| " + " | ".join(line) + " |" for line in arm_verdict(science, arm, members)]
        out.append("")
    text = "\n".join(out)
    with open(os.path.join(science, "verdict.md.partial"), "w") as f:
        f.write(text)
    os.replace(os.path.join(science, "verdict.md.partial"), os.path.join(science, "verdict.md"))
    print(text)


if __name__ == "__main__":
    main()
