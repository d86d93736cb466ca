"""JAX peer of lyap-bench-dynamics: the same stability-analysis job written with jax.linearize/jvp + vmap + scan.

Usage (the Swift benchmark calls it): jax_analyze.py DIR H V R D S TRANSIENT K TAU THREADS REPS
DIR holds U.f32 [4H][H], bias.f32 [4H], table.f32 [V][4H] (emb·Wxᵀ + b) and tokens.i32 [R][D].
Per review: drive D steps with the tokens (base and twin A, perturbed at h_-1), then zero input up to S
cell updates (base, twin A, twin B perturbed at h_{D-1}) with K tangent vectors of the base, re-orthonormalised
by QR every TAU steps; exponents average the windows after TRANSIENT zero-input steps. Prints one JSON line:
seconds and process CPU seconds (medians of REPS after a compile/warm-up run), mean λ1, D~ for the end-of-drive twin, version.
"""
import json
import os
import sys
import time

H, V, R, D, S, TR, K, TAU, THREADS, REPS = (int(a) for a in sys.argv[2:12])
os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={THREADS}")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

d = sys.argv[1]
U = jnp.asarray(np.fromfile(f"{d}/U.f32", dtype=np.float32).reshape(4 * H, H))
bias = jnp.asarray(np.fromfile(f"{d}/bias.f32", dtype=np.float32))
table = jnp.asarray(np.fromfile(f"{d}/table.f32", dtype=np.float32).reshape(V, 4 * H))
tokens = jnp.asarray(np.fromfile(f"{d}/tokens.i32", dtype=np.int32).reshape(R, D))
EPS = 1e-3
A = S - D                     # zero-input steps
assert A % TAU == 0 and TR % TAU == 0, "windows must tile the zero-input phase"
windows, skip = A // TAU, TR // TAU


def cell(s, a_in):
    h, c = s[:H], s[H:]
    a = a_in + U @ h
    i = jax.nn.sigmoid(a[:H])
    f = jax.nn.sigmoid(a[H:2 * H])
    g = jnp.tanh(a[2 * H:3 * H])
    o = jax.nn.sigmoid(a[3 * H:])
    c2 = f * c + i * g
    return jnp.concatenate([o * jnp.tanh(c2), c2])


def review(ids, xi, q0):
    """One review: returns (log-sums of R_jj, distance of the end-of-drive twin, of the initial twin)."""
    zero = jnp.zeros(2 * H, jnp.float32)
    pert = jnp.concatenate([xi, jnp.zeros(H, jnp.float32)])

    def drive(carry, tok):
        base, twin = carry
        a = table[tok]
        return (cell(base, a), cell(twin, a)), None

    (base, twin_a), _ = jax.lax.scan(drive, (zero, pert), ids)
    twin_b = base + pert

    def step(carry, _):
        base, twin_a, twin_b, q = carry
        new_base, lin = jax.linearize(lambda s: cell(s, bias), base)
        q = jax.vmap(lin)(q)
        return (new_base, cell(twin_a, bias), cell(twin_b, bias), q), None

    def window(carry, accumulate):
        carry, _ = jax.lax.scan(step, carry, None, length=TAU)
        base, twin_a, twin_b, q = carry
        if K == 1:
            n = jnp.linalg.norm(q[0])
            q, logs = q / n, jnp.log(n)[None]
        else:
            qq, rr = jnp.linalg.qr(q.T)
            sign = jnp.sign(jnp.diag(rr))
            q, logs = (qq * sign).T, jnp.log(jnp.abs(jnp.diag(rr)))
        return (base, twin_a, twin_b, q), logs * accumulate

    acc = (jnp.arange(windows) >= skip).astype(jnp.float32)
    (base, twin_a, twin_b, _), logs = jax.lax.scan(window, (base, twin_a, twin_b, q0), acc)
    return logs.sum(0), jnp.linalg.norm(twin_b[:H] - base[:H]), jnp.linalg.norm(twin_a[:H] - base[:H])


@jax.jit
def analyse(tokens, xi, q0):
    return jax.vmap(review)(tokens, xi, q0)


rng = np.random.default_rng(0)
xi = jnp.asarray((EPS * rng.standard_normal((R, H))).astype(np.float32))
q0 = np.linalg.qr(rng.standard_normal((R, 2 * H, K)))[0].transpose(0, 2, 1)
q0 = jnp.asarray(q0.astype(np.float32))

logs, d_end, _ = jax.block_until_ready(analyse(tokens, xi, q0))  # compile + warm-up
times, cpus = [], []
for _ in range(REPS):
    t0, c0 = time.perf_counter(), time.process_time()
    logs, d_end, d_init = jax.block_until_ready(analyse(tokens, xi, q0))
    times.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
lam = np.asarray(logs)[:, 0] / (A - TR)
dtilde = float(np.mean(np.log(np.asarray(d_end, dtype=np.float64) + np.exp(-15.0))))
print(json.dumps({"seconds": float(np.median(times)), "cpu_seconds": float(np.median(cpus)), "lambda1": float(lam.mean()), "d_end": dtilde,
                  "version": f"{jax.__version__} on {jax.default_backend()}"}))
