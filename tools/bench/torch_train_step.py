"""PyTorch peer for `lyap-bench train-step`: one training step of the same classifier
(Embedding -> nn.LSTM -> Linear, BCE with logits, Adam) on random data, median ms per step.

Prints one JSON line per width: {"hidden": H, "ms": median, "torch": version, "threads": n, "device": d}.
argv: widths batch seq_len embed vocab threads [cpu|cuda]
"""
import json
import statistics
import sys
import time

import torch


def main():
    widths = [int(h) for h in sys.argv[1].split(",")]
    batch, seq_len, embed, vocab = (int(v) for v in sys.argv[2:6])
    threads = int(sys.argv[6])
    device = sys.argv[7] if len(sys.argv) > 7 else "cpu"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for hidden in widths:
        emb = torch.nn.Embedding(vocab, embed).to(device)
        lstm = torch.nn.LSTM(embed, hidden, batch_first=True).to(device)
        fc = torch.nn.Linear(hidden, 1).to(device)
        params = list(emb.parameters()) + list(lstm.parameters()) + list(fc.parameters())
        opt = torch.optim.Adam(params, lr=5e-4)
        x = torch.randint(0, vocab, (batch, seq_len), device=device)
        y = torch.randint(0, 2, (batch,), device=device).float()
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            out, _ = lstm(emb(x))
            loss = loss_fn(fc(out[:, -1]).squeeze(1), y)
            loss.backward()
            opt.step()
            if device == "cuda":
                torch.cuda.synchronize()

        reps = 5 if hidden >= 256 else 20
        for _ in range(2):
            step()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"hidden": hidden, "ms": statistics.median(times),
                          "torch": torch.__version__, "threads": threads, "device": device}), flush=True)


if __name__ == "__main__":
    main()
