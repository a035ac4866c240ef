#!/usr/bin/env python3
"""PyTorch reference for SharpGrad's benchmark (`sharpgrad bench`).

Runs the same workloads as `sharpgrad bench` and bench/SharpGrad.Bench with Debian's python3-torch
(PyTorch 1.13). `sharpgrad bench` carries a copy of this script and runs it by itself; to run it by hand:

    apt-get install python3-torch
    /usr/bin/python3 bench/torch_reference.py --threads 1
    /usr/bin/python3 bench/torch_reference.py --threads 2 --quick --only sgemm,mlp_train

It prints one JSON object per line on stdout, {"name", "threads", "value", "unit"} (threads as
torch.get_num_threads() reports them), and one line "torch_reference: PyTorch VERSION from PATH" on
stderr. Rows (the names of `sharpgrad bench`):

    sgemm_256 .. sgemm_2048   torch.mm of N x N float32 matrices into a preallocated output, GFLOP/s = 2 N^3 / time
                              (sgemm_2048 is left out with --quick)
    mlp_inference_b64         MLP 784-256-10 forward, batch 64 of 1x28x28, eval mode, under torch.no_grad(), us
    mlp_train_step_b64        one training step of the MLP: forward, cross-entropy, zero_grad, backward,
                              torch.optim.SGD(lr=0.01).step(), us
    cnn_train_step_b64        the same for the LeNet-like CNN of SharpGrad.NN.MnistModels.Cnn, us
    transformer_train_step_b32  one training step of a decoder-only character model (Workloads.TransformerModel):
                              embedding 28 x 64, learned positions for 32, two pre-norm causal blocks
                              (nn.TransformerEncoderLayer, 4 heads, feed-forward 256, GELU, dropout 0), a final
                              LayerNorm and Linear(64, 28); batch 32 x 32 tokens, cross-entropy over every
                              position, SGD(lr=0.01), us
    scalar_graph_1e6          per-op overhead: y = x; y = y * w + c repeated 5e5 times on 0-d tensors, then
                              y.backward(); nodes/s = 1e6 / time (scalar_graph_1e5 with --quick)

With --device cuda (or cuda:N) it runs the GPU rows of `sharpgrad bench --device cuda` instead, every
timed call ending in torch.cuda.synchronize():

    gpu_sgemm_N_fp32, gpu_sgemm_N_tf32   torch.mm of N x N float32 matrices on the GPU for N = 1024, 4096, 8192
                              (256 and 512 with --quick), TF32 through torch.backends.cuda.matmul.allow_tf32, GFLOP/s
    gpu_mlp4096_train_step_b1024  a training step of the MLP 784-4096-4096-10 (ReLU) at batch 1024 (--quick: width 512,
                              batch 64), SGD(lr=0.01), us
    gpu_cnn_train_step_b256   a training step of the LeNet-like CNN at batch 256 (--quick: 16), SGD(lr=0.01), us
    gpu_cnn_epoch_b32         one epoch of the default `sharpgrad train` model and batch: the CNN, batch 32,
                              Adam(lr=0.002), over 8 000 training images already in GPU memory (--quick: 512), s

Timing mirrors SharpGrad.Cli's Bench/Timing.cs: warm-up runs (at least 2 and 1 s; --quick 1 and 1 s),
then timed runs (at least 5 and 1 s, at most 200; --quick 3 and 0.25 s, at most 100), and the median
time is reported; the scalar chain is one warm-up and one timed run. Without torch it prints how to
install it and exits with 2.
"""

import argparse
import json
import os
import statistics
import sys
import time

FULL = dict(min_warmups=2, warmup_seconds=1.0, min_repeats=5, timed_seconds=1.0, max_repeats=200)
QUICK = dict(min_warmups=1, warmup_seconds=1.0, min_repeats=3, timed_seconds=0.25, max_repeats=100)
ONCE = dict(min_warmups=1, warmup_seconds=0.0, min_repeats=1, timed_seconds=0.0, max_repeats=1)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads and the BLAS/OpenMP thread count (default 1)")
    p.add_argument("--quick", action="store_true", help="shorter timing, no sgemm_2048, a scalar chain of 1e5 nodes")
    p.add_argument("--device", default="cpu", help="cpu (the CPU rows) or cuda / cuda:N (the GPU rows)")
    p.add_argument("--only", default="", help="comma-separated row-name prefixes to run, as sharpgrad bench --only: "
                   "a prefix of the name or of a part after an underscore, e.g. sgemm,mlp_train,scalar (default: every row)")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def median_seconds(fn, budget):
    clock = time.perf_counter()
    done = 0
    while done < budget["min_warmups"] or time.perf_counter() - clock < budget["warmup_seconds"]:
        fn()
        done += 1
    times = []
    while len(times) < budget["max_repeats"] and (len(times) < budget["min_repeats"] or sum(times) < budget["timed_seconds"]):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def emit(name, threads, value, unit):
    print(json.dumps({"name": name, "threads": threads, "value": value, "unit": unit}), flush=True)


def mlp(nn):
    # SharpGrad.NN.MnistModels.Mlp.
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn(nn):
    # SharpGrad.NN.MnistModels.Cnn.
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 10))


def main():
    args = parse_args()
    # Must be set before torch loads its OpenMP and BLAS runtimes: torch.set_num_threads alone does not
    # always reach the BLAS that torch.mm calls. `sharpgrad bench` sets them too; setdefault keeps its values.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    try:
        import torch
        from torch import nn
        import torch.nn.functional as F
    except ImportError:
        print("PyTorch not found: apt-get install python3-torch (runs with /usr/bin/python3)", file=sys.stderr)
        return 2

    if args.device != "cpu":
        return gpu_rows(torch, nn, F, args)

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)  # as ONNX Runtime's InterOpNumThreads = 1; only allowed before any parallel work
    except RuntimeError:
        pass
    torch.manual_seed(42)
    threads = torch.get_num_threads()
    print(f"torch_reference: PyTorch {torch.__version__} from {os.path.dirname(torch.__file__)}", file=sys.stderr, flush=True)
    budget = QUICK if args.quick else FULL
    prefixes = [p for p in args.only.split(",") if p]

    def wanted(name):
        return not prefixes or any(name.startswith(p) or "_" + p in name for p in prefixes)

    for n in ([256, 512, 1024] if args.quick else [256, 512, 1024, 2048]):
        if not wanted(f"sgemm_{n}"):
            continue
        a = torch.rand(n, n, dtype=torch.float32) * 2 - 1
        b = torch.rand(n, n, dtype=torch.float32) * 2 - 1
        c = torch.empty(n, n, dtype=torch.float32)
        s = median_seconds(lambda: torch.mm(a, b, out=c), budget)
        emit(f"sgemm_{n}", threads, 2.0 * n ** 3 / s / 1e9, "GFLOP/s")

    images = torch.rand(64, 1, 28, 28) * 2 - 1
    labels = torch.randint(0, 10, (64,))

    if wanted("mlp_inference_b64"):
        model = mlp(nn)
        model.eval()

        def infer():
            with torch.no_grad():
                model(images)

        emit("mlp_inference_b64", threads, median_seconds(infer, budget) * 1e6, "us")

    for name, build in (("mlp", mlp), ("cnn", cnn)):
        if not wanted(f"{name}_train_step_b64"):
            continue
        model = build(nn)
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

        def step():
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        emit(f"{name}_train_step_b64", threads, median_seconds(step, budget) * 1e6, "us")

    if wanted("transformer_train_step_b32"):
        batch, context, vocab, width, heads, ff, layers = 32, 32, 28, 64, 4, 256, 2

        class TinyTransformer(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(vocab, width)
                self.pos = nn.Parameter(torch.randn(context, width))
                self.blocks = nn.ModuleList(
                    nn.TransformerEncoderLayer(width, heads, ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
                    for _ in range(layers))
                self.norm = nn.LayerNorm(width)
                self.head = nn.Linear(width, vocab)
                self.register_buffer("mask", torch.triu(torch.full((context, context), float("-inf")), diagonal=1))

            def forward(self, tokens):
                h = self.embed(tokens) + self.pos
                for block in self.blocks:
                    h = block(h, src_mask=self.mask)
                return self.head(self.norm(h))

        model = TinyTransformer()
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        tokens = torch.randint(0, vocab, (batch, context))
        targets = torch.randint(0, vocab, (batch, context))

        def lm_step():
            loss = F.cross_entropy(model(tokens).reshape(-1, vocab), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        emit("transformer_train_step_b32", threads, median_seconds(lm_step, budget) * 1e6, "us")

    nodes = 100_000 if args.quick else 1_000_000
    name = "scalar_graph_1e5" if args.quick else "scalar_graph_1e6"
    if wanted(name):
        def chain():
            x = torch.tensor(1.0, requires_grad=True)
            w = torch.tensor(0.5, requires_grad=True)
            c = torch.tensor(0.25)
            y = x
            for _ in range(nodes // 2):
                y = y * w + c
            y.backward()

        emit(name, threads, nodes / median_seconds(chain, ONCE), "nodes/s")
    return 0


def gpu_rows(torch, nn, F, args):
    if not torch.cuda.is_available():
        print(f"PyTorch {torch.__version__} has no CUDA device here (torch.cuda.is_available() is False)", file=sys.stderr)
        return 3
    device = torch.device(args.device)
    print(f"torch_reference: PyTorch {torch.__version__} CUDA {torch.version.cuda} on {torch.cuda.get_device_name(device)} "
          f"from {os.path.dirname(torch.__file__)}", file=sys.stderr, flush=True)
    torch.manual_seed(42)
    budget = QUICK if args.quick else FULL
    prefixes = [p for p in args.only.split(",") if p]
    threads = torch.get_num_threads()

    def wanted(name):
        return not prefixes or any(name.startswith(p) or "_" + p in name for p in prefixes)

    def timed(fn):
        def run():
            fn()
            torch.cuda.synchronize(device)
        return median_seconds(run, budget)

    for n in ([256, 512] if args.quick else [1024, 4096, 8192]):
        for mode in ("fp32", "tf32"):
            name = f"gpu_sgemm_{n}_{mode}"
            if not wanted(name):
                continue
            torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
            a = torch.rand(n, n, device=device) * 2 - 1
            b = torch.rand(n, n, device=device) * 2 - 1
            c = torch.empty(n, n, device=device)
            emit(name, threads, 2.0 * n ** 3 / timed(lambda: torch.mm(a, b, out=c)) / 1e9, "GFLOP/s")
    torch.backends.cuda.matmul.allow_tf32 = False

    def train_step_row(name, model, batch):
        model = model.to(device)
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        images = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1
        labels = torch.randint(0, 10, (batch,), device=device)

        def step():
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        emit(name, threads, timed(step) * 1e6, "us")

    if wanted("gpu_mlp4096_train_step_b1024"):
        width, batch = (512, 64) if args.quick else (4096, 1024)
        train_step_row("gpu_mlp4096_train_step_b1024", nn.Sequential(
            nn.Flatten(), nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)), batch)
    if wanted("gpu_cnn_train_step_b256"):
        train_step_row("gpu_cnn_train_step_b256", cnn(nn), 16 if args.quick else 256)
    if wanted("gpu_cnn_epoch_b32"):
        count = 512 if args.quick else 8000
        images = torch.rand(count, 1, 28, 28, device=device) * 2 - 1
        labels = torch.randint(0, 10, (count,), device=device)
        model = cnn(nn).to(device)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.002)

        def epoch():
            for first in range(0, count - 31, 32):
                loss = F.cross_entropy(model(images[first:first + 32]), labels[first:first + 32])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        emit("gpu_cnn_epoch_b32", threads, median_seconds(lambda: (epoch(), torch.cuda.synchronize(device)), ONCE), "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
