"""One Adam step on N float32 parameters in PyTorch, on the GPU when there is one:
torch.optim.Adam with foreach=True and with fused=True (where this torch has it),
each step synchronized, the median of several blocks' medians' minimum.

    python3 torch_adam.py 1000000 10000000   ->   one JSON line on stdout

Used by scripts/gpu-check.sh and packages/backend-cuda/test/gpu/bench-adam.mjs,
beside Descent's Adam on the same machine.
"""
import json
import statistics
import sys
import time

import torch


def timed(step, sync, warmup=3, runs=30, blocks=3):
    for _ in range(warmup):
        step()
    sync()
    medians = []
    for _ in range(blocks):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            step()
            sync()
            times.append((time.perf_counter() - t0) * 1000)
        medians.append(statistics.median(times))
    return min(medians)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    results = []
    for n in sizes:
        for variant in ("foreach", "fused"):
            kwargs = {"foreach": True} if variant == "foreach" else {"fused": True}
            p = torch.nn.Parameter(torch.randn(n, device=device))
            p.grad = torch.randn(n, device=device)
            try:
                opt = torch.optim.Adam([p], lr=1e-3, **kwargs)
                ms = timed(opt.step, sync)
                results.append({"variant": variant, "n": n, "ms": ms})
            except (RuntimeError, TypeError, ValueError) as e:
                results.append({"variant": variant, "n": n, "error": str(e).split("\n")[0]})
            del p
    info = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "cuda": torch.version.cuda,
    }
    print(json.dumps({"info": info, "results": results}))


if __name__ == "__main__":
    main()
