"""Evaluate a lyap checkpoint in PyTorch: proof that the safetensors file is a PyTorch state_dict.

usage: python3 tools/torch_eval.py CHECKPOINT.safetensors DATA.jsonl SEQ_LEN
Builds Embedding -> nn.LSTM -> Linear with the file's sizes, load_state_dict(strict=True), pre-pads or
pre-truncates the JSONL test split to SEQ_LEN and prints the mean BCE loss and the accuracy as JSON.
"""
import json
import sys

import torch
from safetensors.torch import load_file


class Net(torch.nn.Module):
    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed)
        self.lstm = torch.nn.LSTM(embed, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc(self.lstm(self.embedding(x))[0][:, -1]).squeeze(1)


def main():
    path, data, seq_len = sys.argv[1], sys.argv[2], int(sys.argv[3])
    state = {k: v.double() for k, v in load_file(path).items()}
    vocab, embed = state["embedding.weight"].shape
    hidden = state["lstm.weight_hh_l0"].shape[1]
    net = Net(vocab, embed, hidden).double()
    net.load_state_dict(state, strict=True)
    rows, labels = [], []
    with open(data) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r["split"] != "test":
                continue
            t = r["tokens"][-seq_len:]
            rows.append([0] * (seq_len - len(t)) + t)
            labels.append(float(r["label"]))
    with torch.no_grad():
        z = net(torch.tensor(rows))
        y = torch.tensor(labels, dtype=torch.float64)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y).item()
        acc = ((z > 0).double() == y).double().mean().item()
    print(json.dumps({"loss": loss, "accuracy": acc, "count": len(rows)}))


if __name__ == "__main__":
    main()
