#!/usr/bin/env python3
"""Writes the torch.nn.functional loss parity fixtures of @descent/nn.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_loss_fixtures.py

Every case runs one loss of torch.nn.functional on seeded float32 inputs (CPU,
float32) and stores, in Descent's layout and option names:

  fn         the @descent/nn function (crossEntropy, nllLoss, mseLoss, ...)
  torch      the torch call it mirrors
  options    lowerCamelCase options (reduction, ignoreIndex, labelSmoothing, beta, delta, logTarget)
  tensors    input, target and, where used, weight / posWeight (tensor options)
  cotangent  r, a seeded random tensor of the output's shape (a scalar for 'mean'/'sum'/'batchmean')
  output     the loss
  gradInput  d sum(output * r) / d input
  gradTarget d sum(output * r) / d target, where the target is floating and torch differentiates it

Layout: Descent puts the class axis LAST (tfjs's convention): logits / log-probabilities
[N, C] or [N, d1, ..., dk, C] where torch takes [N, C, d1, ..., dk]. The leaves are made in
Descent's layout and moved to torch's (movedim(-1, 1)) inside the differentiated function, so
every stored tensor and gradient is already class-last. Class-index targets [N, d1, ..., dk]
are the same in both.

Tensors: {shape, dtype, data}; float32 values as the shortest decimals that round-trip the
float32 (JS's Float32Array gets the same bits back); NaN and infinities as the strings
'NaN', 'Infinity', '-Infinity'.
"""
import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'nn', 'test', 'fixtures', 'losses.json')


# ---------------------------------------------------------------- encoding


def f32(v):
    v = float(np.float32(v))
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(repr(np.float32(v)))


def tensor_json(t):
    t = t.detach().contiguous()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.view(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': [f32(v) for v in t.to(torch.float32).view(-1).tolist()]}


def gen(name):
    return torch.Generator().manual_seed(zlib.crc32(name.encode()))


def randn(g, *shape, scale=1.0):
    return torch.randn(shape, generator=g, dtype=torch.float32) * scale


def class_first(x):
    """Descent [N, d..., C] -> torch [N, C, d...] (rank 1 [C]: unchanged)."""
    return x if x.dim() < 2 else x.movedim(-1, 1)


def camel(name):
    parts = name.split('_')
    return parts[0] + ''.join(p.title() for p in parts[1:])


# ---------------------------------------------------------------- case runner

CASES = []


def case(name, fn, torch_desc, call, inputs, options, tensor_options=None):
    """call(input, target, **tensor_options) -> torch output; `inputs`: {'input': t, 'target': t}."""
    tensor_options = tensor_options or {}
    x = inputs['input'].clone().requires_grad_(True)
    t = inputs['target'].clone()
    diff_target = t.is_floating_point()
    if diff_target:
        t.requires_grad_(True)
    out = call(x, t, **tensor_options)
    g = gen(name + '/r')
    r = torch.randn(out.shape, generator=g, dtype=torch.float32)
    grad_x = torch.autograd.grad((out * r).sum(), [x], retain_graph=True)[0]
    grad_t = None
    if diff_target:
        try:
            grad_t = torch.autograd.grad((out * r).sum(), [t], allow_unused=True)[0]
        except RuntimeError:  # "the derivative for 'target' is not implemented"
            grad_t = None
    entry = {
        'name': name,
        'fn': fn,
        'torch': torch_desc,
        'options': options,
        'tensors': {'input': tensor_json(inputs['input']), 'target': tensor_json(inputs['target']),
                    **{k: tensor_json(v) for k, v in tensor_options.items()}},
        'cotangent': tensor_json(r),
        'output': tensor_json(out),
        'gradInput': tensor_json(grad_x),
    }
    if grad_t is not None:
        entry['gradTarget'] = tensor_json(grad_t)
    CASES.append(entry)


def torch_kwargs(options):
    """Descent options -> torch keyword arguments (snake_case)."""
    names = {'ignoreIndex': 'ignore_index', 'labelSmoothing': 'label_smoothing', 'logTarget': 'log_target'}
    return {names.get(k, k): v for k, v in options.items()}


def describe(fname, options, tensor_options):
    args = ['input', 'target'] + [f'{k}={k}' for k in tensor_options] + \
        [f'{k}={v!r}' for k, v in torch_kwargs(options).items()]
    return f'F.{fname}({", ".join(args)})'


# ---------------------------------------------------------------- class losses


def targets(g, shape, C, ignored=(), ignore_value=-100):
    """Class indices of `shape`; flat positions in `ignored` get `ignore_value`."""
    t = torch.randint(0, C, shape, generator=g, dtype=torch.int64)
    flat = t.view(-1)
    for i in ignored:
        flat[i] = ignore_value
    return t


def class_case(name, fn, shape, C, options, weight=False, ignored=(), all_ignored=False, probs=False, scale=1.0,
               logits=None, target=None):
    """shape: the batch shape [N, d...] (or [] unbatched); logits [*shape, C]."""
    g = gen(name)
    x = randn(g, *shape, C, scale=scale) if logits is None else logits
    if fn == 'nllLoss':
        x = F.log_softmax(x, -1).detach()
    ignore_value = options.get('ignoreIndex', -100)
    if target is not None:
        t = target
    elif probs:
        t = torch.softmax(randn(g, *shape, C, scale=2.0), -1).detach()
    else:
        n = int(np.prod(shape)) if shape else 1
        t = targets(g, shape, C, range(n) if all_ignored else ignored, ignore_value)
    tensor_options = {'weight': (0.25 + torch.rand(C, generator=g, dtype=torch.float32) * 2)} if weight else {}
    fname = 'cross_entropy' if fn == 'crossEntropy' else 'nll_loss'
    tfn = getattr(F, fname)
    kw = torch_kwargs(options)

    def call(x, t, **tensor_opts):
        tt = class_first(t) if t.is_floating_point() else t
        return tfn(class_first(x), tt, **tensor_opts, **kw)
    case(name, fn, describe(fname, options, tensor_options) + ' (class axis moved: dim 1 -> last)', call,
         {'input': x, 'target': t}, options, tensor_options)


def class_cases():
    for red in ('mean', 'sum', 'none'):
        o = {'reduction': red}
        class_case(f'ce_{red}', 'crossEntropy', [5], 4, o)
        class_case(f'ce_weight_{red}', 'crossEntropy', [6], 4, o, weight=True)
        class_case(f'ce_ignore_{red}', 'crossEntropy', [6], 4, o, ignored=(1, 4))
        class_case(f'ce_weight_ignore_{red}', 'crossEntropy', [6], 4, o, weight=True, ignored=(0, 3))
        class_case(f'ce_all_ignored_{red}', 'crossEntropy', [3], 4, o, all_ignored=True)
        class_case(f'ce_weight_all_ignored_{red}', 'crossEntropy', [3], 4, o, weight=True, all_ignored=True)
        class_case(f'ce_ls_{red}', 'crossEntropy', [5], 4, {**o, 'labelSmoothing': 0.1})
        class_case(f'ce_ls_weight_{red}', 'crossEntropy', [5], 4, {**o, 'labelSmoothing': 0.1}, weight=True)
        class_case(f'ce_ls_ignore_{red}', 'crossEntropy', [6], 4, {**o, 'labelSmoothing': 0.1}, ignored=(2, 5))
        class_case(f'ce_ls_weight_ignore_{red}', 'crossEntropy', [6], 4, {**o, 'labelSmoothing': 0.1}, weight=True,
                   ignored=(2, 5))
        class_case(f'ce_ls_weight_all_ignored_{red}', 'crossEntropy', [3], 4, {**o, 'labelSmoothing': 0.1},
                   weight=True, all_ignored=True)
        class_case(f'ce_kdim_{red}', 'crossEntropy', [2, 3], 4, o)
        class_case(f'ce_kdim_weight_ignore_{red}', 'crossEntropy', [2, 3], 4, o, weight=True, ignored=(1, 5))
        class_case(f'ce_kdim_ls_weight_ignore_{red}', 'crossEntropy', [2, 3], 4, {**o, 'labelSmoothing': 0.1},
                   weight=True, ignored=(0,))
        class_case(f'ce_2d_spatial_{red}', 'crossEntropy', [2, 2, 3], 3, o, weight=True, ignored=(4,))
        class_case(f'ce_unbatched_{red}', 'crossEntropy', [], 5, o)
        class_case(f'ce_probs_{red}', 'crossEntropy', [5], 4, o, probs=True)
        class_case(f'ce_probs_weight_{red}', 'crossEntropy', [5], 4, o, probs=True, weight=True)
        class_case(f'ce_probs_ls_{red}', 'crossEntropy', [5], 4, {**o, 'labelSmoothing': 0.1}, probs=True)
        class_case(f'ce_probs_ls_weight_{red}', 'crossEntropy', [5], 4, {**o, 'labelSmoothing': 0.1}, probs=True,
                   weight=True)
        class_case(f'ce_probs_kdim_{red}', 'crossEntropy', [2, 3], 4, o, probs=True, weight=True)
        class_case(f'nll_{red}', 'nllLoss', [5], 4, o)
        class_case(f'nll_weight_ignore_{red}', 'nllLoss', [6], 4, o, weight=True, ignored=(2,))
        class_case(f'nll_kdim_ignore_{red}', 'nllLoss', [2, 3], 4, o, ignored=(3,))
        class_case(f'nll_all_ignored_{red}', 'nllLoss', [3], 4, o, weight=True, all_ignored=True)
    # ignoreIndex that is a real class, and a custom negative one.
    class_case('ce_ignore_index_class_1', 'crossEntropy', [6], 4, {'ignoreIndex': 1},
               target=torch.tensor([1, 0, 1, 3, 2, 1]), weight=True)
    class_case('ce_ignore_index_minus_1', 'crossEntropy', [6], 4, {'ignoreIndex': -1, 'labelSmoothing': 0.2},
               ignored=(0, 4))
    class_case('ce_unbatched_ignored', 'crossEntropy', [], 4, {}, all_ignored=True)
    class_case('ce_unbatched_probs', 'crossEntropy', [], 4, {'labelSmoothing': 0.1}, probs=True)
    class_case('ce_ls_1', 'crossEntropy', [5], 4, {'labelSmoothing': 1.0}, weight=True)
    class_case('ce_ls_0.3_sum', 'crossEntropy', [5], 4, {'labelSmoothing': 0.3, 'reduction': 'sum'}, ignored=(1,))
    # Extreme logits: log-softmax must stay finite and exact.
    lg = torch.tensor([[100., -100., 0., 3.], [-100., -100., -100., 100.], [50., 50., -50., 0.]])
    class_case('ce_extreme_logits', 'crossEntropy', [3], 4, {}, logits=lg, target=torch.tensor([1, 3, 2]))
    class_case('ce_extreme_logits_ls_weight', 'crossEntropy', [3], 4, {'labelSmoothing': 0.1}, logits=lg,
               target=torch.tensor([1, 3, 0]), weight=True)
    class_case('ce_extreme_logits_probs', 'crossEntropy', [3], 4, {'reduction': 'none'}, logits=lg, probs=True)
    class_case('ce_large_batch', 'crossEntropy', [64], 10, {}, weight=True, ignored=(3, 17, 40), scale=3.0)
    class_case('ce_large_batch_ls', 'crossEntropy', [64], 10, {'labelSmoothing': 0.1}, ignored=(5,), scale=3.0)


# ---------------------------------------------------------------- pointwise regression losses


def pointwise_inputs(g, shape, ties=(), scale=1.0):
    x = randn(g, *shape, scale=scale)
    t = randn(g, *shape, scale=scale)
    tf = t.view(-1)
    xf = x.view(-1)
    for i in ties:
        tf[i] = xf[i]  # input == target: the kink of |x| (torch's gradient there is 0)
    return x, t


def regression_case(name, fn, fname, shape, options, ties=(), scale=1.0, x=None, t=None):
    g = gen(name)
    if x is None:
        x, t = pointwise_inputs(g, shape, ties, scale)
    kw = torch_kwargs(options)
    tfn = getattr(F, fname)

    def call(x, t):
        return tfn(x, t, **kw)
    case(name, fn, describe(fname, options, {}), call, {'input': x, 'target': t}, options)


def regression_cases():
    for red in ('mean', 'sum', 'none'):
        o = {'reduction': red}
        regression_case(f'mse_{red}', 'mseLoss', 'mse_loss', [4, 3], o, ties=(2,))
        regression_case(f'mse_3d_{red}', 'mseLoss', 'mse_loss', [2, 3, 2], o)
        regression_case(f'l1_{red}', 'l1Loss', 'l1_loss', [4, 3], o, ties=(1, 7))
        regression_case(f'l1_3d_{red}', 'l1Loss', 'l1_loss', [2, 3, 2], o, ties=(0,))
        regression_case(f'smooth_l1_{red}', 'smoothL1Loss', 'smooth_l1_loss', [4, 5], o, ties=(3,), scale=1.5)
        regression_case(f'smooth_l1_beta_0.5_{red}', 'smoothL1Loss', 'smooth_l1_loss', [4, 5],
                        {**o, 'beta': 0.5}, ties=(0,), scale=1.5)
        regression_case(f'smooth_l1_beta_0_{red}', 'smoothL1Loss', 'smooth_l1_loss', [4, 5], {**o, 'beta': 0.0},
                        ties=(4, 9))
        regression_case(f'smooth_l1_beta_2_{red}', 'smoothL1Loss', 'smooth_l1_loss', [3, 4], {**o, 'beta': 2.0},
                        scale=2.0)
        regression_case(f'huber_{red}', 'huberLoss', 'huber_loss', [4, 5], o, ties=(6,), scale=1.5)
        regression_case(f'huber_delta_0.5_{red}', 'huberLoss', 'huber_loss', [4, 5], {**o, 'delta': 0.5},
                        ties=(1,), scale=1.5)
        regression_case(f'huber_delta_2_{red}', 'huberLoss', 'huber_loss', [2, 3, 2], {**o, 'delta': 2.0},
                        scale=2.5)
    # |input - target| exactly at beta / delta (both branches meet there).
    x = torch.tensor([0.0, 1.0, -2.0, 0.5, 3.0, -0.25])
    t = torch.tensor([1.0, 0.0, -1.0, 1.0, 1.0, 0.25])
    regression_case('smooth_l1_at_beta', 'smoothL1Loss', 'smooth_l1_loss', None, {'reduction': 'none'}, x=x, t=t)
    regression_case('smooth_l1_at_beta_0.5', 'smoothL1Loss', 'smooth_l1_loss', None, {'beta': 0.5}, x=x, t=t)
    regression_case('huber_at_delta', 'huberLoss', 'huber_loss', None, {'reduction': 'none'}, x=x, t=t)
    regression_case('huber_at_delta_0.5', 'huberLoss', 'huber_loss', None, {'delta': 0.5, 'reduction': 'sum'},
                    x=x, t=t)
    regression_case('l1_scalar', 'l1Loss', 'l1_loss', None, {}, x=torch.tensor(0.5), t=torch.tensor(-1.25))
    regression_case('mse_scalar', 'mseLoss', 'mse_loss', None, {'reduction': 'none'}, x=torch.tensor(0.5),
                    t=torch.tensor(-1.25))


# ---------------------------------------------------------------- binary cross entropy


def bce_case(name, fn, shape, options, weight=None, pos_weight=None, x=None, t=None, soft=False):
    g = gen(name)
    if x is None:
        x = randn(g, *shape, scale=2.0)
        if fn == 'bce':
            x = torch.sigmoid(x).detach()
    if t is None:
        t = torch.rand(shape, generator=g, dtype=torch.float32) if soft else \
            torch.randint(0, 2, shape, generator=g).to(torch.float32)
    tensor_options = {}
    if weight is not None:
        tensor_options['weight'] = 0.25 + torch.rand(weight, generator=g, dtype=torch.float32) * 2
    if pos_weight is not None:
        tensor_options['posWeight'] = 0.25 + torch.rand(pos_weight, generator=g, dtype=torch.float32) * 3
    fname = 'binary_cross_entropy' if fn == 'bce' else 'binary_cross_entropy_with_logits'
    tfn = getattr(F, fname)
    kw = torch_kwargs(options)

    def call(x, t, weight=None, posWeight=None):
        if posWeight is not None:
            return tfn(x, t, weight=weight, pos_weight=posWeight, **kw)
        return tfn(x, t, weight=weight, **kw)
    desc = describe(fname, options, tensor_options).replace('posWeight=posWeight', 'pos_weight=posWeight')
    case(name, fn, desc, call, {'input': x, 'target': t}, options, tensor_options)


def bce_cases():
    for red in ('mean', 'sum', 'none'):
        o = {'reduction': red}
        bce_case(f'bce_logits_{red}', 'bceWithLogits', [4, 3], o)
        bce_case(f'bce_logits_soft_{red}', 'bceWithLogits', [4, 3], o, soft=True)
        bce_case(f'bce_logits_weight_{red}', 'bceWithLogits', [4, 3], o, weight=[3])
        bce_case(f'bce_logits_weight_rows_{red}', 'bceWithLogits', [4, 3], o, weight=[4, 1], soft=True)
        bce_case(f'bce_logits_pos_weight_{red}', 'bceWithLogits', [4, 3], o, pos_weight=[3], soft=True)
        bce_case(f'bce_logits_weight_pos_weight_{red}', 'bceWithLogits', [2, 3, 3], o, weight=[3],
                 pos_weight=[3])
        bce_case(f'bce_{red}', 'bce', [4, 3], o)
        bce_case(f'bce_soft_weight_{red}', 'bce', [4, 3], o, weight=[3], soft=True)
        bce_case(f'bce_weight_rows_{red}', 'bce', [2, 3, 2], o, weight=[2, 1, 1])
    extreme = torch.tensor([100., -100., 100., -100., 20., -20., 0., 88., -88., 1e-3])
    t = torch.tensor([1., 0., 0., 1., 1., 0., 1., 0.5, 0.25, 0.])
    for red in ('none', 'mean'):
        bce_case(f'bce_logits_extreme_{red}', 'bceWithLogits', None, {'reduction': red}, x=extreme, t=t)
        bce_case(f'bce_logits_extreme_pos_weight_{red}', 'bceWithLogits', None, {'reduction': red}, x=extreme,
                 t=t, pos_weight=[10])
    # Probabilities at exactly 0 and 1: torch clamps the logs at -100 (loss 100), gradient (x - t) / max(x(1-x), 1e-12).
    p = torch.tensor([0., 1., 0., 1., 1e-8, 1 - 1e-7, 0.5, 1e-30])
    tp = torch.tensor([0., 1., 1., 0., 0., 1., 0.3, 1.])
    bce_case('bce_edges_none', 'bce', None, {'reduction': 'none'}, x=p, t=tp)
    bce_case('bce_edges_sum', 'bce', None, {'reduction': 'sum'}, x=p, t=tp, weight=[8])


# ---------------------------------------------------------------- KL divergence


def kl_case(name, shape, options, zeros=(), grad_target=True):
    g = gen(name)
    x = F.log_softmax(randn(g, *shape), -1).detach()
    if options.get('logTarget'):
        t = F.log_softmax(randn(g, *shape, scale=2.0), -1).detach()
    else:
        t = torch.softmax(randn(g, *shape, scale=2.0), -1).detach()
        flat = t.view(-1)
        for i in zeros:
            flat[i] = 0.0  # xlogy(0, 0) = 0
    kw = torch_kwargs(options)

    def call(x, t):
        return F.kl_div(x, t, **kw)
    case(name, 'klDiv', describe('kl_div', options, {}), call, {'input': x, 'target': t}, options)
    if not grad_target:
        del CASES[-1]['gradTarget']


def kl_cases():
    import warnings
    warnings.filterwarnings('ignore', message="reduction: 'mean' divides")
    for red in ('mean', 'batchmean', 'sum', 'none'):
        kl_case(f'kl_{red}', [4, 5], {'reduction': red})
        kl_case(f'kl_log_target_{red}', [4, 5], {'reduction': red, 'logTarget': True})
        kl_case(f'kl_3d_{red}', [2, 3, 4], {'reduction': red})
    # No target gradient here: torch's xlogy(t, t) backward is 0/0 = NaN where t = 0 (d/dt t log t has no finite
    # value there either); the input gradient (-t) is what matters.
    kl_case('kl_zero_targets_sum', [3, 4], {'reduction': 'sum'}, zeros=(1, 6), grad_target=False)


def main():
    class_cases()
    regression_cases()
    bce_cases()
    kl_cases()
    names = [c['name'] for c in CASES]
    assert len(names) == len(set(names)), 'duplicate case names'
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': CASES}, f, separators=(',', ':'))
    print(f'wrote {len(CASES)} cases to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
