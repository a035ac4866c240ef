#!/usr/bin/python3
"""PyTorch reference for the teacher exercises (tests/SharpGrad.Tests/Explain/Exercises/teacher-*.grad).

Each exercise is written again here in PyTorch, independently of SharpGrad: only the declared values
(the `param`/`input`/`target`/`const` lines) are read from the .grad file; every formula is the
PyTorch transcription of the exercise text. Prints one JSON object
{exercise: {"objective": NAME, "values": {name: nested list}, "gradients": {name: nested list}}}
covering every declaration and every named intermediate, in float64.

Run with Debian's PyTorch: /usr/bin/python3 bench/grading/reference.py [--out FILE]
The copy the unit tests compare with (TeacherExerciseTests) is written by
    /usr/bin/python3 bench/grading/reference.py --out tests/SharpGrad.Tests/Explain/Exercises/teacher-torch.json
"""
import argparse
import json
import math
import pathlib
import re
import sys

import torch

torch.set_default_dtype(torch.float64)

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "tests" / "SharpGrad.Tests" / "Explain" / "Exercises"
DECLARATION = re.compile(r"^(param|input|target|const)\s+(\w+)(\[[^\]]*\])?\s*=\s*(.+)$")


def declarations(path):
    """The declared values of a .grad file (one line each in these exercises), as float64 leaves."""
    leaves = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        m = DECLARATION.match(line)
        if m:
            leaves[m.group(2)] = torch.tensor(json.loads(m.group(4)), dtype=torch.float64, requires_grad=True)
    return leaves


def softmax_ce(v):
    z = v["W"] @ v["x"] + v["b"]
    p = torch.softmax(z, dim=-1)
    return dict(z=z, p=p, L=-(v["y"] * torch.log(p)).sum())


def logistic(v):
    z = torch.dot(v["w"], v["x"]) + v["b"]
    p = torch.sigmoid(z)
    y = v["y"]
    return dict(z=z, p=p, L=-(y * torch.log(p) + (1 - y) * torch.log(1 - p)))


def logistic_batch(v):
    z = v["X"] @ v["w"] + v["b"]
    p = torch.sigmoid(z)
    y = v["y"]
    return dict(z=z, p=p, L=(-(y * torch.log(p) + (1 - y) * torch.log(1 - p))).mean())


def mlp_tanh(v):
    a = v["W1"] @ v["x"] + v["b1"]
    h = torch.tanh(a)
    yhat = torch.dot(v["w2"], h) + v["b2"]
    return dict(a=a, h=h, yhat=yhat, L=(yhat - v["y"]) ** 2)


def mlp_relu_softmax(v):
    a = v["W1"] @ v["x"]
    h = torch.relu(a)
    z = v["W2"] @ h + v["b2"]
    # Probability targets, as the exercise's one-hot y.
    L = torch.nn.functional.cross_entropy(z.unsqueeze(0), v["y"].unsqueeze(0))
    return dict(a=a, h=h, z=z, L=L)


def lstm(v):
    x, h0 = v["x"], v["h0"]
    f = torch.sigmoid(v["Wf"] @ x + v["Uf"] @ h0)
    i = torch.sigmoid(v["Wi"] @ x + v["Ui"] @ h0)
    o = torch.sigmoid(v["Wo"] @ x + v["Uo"] @ h0)
    u = torch.tanh(v["Wu"] @ x + v["Uu"] @ h0)
    c = f * v["c0"] + i * u
    h = o * torch.tanh(c)
    return dict(f=f, i=i, o=o, u=u, c=c, h=h, L=(v["r"] * h).sum())


def gru(v):
    x, h0 = v["x"], v["h0"]
    zg = torch.sigmoid(v["Wz"] @ x + v["Uz"] @ h0)
    rg = torch.sigmoid(v["Wr"] @ x + v["Ur"] @ h0)
    n = torch.tanh(v["Wn"] @ x + v["Un"] @ (rg * h0))
    h = (1 - zg) * n + zg * h0
    return dict(zg=zg, rg=rg, n=n, h=h, L=(v["v"] * h).sum())


def attention(v):
    s = v["K"] @ v["q"] / math.sqrt(2)
    a = torch.softmax(s, dim=-1)
    o = v["V"].T @ a
    return dict(s=s, a=a, o=o, L=((o - v["t"]) ** 2).sum())


def ridge(v):
    r = v["X"] @ v["w"] - v["y"]
    return dict(r=r, L=(r ** 2).mean() + v["lam"] * (v["w"] ** 2).sum())


def residual(v):
    a = v["W1"] @ v["x"]
    m = torch.relu(a)
    h = v["x"] + v["W2"] @ m
    return dict(a=a, m=m, h=h, L=0.5 * (h ** 2).sum())


def layer_norm(v):
    x = v["x"]
    mu = x.mean()
    d = x - mu
    var = (d ** 2).mean()
    xhat = d / torch.sqrt(var + 1e-5)
    y = v["gamma"] * xhat + v["beta"]
    return dict(mu=mu, d=d, v=var, xhat=xhat, y=y, L=(v["r"] * y).sum())


def max_pool(v):
    m1 = torch.maximum(v["x1"], v["x2"])
    m2 = torch.maximum(v["x3"], v["x4"])
    return dict(m1=m1, m2=m2, L=v["w1"] * m1 + v["w2"] * m2)


def tied(v):
    h = torch.tanh(v["W"] @ v["x"])
    xr = v["W"].T @ h
    return dict(h=h, xr=xr, L=((xr - v["x"]) ** 2).sum())


def lasso(v):
    r = v["X"] @ v["w"] - v["y"]
    return dict(r=r, L=0.5 * (r ** 2).sum() + v["lam"] * v["w"].abs().sum())


def huber(v):
    yhat = v["w"] * v["x"] + v["b"]
    r = yhat - v["y"]
    a = r.abs()
    q = torch.minimum(a, torch.tensor(1.0))
    l = 0.5 * q ** 2 + (a - q)
    return dict(yhat=yhat, r=r, a=a, q=q, l=l, L=l.mean())


def conv1d(v):
    x, f, c, t = v["x"], v["f"], v["c"], v["t"]
    y = torch.nn.functional.conv1d(x.view(1, 1, 5), f.view(1, 1, 3)).view(3) + c
    y1, y2, y3 = y[0], y[1], y[2]
    return dict(y1=y1, y2=y2, y3=y3, L=(y1 - t[0]) ** 2 + (y2 - t[1]) ** 2 + (y3 - t[2]) ** 2)


def softmax_temperature(v):
    p = torch.softmax(v["z"] / v["T"], dim=-1)
    return dict(p=p, L=-(v["y"] * torch.log(p)).sum())


def linear_batch(v):
    yhat = v["X"] @ v["w"] + v["b"]
    return dict(yhat=yhat, L=((yhat - v["y"]) ** 2).mean())


def scalar_sigmoid(v):
    a = v["w1"] * v["x"] + v["b1"]
    h = torch.sigmoid(a)
    yhat = v["w2"] * h + v["b2"]
    return dict(a=a, h=h, yhat=yhat, L=0.5 * (yhat - v["y"]) ** 2)


def factorisation(v):
    E = v["U"] @ v["V"].T - v["R"]
    return dict(E=E, L=(E ** 2).sum())


def batch_relu(v):
    Z = v["X"] @ v["W"] + v["b"]
    H = torch.relu(Z)
    return dict(Z=Z, H=H, L=(H * v["c"]).sum() / 3)


FORMULAS = {
    "teacher-01-softmax-cross-entropy": softmax_ce,
    "teacher-02-logistic-regression": logistic,
    "teacher-03-logistic-batch-mean": logistic_batch,
    "teacher-04-mlp-tanh-mse": mlp_tanh,
    "teacher-05-mlp-relu-softmax": mlp_relu_softmax,
    "teacher-06-lstm-cell": lstm,
    "teacher-07-gru-cell": gru,
    "teacher-08-attention-query": attention,
    "teacher-09-ridge-regression": ridge,
    "teacher-10-residual-block": residual,
    "teacher-11-layer-norm": layer_norm,
    "teacher-12-max-pooling": max_pool,
    "teacher-13-tied-autoencoder": tied,
    "teacher-14-l1-regularisation": lasso,
    "teacher-15-huber": huber,
    "teacher-16-conv1d-unrolled": conv1d,
    "teacher-17-softmax-temperature": softmax_temperature,
    "teacher-18-linear-regression-batch": linear_batch,
    "teacher-19-scalar-sigmoid-net": scalar_sigmoid,
    "teacher-20-matrix-factorisation": factorisation,
    "teacher-21-batch-relu-layer": batch_relu,
}


def run(name):
    leaves = declarations(EXERCISES / (name + ".grad"))
    nodes = FORMULAS[name](leaves)
    objective = list(nodes)[-1]
    for t in nodes.values():
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
    nodes[objective].backward()
    everything = {**leaves, **nodes}
    values = {k: t.detach().tolist() for k, t in everything.items()}
    grads = {k: (t.grad if t.grad is not None else torch.zeros_like(t)).tolist() for k, t in everything.items()}
    return {"objective": objective, "values": values, "gradients": grads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    args = parser.parse_args()
    found = sorted(p.stem for p in EXERCISES.glob("teacher-*.grad"))
    missing = [n for n in found if n not in FORMULAS]
    if missing:
        sys.exit(f"no PyTorch formula for {', '.join(missing)}")
    result = {name: run(name) for name in sorted(FORMULAS)}
    text = json.dumps(result, indent=1)
    if args.out:
        pathlib.Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
