"""Write the framework fixtures in Tests/Fixtures/frameworks: tiny training trajectories computed by PyTorch,
Keras 3 (TensorFlow backend) and tf-keras themselves, which `swift test` compares lyap against
(Tests/LyapCLITests/FrameworkFixtureTests.swift). Python is needed only to regenerate them.

usage: python3 tools/make-framework-fixtures.py [OUT_DIR]     (default Tests/Fixtures/frameworks)
needs: numpy, safetensors, torch, tensorflow, keras (3.x), tf-keras (2.x)

Every (convention, dtype) pair runs in its own subprocess with the settings pinned before any framework is
imported (one thread, oneDNN off, no GPU, no XLA, deterministic ops); tf-keras is selected there with
TF_USE_LEGACY_KERAS=1. Each fixture directory <convention>/<dtype>/ holds:
  init.safetensors     the initial weights (PyTorch names and shapes, gate order i,f,g,o)
  epoch-N.safetensors  the weights after epoch N (the framework's own parameters, mapped to PyTorch names)
  meta.json            every setting, the versions, the per-step training losses and the per-epoch test losses
and <convention>/data.jsonl is the data (each sequence exactly L ids long, so lyap pads nothing; training lines
class-sorted, label 0 first, so file order equals lyap's class-sorted order as well).
As a check on each fixture, a second subprocess (--emulate) redoes the training by hand, with PyTorch autograd
for the gradients and the Adam form written out; meta.json records how far it is from the framework's weights
(below 1e-15 in float64 for every convention except the reproduction, which is PyTorch itself).
"""
import json
import os
import subprocess
import sys

V, E, H, L, B = 23, 5, 7, 13, 4
TRAIN, TEST = 12, 5          # 3 minibatches of B per epoch; 5 test reviews
EPOCHS = 2
# Exact in float32: Keras (3 and tf-keras) turns the betas into float32 before its bias corrections even with
# floatx float64 (tf.cast of a Python float goes through a float32 tensor), which with 0.9 / 0.999 moves a float64
# step by ~1e-6 relative. With these values every framework sees the same numbers as lyap.
LR, BETA1, BETA2 = 2.0 ** -7, 0.90625, 0.9990234375
SEED = 20261207
DTYPES = ("float64", "float32")

# name: (framework, lyap flags of the convention, description)
CONVENTIONS = {
    "torch-one-bias": ("torch", [], "nn.LSTM with bias_hh_l0 frozen at zero (one trained bias per gate), "
                       "BCEWithLogitsLoss (mean), torch.optim.Adam (foreach=False)"),
    "torch-two-bias": ("torch", ["--lstm-biases", "two"], "nn.Embedding + nn.LSTM(batch_first) + nn.Linear, both biases "
                       "trained, BCEWithLogitsLoss (mean), torch.optim.Adam (foreach=False)"),
    "keras3": ("keras3", ["--adam-form", "keras"], "Keras 3 (TensorFlow backend) Sequential Embedding -> LSTM -> "
               "Dense(1), BinaryCrossentropy(from_logits=True), keras.optimizers.Adam, train_on_batch in file order"),
    "tf-keras": ("tf-keras", ["--adam-form", "keras2"], "tf-keras 2.x (TF_USE_LEGACY_KERAS=1) Sequential "
                 "Embedding -> LSTM -> Dense(1), BinaryCrossentropy(from_logits=True), tf_keras.optimizers.Adam, "
                 "train_on_batch in file order"),
    # The reproduction's model pieces as separate flags (--protocol reproduction also sets the tokenizer, the
    # split and the vocabulary, which a pre-tokenized JSONL file does not use).
    "reproduction": ("torch", ["--lstm-biases", "two", "--padding", "post", "--pad-row", "zero", "--loss", "sigmoid-bce"],
                     "the public PyTorch reproduction's model: "
                     "nn.Embedding(padding_idx=0), two biases, sigmoid + nn.BCELoss (mean), torch.optim.Adam, "
                     "data post-padded (trailing zeros)"),
}
EPS = {"torch": 1e-8, "keras3": 1e-7, "tf-keras": 1e-7}

PINNED_ENV = {
    "CUDA_VISIBLE_DEVICES": "",            # CPU only, everywhere
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_XLA_FLAGS": "--tf_xla_auto_jit=0",
    "KERAS_BACKEND": "tensorflow",
    "PYTHONHASHSEED": "0",
}


# ---------------------------------------------------------------------------------------------- data and init

def make_data(post_padded):
    """Lines of the JSONL file. Word ids are drawn from a skewed distribution so ids repeat within a batch;
    lengths vary so pad id 0 occurs in most sequences (lyap's ids: 0 pad, 1 start, 2 OOV)."""
    import numpy as np
    rng = np.random.RandomState(SEED + 1)
    words = np.arange(3, V)
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    lines = []
    for split, n in (("train", TRAIN), ("test", TEST)):
        labels = [0] * (n // 2) + [1] * (n - n // 2) if split == "train" else list(rng.randint(0, 2, size=n))
        for i, label in enumerate(labels):
            k = int(rng.randint(3, L + 1)) if i % 4 else L  # every fourth sequence is full length (no pad)
            ws = [int(w) for w in rng.choice(words, size=k, p=p)]
            for j in range(k):
                if rng.rand() < 0.1:
                    ws[j] = 2  # out-of-vocabulary id
            if post_padded:   # the reproduction: PAD 0, UNK 1, no start token, trailing zeros
                toks = [1 if w == 2 else w for w in ws] + [0] * (L - k)
            else:             # lyap: pre-padded, a start token when there is room
                toks = [0] * (L - k) + ([1] + ws[1:] if k < L else ws)
            assert len(toks) == L
            lines.append({"tokens": toks, "label": int(label), "split": split})
    return lines


def make_init(pad_row_zero):
    """Keras-like initial weights in PyTorch layout (float64); random biases in both vectors."""
    import numpy as np
    rng = np.random.RandomState(SEED)
    emb = rng.uniform(-0.05, 0.05, size=(V, E))
    if pad_row_zero:
        emb[0] = 0
    g = np.sqrt(6.0 / (E + 4 * H))
    w_ih = rng.uniform(-g, g, size=(4 * H, E))
    a = rng.normal(size=(4 * H, H))
    q, r = np.linalg.qr(a)
    w_hh = q * np.sign(np.diag(r))            # orthogonal columns, [4H, H]
    b_ih = rng.uniform(-0.1, 0.1, size=4 * H)
    b_ih[H:2 * H] += 1.0                      # Keras' unit forget bias
    b_hh = rng.uniform(-0.1, 0.1, size=4 * H)
    gd = np.sqrt(6.0 / (H + 1))
    fc_w = rng.uniform(-gd, gd, size=(1, H))
    fc_b = rng.uniform(-0.1, 0.1, size=1)
    return {"embedding.weight": emb, "lstm.weight_ih_l0": w_ih, "lstm.weight_hh_l0": w_hh,
            "lstm.bias_ih_l0": b_ih, "lstm.bias_hh_l0": b_hh, "fc.weight": fc_w, "fc.bias": fc_b}


def init_for(convention, dtype):
    """The initial weights a convention starts from. One-bias conventions (torch-one-bias, Keras) get
    b_ih + b_hh in bias_ih_l0 and zeros in bias_hh_l0 (how lyap exports its single bias)."""
    import numpy as np
    w = make_init(pad_row_zero=convention == "reproduction")
    if convention in ("torch-one-bias", "keras3", "tf-keras"):
        w["lstm.bias_ih_l0"] = w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"]
        w["lstm.bias_hh_l0"] = np.zeros(4 * H)
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in w.items()}


def read_jsonl(path):
    import numpy as np
    rows = [json.loads(s) for s in open(path) if s.strip()]
    out = {}
    for split in ("train", "test"):
        rs = [r for r in rows if r["split"] == split]
        out[split] = (np.array([r["tokens"] for r in rs], dtype=np.int64), np.array([r["label"] for r in rs], dtype=np.float64))
    return out


# ---------------------------------------------------------------------------------------------- workers

def torch_worker(convention, dtype, cdir, data):
    import torch
    from safetensors.torch import load_file, save_file
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    dt = getattr(torch, dtype)
    reproduction = convention == "reproduction"

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, E, padding_idx=0 if reproduction else None)
            self.lstm = torch.nn.LSTM(E, H, batch_first=True)
            self.fc = torch.nn.Linear(H, 1)

        def forward(self, x):
            return self.fc(self.lstm(self.embedding(x))[0][:, -1]).squeeze(1)

    net = Net().to(dt)
    net.load_state_dict(load_file(os.path.join(cdir, "init.safetensors")), strict=True)
    if convention == "torch-one-bias":
        net.lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS["torch"], foreach=False)
    if reproduction:
        bce = torch.nn.BCELoss()
        loss_fn = lambda z, y: bce(torch.sigmoid(z), y)
    else:
        loss_fn = torch.nn.BCEWithLogitsLoss()
    x, y = (torch.tensor(a) for a in data["train"])
    xt, yt = (torch.tensor(a) for a in data["test"])
    y, yt = y.to(dt), yt.to(dt)
    steps, tests = [], []
    for epoch in range(1, EPOCHS + 1):
        for s in range(0, len(x), B):
            opt.zero_grad()
            loss = loss_fn(net(x[s:s + B]), y[s:s + B])
            loss.backward()
            opt.step()
            steps.append(loss.item())
        with torch.no_grad():
            tests.append(loss_fn(net(xt), yt).item())
        save_file({k: v.detach().contiguous() for k, v in net.state_dict().items()},
                  os.path.join(cdir, f"epoch-{epoch}.safetensors"))
    return steps, tests, {"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                          "torch_deterministic_algorithms": torch.are_deterministic_algorithms_enabled()}


def keras_worker(convention, dtype, cdir, data):
    import numpy as np
    import tensorflow as tf
    from safetensors.numpy import load_file, save_file
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    tf.config.optimizer.set_jit(False)
    if convention == "tf-keras":
        import tf_keras as keras
        keras.backend.set_floatx(dtype)
    else:
        import keras
        keras.config.set_floatx(dtype)
    w = load_file(os.path.join(cdir, "init.safetensors"))
    model = keras.Sequential([keras.Input(shape=(L,), dtype="int32"), keras.layers.Embedding(V, E),
                              keras.layers.LSTM(H), keras.layers.Dense(1)])
    model.layers[0].set_weights([w["embedding.weight"]])
    model.layers[1].set_weights([w["lstm.weight_ih_l0"].T, w["lstm.weight_hh_l0"].T,
                                 w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"]])
    model.layers[2].set_weights([w["fc.weight"].T, w["fc.bias"]])
    opt = keras.optimizers.Adam(learning_rate=LR, beta_1=BETA1, beta_2=BETA2, epsilon=EPS[convention])
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=opt, loss=loss_fn, jit_compile=False)
    x, y = data["train"]
    xt, yt = data["test"]
    x, xt = x.astype(np.int32), xt.astype(np.int32)
    y, yt = y.astype(dtype).reshape(-1, 1), yt.astype(dtype).reshape(-1, 1)
    steps, tests = [], []
    for epoch in range(1, EPOCHS + 1):
        for s in range(0, len(x), B):
            out = model.train_on_batch(x[s:s + B], y[s:s + B])
            steps.append(float(out[0] if isinstance(out, (list, tuple)) else out))
        tests.append(float(loss_fn(yt, model(xt, training=False))))
        emb, kernel, rec, bias, dk, db = [np.asarray(a) for a in
                                         model.layers[0].get_weights() + model.layers[1].get_weights() + model.layers[2].get_weights()]
        out_w = {"embedding.weight": emb, "lstm.weight_ih_l0": kernel.T, "lstm.weight_hh_l0": rec.T,
                 "lstm.bias_ih_l0": bias, "lstm.bias_hh_l0": np.zeros_like(bias), "fc.weight": dk.T, "fc.bias": db}
        save_file({k: np.ascontiguousarray(v) for k, v in out_w.items()}, os.path.join(cdir, f"epoch-{epoch}.safetensors"))
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__ if hasattr(keras, "__version__") else keras.version(),
                "tf_op_determinism": True, "tf_intra_op_threads": 1, "tf_inter_op_threads": 1,
                "jit_compile": False, "keras_floatx": dtype}
    if convention == "keras3":
        versions["keras_backend"] = keras.backend.backend()
    return steps, tests, versions


def emulation_worker(convention, dtype, cdir, data):
    """An independent check of a fixture: the same training written out by hand (PyTorch autograd for the
    gradients, Adam's update spelt out in the convention's form), whose weights the driver compares with the
    framework's. Forms: torch = torch.optim.Adam; keras = Keras 3 (eps outside the bias correction, and the
    Embedding's v accumulating the squares of the per-occurrence gradient rows); keras2 = tf-keras (the same
    step with the occurrences summed first)."""
    import numpy as np
    import torch
    from safetensors.torch import load_file
    torch.set_num_threads(1)
    dt = getattr(torch, dtype)
    form = {"torch-one-bias": "torch", "torch-two-bias": "torch", "keras3": "keras", "tf-keras": "keras2"}[convention]
    eps = EPS[CONVENTIONS[convention][0]]
    w = {k: v.to(dt).clone().requires_grad_(True) for k, v in load_file(os.path.join(cdir, "init.safetensors")).items()}
    trained = [k for k in w if k != "lstm.bias_hh_l0" or convention == "torch-two-bias"]
    m = {k: torch.zeros_like(w[k]) for k in trained}
    v = {k: torch.zeros_like(w[k]) for k in trained}

    def logits(x):
        e = w["embedding.weight"][x]
        e.retain_grad()
        h = torch.zeros(len(x), H, dtype=dt)
        c = torch.zeros(len(x), H, dtype=dt)
        for t in range(L):
            gates = e[:, t] @ w["lstm.weight_ih_l0"].T + w["lstm.bias_ih_l0"] + h @ w["lstm.weight_hh_l0"].T + w["lstm.bias_hh_l0"]
            i, f, g, o = gates.split(H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return (h @ w["fc.weight"].T + w["fc.bias"]).squeeze(1), e

    x, y = (torch.tensor(a) for a in data["train"])
    y = y.to(dt)
    out, t = {}, 0
    for epoch in range(1, EPOCHS + 1):
        for s in range(0, len(x), B):
            t += 1
            z, e = logits(x[s:s + B])
            torch.nn.functional.binary_cross_entropy_with_logits(z, y[s:s + B]).backward()
            with torch.no_grad():
                for k in trained:
                    g = w[k].grad
                    g2 = g * g
                    if k == "embedding.weight" and form == "keras":
                        g2 = torch.zeros_like(g).index_add_(0, x[s:s + B].reshape(-1), (e.grad * e.grad).reshape(-1, E))
                    m[k] = BETA1 * m[k] + (1 - BETA1) * g
                    v[k] = BETA2 * v[k] + (1 - BETA2) * g2
                    if form == "torch":
                        w[k] -= LR / (1 - BETA1 ** t) * m[k] / (v[k].sqrt() / (1 - BETA2 ** t) ** 0.5 + eps)
                    else:  # Keras' bias corrections see the betas rounded to float32 (see BETA1)
                        b1, b2 = float(np.float32(BETA1)), float(np.float32(BETA2))
                        w[k] -= LR * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t) * m[k] / (v[k].sqrt() + eps)
                    w[k].grad = None
                w["lstm.bias_hh_l0"].grad = None
        out[epoch] = {k: w[k].detach().double().numpy().tolist() for k in w}
    return out


def worker(convention, dtype, cdir, emulate=False):
    import numpy as np
    import safetensors
    framework = CONVENTIONS[convention][0]
    data = read_jsonl(os.path.join(os.path.dirname(cdir), "data.jsonl"))
    if emulate:
        json.dump(emulation_worker(convention, dtype, cdir, data), sys.stdout)
        return
    run = torch_worker if framework == "torch" else keras_worker
    steps, tests, versions = run(convention, dtype, cdir, data)
    versions.update({"python": sys.version.split()[0], "numpy": np.__version__, "safetensors": safetensors.__version__})
    json.dump({"step_losses": steps, "test_losses": tests, "versions": versions}, sys.stdout)


# ---------------------------------------------------------------------------------------------- driver

def subprocess_json(mode, convention, dtype, cdir):
    """Runs a worker in a fresh interpreter with the pinned environment (tf-keras selected by
    TF_USE_LEGACY_KERAS=1 before TensorFlow is imported) and returns what it printed."""
    env = dict(os.environ, **PINNED_ENV)
    env.pop("TF_USE_LEGACY_KERAS", None)
    if CONVENTIONS[convention][0] == "tf-keras" and mode == "--worker":
        env["TF_USE_LEGACY_KERAS"] = "1"
    r = subprocess.run([sys.executable, os.path.abspath(__file__), mode, convention, dtype, cdir],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{convention} {dtype} {mode}: failed\n{r.stderr}")
    return json.loads(r.stdout)


def relative_error(a, b):
    scale = abs(b).max()
    return float(abs(a - b).max() / scale) if scale > 0 else float(abs(a).max())


def main(out):
    import numpy as np
    from safetensors.numpy import load_file, save_file
    for convention, (framework, flags, description) in CONVENTIONS.items():
        os.makedirs(os.path.join(out, convention), exist_ok=True)
        data_path = os.path.join(out, convention, "data.jsonl")
        with open(data_path, "w") as f:
            for line in make_data(post_padded=convention == "reproduction"):
                f.write(json.dumps(line, separators=(",", ":")) + "\n")
        for dtype in DTYPES:
            cdir = os.path.join(out, convention, dtype)
            os.makedirs(cdir, exist_ok=True)
            save_file(init_for(convention, dtype), os.path.join(cdir, "init.safetensors"))
            result = subprocess_json("--worker", convention, dtype, cdir)
            check = None
            if convention != "reproduction":
                emulated = subprocess_json("--emulate", convention, dtype, cdir)
                check = max(relative_error(np.array(emulated[str(e)][k]), load_file(os.path.join(cdir, f"epoch-{e}.safetensors"))[k])
                            for e in range(1, EPOCHS + 1) for k in emulated[str(e)])
            meta = {
                "convention": convention, "framework": framework, "description": description, "dtype": dtype,
                "lyap_flags": flags,
                "model": {"vocab": V, "embed": E, "hidden": H, "seq_len": L, "batch": B, "gate_order": "i,f,g,o"},
                "train_reviews": TRAIN, "test_reviews": TEST, "epochs": EPOCHS, "steps_per_epoch": TRAIN // B,
                "order": "file order, no shuffle (training lines class-sorted: label 0 first)",
                "adam": {"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS["torch" if framework == "torch" else framework]},
                "loss": "sigmoid + BCELoss (mean, log clamped at -100)" if convention == "reproduction"
                else "binary cross-entropy on logits, mean over the batch",
                "padding": "post" if convention == "reproduction" else "pre",
                "init": "numpy RandomState(%d): embedding U(-0.05,0.05)%s, W_ih Glorot-uniform, W_hh orthogonal, "
                        "b_ih U(-0.1,0.1) + 1 on the forget block, b_hh U(-0.1,0.1), fc Glorot-uniform, fc.bias U(-0.1,0.1)%s"
                        % (SEED, ", pad row 0 zero" if convention == "reproduction" else "",
                           "; one-bias conventions start from bias_ih = b_ih + b_hh, bias_hh = 0"
                           if convention in ("torch-one-bias", "keras3", "tf-keras") else ""),
                "data_seed": SEED + 1,
                "environment": dict(PINNED_ENV, **({"TF_USE_LEGACY_KERAS": "1"} if framework == "tf-keras" else {})),
                "versions": result["versions"],
                "emulation_max_relative_difference": check,
                "emulation": "the same training written out by hand in PyTorch (autograd gradients, the Adam form spelt "
                             "out: emulation_worker); the largest per-tensor max|a-b|/max|b| over the epochs",
                "step_losses": result["step_losses"],
                "test_losses": result["test_losses"],
                "regenerate": "python3 tools/make-framework-fixtures.py",
            }
            with open(os.path.join(cdir, "meta.json"), "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
            print(f"{convention:15s} {dtype}: losses {['%.6f' % v for v in result['step_losses']]}; emulation differs by {check}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] in ("--worker", "--emulate"):
        worker(sys.argv[2], sys.argv[3], sys.argv[4], emulate=sys.argv[1] == "--emulate")
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests", "Fixtures", "frameworks"))
