#!/usr/bin/python3
"""PyTorch CPU peer of bench/src/optim-step.mjs: one Adam / AdamW step (foreach)
on 1M and 10M float32 params, medians in ms (the best of several blocks of
steps), printed as one JSON line. With `--models FILE` (bench/src/optim-algorithms.mjs),
one AdamW step (foreach) on each model's parameter shapes in the JSON file
`{ name: [[shape], ...] }` instead: torch 1.13 has no Muon or Adafactor.

Run with Debian's python3-torch, 2 threads, OpenBLAS first on LD_LIBRARY_PATH:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/bench_torch_optim.py
"""
import json
import sys
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


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


def best_blocks(opt, n):
    # Two threads on a shared 2-core machine: a block of steps is either
    # undisturbed or several times slower. Keep the best block's median.
    big = n >= 5_000_000
    blocks = [sample(opt.step, 2, 10, 200, 2.0 if big else 0.5) for _ in range(3 if big else 6)]
    return dict(ms=min(b[0] for b in blocks), blocks=[round(b[0], 3) for b in blocks], runs=sum(b[1] for b in blocks))


def models(path):
    with open(path) as f:
        spec = json.load(f)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "results": []}
    for name, shapes in spec.items():
        params = [torch.nn.Parameter(torch.randn(s)) for s in shapes]
        for p in params:
            p.grad = torch.randn(p.shape)
        opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, foreach=True)
        out["results"].append({"optimizer": "AdamW", "model": name, **best_blocks(opt, sum(p.numel() for p in params))})
        del opt, params
    print(json.dumps(out))


def main():
    if sys.argv[1:2] == ["--models"]:
        return models(sys.argv[2])
    sizes = [int(s) for s in sys.argv[1:]] or [1_000_000, 10_000_000]
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "results": []}
    for n in sizes:
        for name in ["Adam", "AdamW"]:
            p = torch.nn.Parameter(torch.randn(n))
            p.grad = torch.randn(n)
            cls = getattr(torch.optim, name)
            kwargs = {"lr": 1e-3, "foreach": True}
            if name == "AdamW":
                kwargs["weight_decay"] = 0.01
            opt = cls([p], **kwargs)
            out["results"].append({"optimizer": name, "n": n, **best_blocks(opt, n)})
            del opt, p
    print(json.dumps(out))


if __name__ == "__main__":
    with torch.no_grad():
        main()
