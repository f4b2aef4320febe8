#!/usr/bin/env python3
"""Writes the torch.optim.swa_utils.AveragedModel parity fixtures of @descent/optim.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_swa_fixtures.py

The model: Linear(3, 4) -> BatchNorm1d(4) -> Linear(4, 2), so there are float
parameters, float buffers (running_mean, running_var) and an integer buffer
(num_batches_tracked, torch's long). Each case wraps it in an AveragedModel, then
for STEPS steps writes given values into every parameter and buffer of the model
(a random walk, as training would move them) and calls update_parameters(model).
It records the values given and, after each update, every tensor of the average
(parameters then buffers, torch's order) and n_averaged.

torch 1.13 has avg_fn and use_buffers but not torch 2.x's helpers, so the 2.x
functions are written out here as avg_fns, each as torch 2.x computes it
(torch/optim/swa_utils.py):
  - get_ema_avg_fn(decay):        decay * ema + (1 - decay) * p
  - get_ema_multi_avg_fn(decay):  torch.lerp(ema, p, 1 - decay) for float tensors,
                                  ema * decay + p * (1 - decay) for integer ones
  - get_swa_multi_avg_fn():       torch.lerp(avg, p, 1 / (n + 1)) for float tensors
The default (no avg_fn) is the running mean avg + (p - avg) / (n + 1) in both
versions. torch 2.x's update_parameters also ends, without use_buffers, by copying
the model's buffers into the average (1.13 left the deep-copied ones); that copy
is done here after each update, so the fixtures hold torch 2.x's semantics.
Integer buffers that are averaged (use_buffers) go through float32 and are
truncated back by copy_, in both versions.
"""
import os

import torch

from fixture_io import write_fixture

STEPS = 8
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'optim', 'test', 'fixtures', 'swa.json')


def ema_avg_fn(decay):
    def fn(ema, p, _n):
        return decay * ema + (1 - decay) * p
    return fn


def ema_multi_as_avg_fn(decay):
    def fn(ema, p, _n):
        if torch.is_floating_point(ema):
            return torch.lerp(ema, p, 1 - decay)
        return ema * decay + p * (1 - decay)
    return fn


def swa_multi_as_avg_fn():
    def fn(avg, p, n):
        assert torch.is_floating_point(avg), 'torch 2.x cannot average integer tensors with get_swa_multi_avg_fn on cpu'
        return torch.lerp(avg, p, float(1 / (n + 1)))
    return fn


# name, the avg fn Descent's test passes (None: the default), decay (None: the helper's default 0.999), use_buffers
CASES = [
    ('swa', None, None, False),
    ('swa_use_buffers', None, None, True),
    ('ema_avg_fn', 'getEmaAvgFn', 0.9, False),
    ('ema_avg_fn_use_buffers', 'getEmaAvgFn', 0.75, True),
    ('ema_multi_use_buffers', 'getEmaMultiAvgFn', 0.9, True),
    ('ema_multi_default_decay', 'getEmaMultiAvgFn', None, False),
    ('swa_multi', 'getSwaMultiAvgFn', None, False),
]


def make_avg_fn(fn, decay):
    d = 0.999 if decay is None else decay
    if fn is None:
        return None
    if fn == 'getEmaAvgFn':
        return ema_avg_fn(d)
    if fn == 'getEmaMultiAvgFn':
        return ema_multi_as_avg_fn(d)
    if fn == 'getSwaMultiAvgFn':
        return swa_multi_as_avg_fn()
    raise ValueError(fn)


def flat(t):
    return t.detach().reshape(-1).tolist()


def model_tensors(model):
    """(name, tensor, kind) for the parameters then the buffers: torch's chain(parameters(), buffers())."""
    return [(k, v, 'parameter') for k, v in model.named_parameters()] + [(k, v, 'buffer') for k, v in model.named_buffers()]


def run_case(seed, name, fn, decay, use_buffers):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    avg_fn = make_avg_fn(fn, decay)
    swa = torch.optim.swa_utils.AveragedModel(model, avg_fn=avg_fn, use_buffers=use_buffers)
    tensors = model_tensors(model)
    init = [flat(v) for _, v, _ in tensors]
    steps, expected, n_averaged = [], [], []
    with torch.no_grad():
        for _ in range(STEPS):
            for k, v, _ in tensors:
                if v.dtype == torch.long:  # num_batches_tracked: grows by 1 to 9 per step
                    v.add_(torch.randint(1, 10, v.shape, generator=gen))
                elif k.endswith('running_var'):
                    v.copy_((v + 0.3 * torch.randn(v.shape, generator=gen)).abs() + 0.05)
                else:
                    v.add_(0.5 * torch.randn(v.shape, generator=gen))
            steps.append([flat(v) for _, v, _ in tensors])
            swa.update_parameters(model)
            if not use_buffers:  # torch 2.x: keep the buffers in sync with the source model
                for b_swa, b_model in zip(swa.module.buffers(), model.buffers()):
                    b_swa.copy_(b_model)
            expected.append([flat(v) for _, v, _ in model_tensors(swa.module)])
            n_averaged.append(int(swa.n_averaged))
    return dict(
        name=name, avgFn=fn, decay=decay, useBuffers=use_buffers,
        tensors=[dict(key=k, kind=kind, dtype='int32' if v.dtype == torch.long else 'float32', shape=list(v.shape)) for k, v, kind in tensors],
        init=init, steps=steps, expected=expected, nAveraged=n_averaged,
    )


def main():
    cases = [run_case(2000 + i, *c) for i, c in enumerate(CASES)]
    write_fixture(OUT, dict(torch=torch.__version__, steps=STEPS, cases=cases), f'{len(cases)} cases')


if __name__ == '__main__':
    main()
