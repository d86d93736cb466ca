#!/usr/bin/env python3
"""Writes the PyTorch reproduction's own train/test split as a lyap split file (`lyap train --split FILE`).

The reproduction (github.com/LaoZhongjie/Sequence-of-Order-Chaos-Transitions-in-LSTM, data_loader.py) reads
data/IMDB_Dataset.csv (columns `review`, `sentiment`; its download_data writes Hugging Face `imdb`'s train
split, then its test split), maps sentiment positive/negative to 1/0, and splits with scikit-learn:

    train_test_split(reviews, labels, test_size=0.3, random_state=42, stratify=labels)

train_test_split draws its indices from the number of rows, the stratify labels and the seed alone, so this
script repeats the call on the row numbers and gets the reproduction's rows. Each CSV row is then found in
the IMDb archive by its text and label (the archive's files hold the texts Hugging Face and the CSV carry;
rows with the same text and label take that text's files in archive order).

The file lists one review per line, `aclImdb/<split>/<pos|neg>/<name>.txt train|test`, in CSV row order:
lyap's reproduction tokenizer breaks vocabulary ties by first occurrence in that order, as the
reproduction's Counter over df['review'] does (use it with --vocab-from all, or --protocol reproduction).

usage: tools/reproduction-split.py IMDB_Dataset.csv aclImdb_v1.tar.gz > reproduction-split.txt
needs: pandas, scikit-learn (numpy); the archive may be the official one or the labeled repack.
"""
import sys
import tarfile
from collections import defaultdict, deque

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

TEST_SIZE = 0.3      # config.TEST_RATIO
RANDOM_STATE = 42    # config.RANDOM_SEED


def archive_reviews(path):
    """(text, label) -> paths of the labeled reviews, in archive order."""
    found = defaultdict(deque)
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if parts and parts[0] == "aclImdb":
                parts = parts[1:]
            if not member.isfile() or len(parts) != 3 or parts[0] not in ("train", "test"):
                continue
            if parts[1] not in ("pos", "neg") or not parts[2].endswith(".txt") or parts[2].startswith("."):
                continue
            text = tar.extractfile(member).read().decode("utf-8")
            found[(text, 1 if parts[1] == "pos" else 0)].append("aclImdb/" + "/".join(parts))
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-2])
    csv_path, archive_path = sys.argv[1], sys.argv[2]
    df = pd.read_csv(csv_path)
    labels = df["sentiment"].map({"positive": 1, "negative": 0})
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().values)[0])
        sys.exit(f"{csv_path}: row {row + 2}: sentiment {df['sentiment'].iloc[row]!r} (expected positive or negative)")
    labels = labels.values
    rows = np.arange(len(df))
    train_rows, _ = train_test_split(rows, test_size=TEST_SIZE, random_state=RANDOM_STATE, stratify=labels)
    is_train = np.zeros(len(df), dtype=bool)
    is_train[train_rows] = True

    paths = archive_reviews(archive_path)
    out = sys.stdout
    out.write(f"# the reproduction's split of {csv_path}: train_test_split(test_size={TEST_SIZE}, "
              f"random_state={RANDOM_STATE}, stratify=labels); {is_train.sum()} train / {(~is_train).sum()} test\n")
    for row, (text, label) in enumerate(zip(df["review"].values, labels)):
        queue = paths.get((text, int(label)))
        if not queue:
            sys.exit(f"{csv_path}: row {row + 2}: no review with this text and label in {archive_path}")
        out.write(f"{queue.popleft()} {'train' if is_train[row] else 'test'}\n")


if __name__ == "__main__":
    main()
