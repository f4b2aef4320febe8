#!/usr/bin/env python3
"""Writes the torch.optim parity fixtures of @descent/optim.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_optim_fixtures.py

Each case: an optimizer, its defaults, two param groups with different options,
four float32 parameters, STEPS steps of given gradients (one parameter has no
gradient on some steps, like p.grad = None) and every parameter after each step.
Options are written in Descent's lowerCamelCase names.

LAMB is not in torch 1.13; its reference is `TimmLamb` below, a transcription of
timm's `Lamb` (huggingface/pytorch-image-models, timm/optim/lamb.py, the version
with `trust_clip` and `always_adapt`; Apache-2.0). Lion's reference is `Lion`
below, a transcription of the reference PyTorch implementation
(google/automl lion/lion_pytorch.py, as packaged in lucidrains/lion-pytorch).
"""
import math
import os
import re

import torch
from torch.optim import Optimizer

from fixture_io import write_fixture

STEPS = 12
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'optim', 'test', 'fixtures', 'optim.json')


class TimmLamb(Optimizer):
    """timm.optim.Lamb, transcribed (single-tensor path, no caution/decoupled options)."""

    def __init__(self, params, lr=1e-3, bias_correction=True, betas=(0.9, 0.999), eps=1e-6,
                 weight_decay=0.01, grad_averaging=True, max_grad_norm=1.0, trust_clip=False, always_adapt=False):
        defaults = dict(lr=lr, bias_correction=bias_correction, betas=betas, eps=eps, weight_decay=weight_decay,
                        grad_averaging=grad_averaging, max_grad_norm=max_grad_norm, trust_clip=trust_clip,
                        always_adapt=always_adapt)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self):
        # Global grad norm over every parameter that has a gradient; clip factor >= 1.
        one = torch.tensor(1.0)
        max_grad_norm = self.defaults['max_grad_norm']
        clip = one
        if max_grad_norm is not None:
            total = torch.zeros(())
            for group in self.param_groups:
                for p in group['params']:
                    if p.grad is not None:
                        total.add_(p.grad.pow(2).sum())
            total = torch.sqrt(total)
            clip = torch.where(total > max_grad_norm, total / max_grad_norm, one)
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            beta3 = 1 - beta1 if group['grad_averaging'] else 1.0
            group['step'] = group.get('step', 0) + 1  # per group, as timm
            if group['bias_correction']:
                bc1 = 1 - beta1 ** group['step']
                bc2 = 1 - beta2 ** group['step']
            else:
                bc1, bc2 = 1.0, 1.0
            for p in group['params']:
                if p.grad is None:
                    continue
                grad = p.grad / clip
                state = self.state[p]
                if len(state) == 0:
                    state['exp_avg'] = torch.zeros_like(p)
                    state['exp_avg_sq'] = torch.zeros_like(p)
                m, v = state['exp_avg'], state['exp_avg_sq']
                m.mul_(beta1).add_(grad, alpha=beta3)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (v.sqrt() / math.sqrt(bc2)).add_(group['eps'])
                update = (m / bc1).div_(denom)
                wd = group['weight_decay']
                if wd != 0:
                    update.add_(p, alpha=wd)
                if wd != 0 or group['always_adapt']:
                    w_norm = p.norm(2.0)
                    u_norm = update.norm(2.0)
                    ratio = torch.where(w_norm > 0, torch.where(u_norm > 0, w_norm / u_norm, one), one)
                    if group['trust_clip']:
                        ratio = torch.minimum(ratio, one)
                    update.mul_(ratio)
                p.add_(update, alpha=-group['lr'])


class Lion(Optimizer):
    """Lion (Chen et al. 2023), the reference PyTorch update, transcribed."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd = group['lr'], group['weight_decay']
            beta1, beta2 = group['betas']
            for p in group['params']:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state['exp_avg'] = torch.zeros_like(p)
                m = state['exp_avg']
                p.mul_(1 - lr * wd)  # decoupled weight decay
                update = m.clone().mul_(beta1).add(p.grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-lr)
                m.mul_(beta2).add_(p.grad, alpha=1 - beta2)


CLASSES = {
    'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW, 'Lamb': TimmLamb,
    'Adagrad': torch.optim.Adagrad, 'RMSprop': torch.optim.RMSprop, 'Adadelta': torch.optim.Adadelta,
    'Adamax': torch.optim.Adamax, 'NAdam': torch.optim.NAdam, 'RAdam': torch.optim.RAdam, 'Lion': Lion,
}

# (name, optimizer, defaults, options of group 0, options of group 1), torch's keyword names.
CASES = [
    ('sgd', 'SGD', dict(lr=0.1), {}, dict(lr=0.05, weight_decay=0.1)),
    ('sgd_momentum', 'SGD', dict(lr=0.05, momentum=0.9), {}, dict(dampening=0.5, weight_decay=0.01)),
    ('sgd_nesterov', 'SGD', dict(lr=0.05, momentum=0.9, nesterov=True), dict(weight_decay=0.05), dict(momentum=0.5, maximize=True)),
    ('sgd_maximize', 'SGD', dict(lr=0.02, maximize=True), dict(momentum=0.8, dampening=0.1), {}),
    ('adam', 'Adam', dict(), {}, dict(lr=0.01, betas=(0.8, 0.99))),
    ('adam_weight_decay', 'Adam', dict(lr=0.01, weight_decay=0.1), dict(maximize=True), dict(eps=1e-3)),
    ('adam_amsgrad', 'Adam', dict(lr=0.01, amsgrad=True), {}, dict(weight_decay=0.05, maximize=True)),
    ('adamw', 'AdamW', dict(lr=0.01), {}, dict(weight_decay=0.5, betas=(0.5, 0.9))),
    ('adamw_amsgrad', 'AdamW', dict(lr=0.01, amsgrad=True, weight_decay=0.1), dict(maximize=True), dict(weight_decay=0.0)),
    ('lamb', 'Lamb', dict(lr=0.01), {}, dict(weight_decay=0.0)),
    ('lamb_trust_clip', 'Lamb', dict(lr=0.01, trust_clip=True, weight_decay=0.1), {}, dict(weight_decay=0.0, always_adapt=True)),
    ('lamb_no_clip', 'Lamb', dict(lr=0.01, max_grad_norm=None), dict(bias_correction=False), dict(grad_averaging=False, always_adapt=True)),
    ('lamb_big_norm', 'Lamb', dict(lr=0.02, max_grad_norm=100.0, weight_decay=0.05), dict(betas=(0.8, 0.99)), dict(eps=1e-3)),
    ('adagrad', 'Adagrad', dict(lr=0.1), {}, dict(lr_decay=0.05, initial_accumulator_value=0.1)),
    ('adagrad_weight_decay', 'Adagrad', dict(lr=0.1, weight_decay=0.1), dict(maximize=True), dict(eps=1e-3)),
    ('rmsprop', 'RMSprop', dict(lr=0.01), {}, dict(alpha=0.9, weight_decay=0.1)),
    ('rmsprop_centered', 'RMSprop', dict(lr=0.01, centered=True), {}, dict(maximize=True)),
    ('rmsprop_momentum', 'RMSprop', dict(lr=0.01, momentum=0.9), dict(centered=True), dict(weight_decay=0.05)),
    ('adadelta', 'Adadelta', dict(), {}, dict(rho=0.5, weight_decay=0.1)),
    ('adadelta_maximize', 'Adadelta', dict(lr=0.5, maximize=True), {}, dict(eps=1e-3)),
    ('adamax', 'Adamax', dict(), {}, dict(betas=(0.8, 0.99), weight_decay=0.1)),
    ('adamax_maximize', 'Adamax', dict(lr=0.01, maximize=True), {}, dict(eps=1e-2)),
    ('nadam', 'NAdam', dict(), {}, dict(momentum_decay=0.01, weight_decay=0.1)),
    ('nadam_betas', 'NAdam', dict(lr=0.01, betas=(0.8, 0.99)), {}, dict(eps=1e-3)),
    ('radam', 'RAdam', dict(), {}, dict(weight_decay=0.1)),
    ('radam_betas', 'RAdam', dict(lr=0.01, betas=(0.8, 0.9)), {}, dict(eps=1e-3)),
    ('lion', 'Lion', dict(lr=1e-3), {}, dict(weight_decay=0.5)),
    ('lion_betas', 'Lion', dict(lr=1e-2, betas=(0.95, 0.98), weight_decay=0.1), {}, dict(lr=1e-3)),
]

SHAPES = [[3, 4], [4], [2, 3], [5]]
GROUPS = [[0, 1], [2, 3]]
SKIP = {(2, 3), (5, 3), (6, 1)}  # (step, param): no gradient, like p.grad = None


def camel(name):
    return re.sub(r'_([a-z])', lambda m: m.group(1).upper(), name)


def camel_options(options):
    return {camel(k): (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}


def flat(t):
    return t.detach().reshape(-1).tolist()


def run_case(seed, name, cls_name, defaults, opts0, opts1, shapes=SHAPES, make=None, on_step=None):
    """One case; `make(groups, defaults)` builds the optimizer (default: CLASSES[cls_name]), `on_step(opt, params)` runs after each step."""
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=gen, dtype=torch.float32).requires_grad_() for s in shapes]
    init = [flat(p) for p in params]
    groups = [dict(params=[params[i] for i in GROUPS[0]], **opts0), dict(params=[params[i] for i in GROUPS[1]], **opts1)]
    opt = make(groups, defaults) if make else CLASSES[cls_name](groups, **defaults)
    grads, expected = [], []
    for step in range(STEPS):
        step_grads = []
        for i, p in enumerate(params):
            if (step, i) in SKIP:
                p.grad = None
                step_grads.append(None)
            else:
                g = torch.randn(p.shape, generator=gen, dtype=torch.float32)
                p.grad = g.clone()
                step_grads.append(flat(g))
        opt.step()
        grads.append(step_grads)
        expected.append([flat(p) for p in params])
        if on_step:
            on_step(opt, params)
    return dict(
        name=name, optimizer=cls_name, defaults=camel_options(defaults),
        groups=[dict(params=GROUPS[0], **camel_options(opts0)), dict(params=GROUPS[1], **camel_options(opts1))],
        shapes=shapes, init=init, grads=grads, expected=expected,
    )


def main():
    cases = [run_case(1000 + i, *c) for i, c in enumerate(CASES)]
    write_fixture(OUT, dict(torch=torch.__version__, steps=STEPS, cases=cases), f'{len(cases)} cases')


if __name__ == '__main__':
    main()
