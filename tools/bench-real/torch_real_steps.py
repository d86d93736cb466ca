"""PyTorch peer for `lyap-bench-real`: training steps of the same classifier (Embedding -> nn.LSTM -> Linear,
BCE with logits, torch.optim.Adam) on the batches lyap timed, read from a raw file (int32 ids [N][B][L], then
uint8 labels [N][B]). Two warm-up steps, then every batch once; prints {"ms": per step, "torch": version}.
argv: file N B L vocab hidden threads
"""
import json
import sys
import time

import numpy as np
import torch


def main():
    path = sys.argv[1]
    n, batch, seq_len, vocab, hidden, threads = (int(v) for v in sys.argv[2:8])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    raw = np.fromfile(path, dtype=np.uint8)
    ids = np.frombuffer(raw[: n * batch * seq_len * 4].tobytes(), dtype="<i4").reshape(n, batch, seq_len)
    labels = raw[n * batch * seq_len * 4:].reshape(n, batch)
    xs = [torch.from_numpy(ids[i].astype(np.int64)) for i in range(n)]
    ys = [torch.from_numpy(labels[i].astype(np.float32)) for i in range(n)]
    emb = torch.nn.Embedding(vocab, 32)
    lstm = torch.nn.LSTM(32, hidden, batch_first=True)
    fc = torch.nn.Linear(hidden, 1)
    opt = torch.optim.Adam(list(emb.parameters()) + list(lstm.parameters()) + list(fc.parameters()), lr=5e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        out, _ = lstm(emb(x))
        loss_fn(fc(out[:, -1]).squeeze(1), y).backward()
        opt.step()

    for i in range(min(2, n)):
        step(xs[i], ys[i])
    t0 = time.perf_counter()
    for x, y in zip(xs, ys):
        step(x, y)
    ms = (time.perf_counter() - t0) * 1e3 / n
    print(json.dumps({"ms": ms, "torch": torch.__version__, "threads": threads}), flush=True)


if __name__ == "__main__":
    main()
