"""PyTorch peer for tools/bench-sweep/run.sh: the configurations of a width sweep trained one after
another, as a PyTorch user would run them: per configuration and epoch, Adam steps over the training
set in shuffled minibatches (Embedding -> nn.LSTM -> Linear, BCE with logits), then a forward pass over
the test set. Random token ids of the same shapes as lyap's data (the time per step does not depend on
the ids). Prints one JSON line: total wall seconds, the seconds of every epoch (configurations in order,
each epoch's Adam steps and test pass; the first includes cuDNN's warm-up) and the versions.

argv: widths seeds epochs train test batch seq_len embed vocab threads [cpu|cuda]
"""
import json
import sys
import time

import torch


def main():
    widths = [int(h) for h in sys.argv[1].split(",")]
    seeds = [int(s) for s in sys.argv[2].split(",")]
    epochs, n_train, n_test, batch, seq_len, embed, vocab, threads = (int(v) for v in sys.argv[3:11])
    device = sys.argv[11] if len(sys.argv) > 11 else "cpu"
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    x_train = torch.randint(0, vocab, (n_train, seq_len), generator=gen).to(device)
    y_train = torch.randint(0, 2, (n_train,), generator=gen).float().to(device)
    x_test = torch.randint(0, vocab, (n_test, seq_len), generator=gen).to(device)
    y_test = torch.randint(0, 2, (n_test,), generator=gen).float().to(device)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    t0 = time.perf_counter()
    epoch_seconds = []
    for hidden in widths:
        for seed in seeds:
            torch.manual_seed(seed)
            emb = torch.nn.Embedding(vocab, embed).to(device)
            lstm = torch.nn.LSTM(embed, hidden, batch_first=True).to(device)
            fc = torch.nn.Linear(hidden, 1).to(device)
            opt = torch.optim.Adam(list(emb.parameters()) + list(lstm.parameters()) + list(fc.parameters()), lr=5e-4)

            def logits(x):
                out, _ = lstm(emb(x))
                return fc(out[:, -1]).squeeze(1)

            for _ in range(epochs):
                e0 = time.perf_counter()
                order = torch.randperm(n_train, generator=gen).to(device)
                train_loss = torch.zeros((), device=device)
                for start in range(0, n_train, batch):
                    idx = order[start:start + batch]
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(logits(x_train[idx]), y_train[idx])
                    (loss / len(idx)).backward()
                    opt.step()
                    train_loss += loss.detach()
                with torch.no_grad():
                    test_loss = sum(loss_fn(logits(x_test[s:s + batch]), y_test[s:s + batch])
                                    for s in range(0, n_test, batch))
                float(train_loss), float(test_loss)  # the per-epoch numbers a sweep logs (and a sync on cuda)
                epoch_seconds.append(time.perf_counter() - e0)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "epoch_seconds": [round(e, 4) for e in epoch_seconds], "configurations": len(widths) * len(seeds), "epochs": epochs,
                      "torch": torch.__version__, "threads": threads, "device": device}), flush=True)


if __name__ == "__main__":
    main()
