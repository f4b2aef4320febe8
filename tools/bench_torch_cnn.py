#!/usr/bin/python3
"""PyTorch CPU peer of bench/src/cnn-step.mjs: one training step of a LeNet-style
MNIST CNN (NCHW: conv 32 3x3 -> relu -> maxpool 2 -> conv 64 3x3 -> relu ->
maxpool 2 -> flatten -> linear 128 -> relu -> linear 10; cross-entropy;
torch.optim.AdamW lr 1e-3, weight decay 0.01, foreach), and each convolution
kernel of it alone at batch 64. Medians in ms (the best of several blocks of
samples), printed as one JSON line.

Run with Debian's python3-torch, 2 threads, OpenBLAS first on LD_LIBRARY_PATH:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/bench_torch_cnn.py [--quick] [BATCH ...]
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)

QUICK = "--quick" in sys.argv


def sample(fn, warmup, min_runs, max_runs, budget_s):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    m = len(times) // 2
    return (times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2), len(times)


def best(fn, warmup, min_runs, max_runs, budget_s, blocks):
    """Two threads on a shared machine: a disturbed block is slower, never faster. Keep the best block's median."""
    if QUICK:
        warmup, min_runs, max_runs, budget_s, blocks = 1, 2, 3, 0.0, 1
    out = [sample(fn, warmup if b == 0 else 1, min_runs, max_runs, budget_s) for b in range(blocks)]
    return {"ms": min(o[0] for o in out), "blocks": [round(o[0], 3) for o in out], "runs": sum(o[1] for o in out)}


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.fc1 = torch.nn.Linear(64 * 5 * 5, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def train_step_ms(batch):
    model = Net()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01, foreach=True)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    # Its OpenMP threads wait for each other at every op: one descheduled by another job stalls both, so a
    # disturbed block is several times slower. Many short blocks give an undisturbed one a chance.
    return best(step, 5, 10, 200, 0.5 if batch <= 64 else 1.0, 6)


def kernels(batch):
    """Each kernel of the training step alone, on the shapes of the two conv and pool layers."""
    aten = torch.ops.aten
    out = []
    layers = [
        # name, input [N, C, H, W], Cout
        ("conv1", (batch, 1, 28, 28), 32),
        ("conv2", (batch, 32, 13, 13), 64),
    ]
    for name, xs, cout in layers:
        x = torch.randn(*xs)
        w = torch.randn(cout, xs[1], 3, 3)
        y = F.conv2d(x, w)
        dy = torch.randn_like(y)
        flops = 2 * y.numel() * 9 * xs[1]
        args = ([1, 1], [0, 0], [1, 1], False, [0, 0], 1)
        cases = {
            "Conv2D": lambda: F.conv2d(x, w),
            "Conv2DBackpropInput": lambda: aten.convolution_backward(dy, x, w, None, *args, [True, False, False]),
            "Conv2DBackpropFilter": lambda: aten.convolution_backward(dy, x, w, None, *args, [False, True, False]),
        }
        for kernel, fn in cases.items():
            out.append({"kernel": kernel, "layer": name, "flops": flops, **best(fn, 3, 10, 300, 0.2, 4)})
    pools = [("pool1", (batch, 32, 26, 26)), ("pool2", (batch, 64, 11, 11))]
    for name, xs in pools:
        x = torch.randn(*xs)
        y, idx = aten.max_pool2d_with_indices(x, [2, 2], [2, 2])
        dy = torch.randn_like(y)
        cases = {
            "MaxPool": lambda: aten.max_pool2d_with_indices(x, [2, 2], [2, 2]),
            "MaxPoolGrad": lambda: aten.max_pool2d_with_indices_backward(dy, x, [2, 2], [2, 2], [0, 0], [1, 1], False, idx),
        }
        for kernel, fn in cases.items():
            out.append({"kernel": kernel, "layer": name, **best(fn, 3, 10, 300, 0.2, 4)})
    return out


def main():
    batches = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [64, 256]
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(), "steps": [], "kernels": []}
    for batch in batches:
        out["steps"].append({"batch": batch, **train_step_ms(batch)})
    with torch.no_grad():
        out["kernels"] = kernels(64)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
