#!/usr/bin/env python3
"""PyTorch reference for SharpGrad's benchmark (issue 6).

Runs the same workloads as bench/SharpGrad.Bench with Debian's python3-torch (PyTorch 1.13):

    apt-get install python3-torch
    /usr/bin/python3 bench/torch_reference.py --threads 1

and prints one JSON object per line: {"name", "threads", "value", "unit"}. Times are the median
over --repeats timed runs after --warmup untimed ones; SGEMM is also reported in GFLOP/s.
Workloads: SGEMM N x N x N (float32) for N in 256/512/1024/2048; a training step (forward,
softmax cross-entropy, zero_grad, backward, Adam 1e-3) of the MLP 784-256-10 and of the LeNet-like
CNN, batch 64 of 1x28x28; MLP inference, batch 64, under torch.no_grad().
"""

import argparse
import json
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--repeats", type=int, default=20, help="timed runs per workload (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    p.add_argument("--quick", action="store_true", help="few repeats, skip SGEMM 2048")
    return p.parse_args()


def median_seconds(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def emit(name, threads, value, unit):
    print(json.dumps({"name": name, "threads": threads, "value": value, "unit": unit}), flush=True)


def mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn(nn):
    # The same architecture as SharpGrad.NN.MnistModels.Cnn.
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 10))


def main():
    args = parse_args()
    try:
        import torch
        from torch import nn
        import torch.nn.functional as F
    except ImportError:
        print("PyTorch not found: apt-get install python3-torch (run with /usr/bin/python3)", file=sys.stderr)
        return 2

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    threads = torch.get_num_threads()
    repeats = 3 if args.quick else args.repeats
    warmup = 1 if args.quick else args.warmup

    sizes = [256, 512, 1024] if args.quick else [256, 512, 1024, 2048]
    for n in sizes:
        a = torch.rand(n, n, dtype=torch.float32) * 2 - 1
        b = torch.rand(n, n, dtype=torch.float32) * 2 - 1
        c = torch.empty(n, n, dtype=torch.float32)
        s = median_seconds(lambda: torch.mm(a, b, out=c), repeats, warmup)
        emit(f"sgemm_{n}", threads, s * 1e6, "us")
        emit(f"sgemm_{n}_gflops", threads, 2.0 * n ** 3 / s / 1e9, "GFLOP/s")

    images = torch.rand(64, 1, 28, 28) * 2 - 1
    labels = torch.randint(0, 10, (64,))
    for name, build in (("mlp", mlp), ("cnn", cnn)):
        model = build(nn)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        emit(f"{name}_train_step_b64", threads, median_seconds(step, repeats, warmup) * 1e6, "us")

    model = mlp(nn)
    model.eval()

    def infer():
        with torch.no_grad():
            model(images)

    emit("mlp_inference_b64", threads, median_seconds(infer, repeats, warmup) * 1e6, "us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
