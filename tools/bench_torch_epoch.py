#!/usr/bin/python3
"""PyTorch CPU peer of bench/src/train-epoch.mjs: one MNIST training epoch the
way a PyTorch user writes it. The 60k images are normalized into one float
tensor up front (no per-sample PIL transform, which would only slow torch
down), served by DataLoader(TensorDataset, shuffle=True); each step is
zero_grad, forward, F.cross_entropy, backward, Adam(lr 1e-3).step, and the loss
is read with .item() every 100 steps. Models match Descent's recipes: linear
784-10, MLP 784-256-10, and the LeNet-style CNN (dropout 0.25).

Prints one JSON line: {"model": {"batch": [seconds, ...]}} with one epoch per
repeat, each from fresh weights.

Run with Debian's python3-torch, 2 threads, OpenBLAS first on LD_LIBRARY_PATH:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 \
    tools/bench_torch_epoch.py MNIST_DIR --models mlp,cnn --batches 64,256 --repeats 2
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)


def read_idx(path, offset):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()[offset:]), dtype=torch.uint8)


def build(name):
    if name == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10),
        )
    raise SystemExit(f"unknown model {name!r}")


def epoch(model_name, batch, images, labels, seed):
    torch.manual_seed(seed)
    model = build(model_name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=batch, shuffle=True)
    model.train()
    t0 = time.perf_counter()
    last = None
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i % 100 == 0:
            last = loss.item()
    seconds = time.perf_counter() - t0
    return seconds, last


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mnist_dir")
    p.add_argument("--models", default="mlp")
    p.add_argument("--batches", default="64,256")
    p.add_argument("--repeats", type=int, default=2)
    a = p.parse_args()
    raw = read_idx(os.path.join(a.mnist_dir, "train-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    images = ((raw.float() / 255) - 0.1307) / 0.3081
    labels = read_idx(os.path.join(a.mnist_dir, "train-labels-idx1-ubyte"), 8).long()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "ld_library_path": os.environ.get("LD_LIBRARY_PATH", "")}
    results = {}
    for m in a.models.split(","):
        results[m] = {}
        for b in (int(s) for s in a.batches.split(",")):
            epoch(m, b, images[: b * 20], labels[: b * 20], 0)  # warm-up: allocator, oneDNN primitives
            runs = [epoch(m, b, images, labels, r) for r in range(a.repeats)]
            results[m][str(b)] = {"seconds": [round(s, 3) for s, _ in runs], "loss": [l for _, l in runs]}
    out["epochs"] = results
    print(json.dumps(out))


if __name__ == "__main__":
    main()
