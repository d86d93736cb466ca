"""PyTorch peer of lyap-bench-dynamics: the same stability-analysis job with torch.func.jvp + vmap.

Usage (the Swift benchmark calls it): torch_analyze.py DIR H V R D S TRANSIENT K TAU THREADS REPS
Inputs and output as in jax_analyze.py. All reviews advance together as one batch; the K tangents of the base
trajectory are one vmap over jvp; QR (torch.linalg.qr, batched over reviews) every TAU steps.
"""
import json
import sys
import time

import numpy as np
import torch
from torch.func import jvp, vmap

H, V, R, D, S, TR, K, TAU, THREADS, REPS = (int(a) for a in sys.argv[2:12])
torch.set_num_threads(THREADS)
d = sys.argv[1]
U = torch.from_numpy(np.fromfile(f"{d}/U.f32", dtype=np.float32).reshape(4 * H, H))
bias = torch.from_numpy(np.fromfile(f"{d}/bias.f32", dtype=np.float32))
table = torch.from_numpy(np.fromfile(f"{d}/table.f32", dtype=np.float32).reshape(V, 4 * H))
tokens = torch.from_numpy(np.fromfile(f"{d}/tokens.i32", dtype=np.int32).reshape(R, D).astype(np.int64))
EPS = 1e-3
A = S - D
assert A % TAU == 0 and TR % TAU == 0


def cell(s, a_in):
    """s: [..., 2H] rows [h | c]; a_in broadcasts against [..., 4H]."""
    h, c = s[..., :H], s[..., H:]
    a = a_in + h @ U.T
    i = torch.sigmoid(a[..., :H])
    f = torch.sigmoid(a[..., H:2 * H])
    g = torch.tanh(a[..., 2 * H:3 * H])
    o = torch.sigmoid(a[..., 3 * H:])
    c2 = f * c + i * g
    return torch.cat([o * torch.tanh(c2), c2], dim=-1)


def zero_input(s):
    return cell(s, bias)


def analyse(xi, q0):
    with torch.no_grad():
        base = torch.zeros(R, 2 * H)
        twin_a = torch.cat([xi, torch.zeros(R, H)], dim=1)
        for t in range(D):
            a = table[tokens[:, t]]
            base, twin_a = cell(base, a), cell(twin_a, a)
        twin_b = base + torch.cat([xi, torch.zeros(R, H)], dim=1)
        q = q0                                              # [K, R, 2H]
        logs = torch.zeros(R, K, dtype=torch.float64)
        def push(s, q):
            """F(s) and J(s)·q for each of the K rows of q (one vmap over jvp)."""
            out, tangents = vmap(lambda v: jvp(zero_input, (s,), (v,)), in_dims=0)(q)
            return out[0], tangents

        for w in range(A // TAU):
            for _ in range(TAU):
                base, q = push(base, q)
                twin_a, twin_b = zero_input(twin_a), zero_input(twin_b)
            if K == 1:
                n = q.norm(dim=-1)                          # [1, R]
                q = q / n[..., None]
                r = n.T                                     # [R, 1]
            else:
                qq, rr = torch.linalg.qr(q.permute(1, 2, 0))   # [R, 2H, K], [R, K, K]
                diag = torch.diagonal(rr, dim1=-2, dim2=-1)
                q = (qq * torch.sign(diag)[:, None, :]).permute(2, 0, 1)
                r = diag.abs()
            if w >= TR // TAU:
                logs += torch.log(r).double()
        d_end = (twin_b[:, :H] - base[:, :H]).norm(dim=1)
        return logs, d_end


rng = np.random.default_rng(0)
xi = torch.from_numpy((EPS * rng.standard_normal((R, H))).astype(np.float32))
q0 = np.linalg.qr(rng.standard_normal((R, 2 * H, K)))[0].transpose(2, 0, 1)
q0 = torch.from_numpy(np.ascontiguousarray(q0.astype(np.float32)))

analyse(xi, q0)  # warm-up
times, cpus = [], []
for _ in range(REPS):
    t0, c0 = time.perf_counter(), time.process_time()
    logs, d_end = analyse(xi, q0)
    times.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
lam = logs[:, 0].numpy() / (A - TR)
dtilde = float(np.mean(np.log(d_end.double().numpy() + np.exp(-15.0))))
print(json.dumps({"seconds": float(np.median(times)), "cpu_seconds": float(np.median(cpus)), "lambda1": float(lam.mean()), "d_end": dtilde,
                  "version": torch.__version__.split("+")[0]}))
