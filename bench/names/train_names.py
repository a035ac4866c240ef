#!/usr/bin/env python3
"""PyTorch reference for `sharpgrad train --task names`: the same four character-level language
models (bigram, MLP, LSTM, decoder-only transformer), the same data, vocabulary, hyper-parameters,
optimiser and learning-rate schedule, so that the test losses in docs/sequence-models.md can be
compared model for model.

    /usr/bin/python3 bench/names/train_names.py --model transformer [--threads 2] [--seed 1]

Prints one line per epoch and a final JSON line with parameters, validation and test loss (nats per
character, the end of each name counted as one character) and training time.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "names")

# The defaults of each model, identical to SharpGrad's NameModels / `sharpgrad train --task names`.
DEFAULTS = {
    "bigram": dict(context=1, embed=0, hidden=0, layers=0, heads=0, dropout=0.0, epochs=3, batch=256, lr=0.1, weight_decay=0.0, warmup=0),
    "mlp": dict(context=5, embed=24, hidden=256, layers=1, heads=0, dropout=0.0, epochs=15, batch=128, lr=1e-2, weight_decay=0.1, warmup=0),
    "lstm": dict(context=16, embed=32, hidden=64, layers=1, heads=0, dropout=0.0, epochs=20, batch=32, lr=5e-3, weight_decay=0.1, warmup=20),
    "transformer": dict(context=16, embed=64, hidden=256, layers=2, heads=4, dropout=0.1, epochs=20, batch=32, lr=3e-3, weight_decay=0.1, warmup=50),
}


def read_names(split):
    with open(os.path.join(DATA, split + ".txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


class Vocabulary:
    """Index 0 is the boundary token '.', which starts and ends every name; then the characters in order."""

    def __init__(self, names):
        self.chars = ["."] + sorted(set("".join(names)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, name):
        return [self.index[c] for c in name]


def windows(names, vocab, context):
    """(context, next) pairs: each character and the end token, after the `context` before it (start-padded)."""
    xs, ys = [], []
    for name in names:
        ids = vocab.encode(name) + [0]
        window = [0] * context
        for t in ids:
            xs.append(list(window))
            ys.append(t)
            window = window[1:] + [t]
    return torch.tensor(xs, dtype=torch.long), torch.tensor(ys, dtype=torch.long)


def sequences(names, vocab, length):
    """Whole names: input '.'+name, target name+'.', padded to `length` (targets -1 = ignored)."""
    xs = torch.zeros(len(names), length, dtype=torch.long)
    ys = torch.full((len(names), length), -1, dtype=torch.long)
    for i, name in enumerate(names):
        ids = vocab.encode(name)
        xs[i, 1:len(ids) + 1] = torch.tensor(ids, dtype=torch.long)
        ys[i, :len(ids) + 1] = torch.tensor(ids + [0], dtype=torch.long)
    return xs, ys


class Bigram(nn.Module):
    def __init__(self, v, h):
        super().__init__()
        self.logits = nn.Embedding(v, v)
        nn.init.zeros_(self.logits.weight)

    def forward(self, x):
        return self.logits(x[:, -1])


class Mlp(nn.Module):
    def __init__(self, v, h):
        super().__init__()
        self.embedding = nn.Embedding(v, h["embed"])
        self.hidden = nn.Linear(h["context"] * h["embed"], h["hidden"])
        self.drop = nn.Dropout(h["dropout"])
        self.output = nn.Linear(h["hidden"], v)

    def forward(self, x):
        e = self.embedding(x).flatten(1)
        return self.output(self.drop(torch.tanh(self.hidden(e))))


class Lstm(nn.Module):
    def __init__(self, v, h):
        super().__init__()
        self.embedding = nn.Embedding(v, h["embed"])
        self.lstm = nn.LSTM(h["embed"], h["hidden"], num_layers=h["layers"], batch_first=True, dropout=h["dropout"] if h["layers"] > 1 else 0)
        self.drop = nn.Dropout(h["dropout"])
        self.output = nn.Linear(h["hidden"], v)

    def forward(self, x):
        out, _ = self.lstm(self.embedding(x))
        return self.output(self.drop(out))


class Transformer(nn.Module):
    """Token and learned position embeddings, pre-norm causal GELU blocks (nn.TransformerEncoderLayer, so the
    parameter names are SharpGrad's), a final layer norm and the output layer."""

    def __init__(self, v, h):
        super().__init__()
        d = h["embed"]
        self.embedding = nn.Embedding(v, d)
        self.position = nn.Embedding(h["context"], d)
        self.drop = nn.Dropout(h["dropout"])
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, h["heads"], h["hidden"], h["dropout"], activation="gelu", batch_first=True, norm_first=True)
            for _ in range(h["layers"])])
        self.norm = nn.LayerNorm(d)
        self.output = nn.Linear(d, v)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), 1)
        h = self.drop(self.embedding(x) + self.position.weight[:t])
        for b in self.blocks:
            h = b(h, src_mask=mask)
        return self.output(self.norm(h))


MODELS = {"bigram": Bigram, "mlp": Mlp, "lstm": Lstm, "transformer": Transformer}


def schedule(step, total, warmup):
    """Linear warm-up from a third of the rate, then half a cosine down to 0 (SharpGrad's LinearWarmup + CosineAnnealingLR)."""
    if step < warmup:
        return 1 / 3 + (2 / 3) * step / warmup
    return (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup))) / 2


def evaluate(model, x, y, sequence):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 512):
            xb, yb = x[i:i + 512], y[i:i + 512]
            if sequence:
                t = int((yb >= 0).sum(1).max())
                xb, yb = xb[:, :t], yb[:, :t]
            logits = model(xb)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), ignore_index=-1, reduction="sum").item()
            count += int((yb >= 0).sum())
    model.train()
    return total / count


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=list(MODELS), required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    for key in DEFAULTS["transformer"]:
        p.add_argument("--" + key.replace("_", "-"), type=type(DEFAULTS["transformer"][key]))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    h = dict(DEFAULTS[a.model])
    for key in h:
        if getattr(a, key) is not None:
            h[key] = getattr(a, key)

    train, val, test = read_names("train"), read_names("val"), read_names("test")
    vocab = Vocabulary(train)
    sequence = a.model in ("lstm", "transformer")
    make = (lambda n: sequences(n, vocab, 16)) if sequence else (lambda n: windows(n, vocab, h["context"]))
    (xtr, ytr), (xva, yva), (xte, yte) = make(train), make(val), make(test)
    model = MODELS[a.model](len(vocab), h)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": h["weight_decay"]}, {"params": rest, "weight_decay": 0.0}], lr=h["lr"])
    steps_per_epoch = (len(xtr) + h["batch"] - 1) // h["batch"]
    total = steps_per_epoch * h["epochs"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule(s, total, h["warmup"]))
    start = time.perf_counter()
    for epoch in range(1, h["epochs"] + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(xtr))
        loss_sum, count = 0.0, 0
        for i in range(0, len(xtr), h["batch"]):
            idx = perm[i:i + h["batch"]]
            xb, yb = xtr[idx], ytr[idx]
            if sequence:
                t = int((yb >= 0).sum(1).max())
                xb, yb = xb[:, :t], yb[:, :t]
            logits = model(xb)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), ignore_index=-1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            n = int((yb >= 0).sum())
            loss_sum += loss.item() * n
            count += n
        v = evaluate(model, xva, yva, sequence)
        print(f"epoch {epoch:2d}/{h['epochs']}  train {loss_sum / count:.4f}  val {v:.4f}  {time.perf_counter() - t0:.1f} s", flush=True)
    seconds = time.perf_counter() - start
    result = dict(model=a.model, parameters=params, val=evaluate(model, xva, yva, sequence), test=evaluate(model, xte, yte, sequence),
                  seconds=round(seconds, 1), threads=a.threads, **h)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
