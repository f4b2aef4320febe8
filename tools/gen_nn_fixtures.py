#!/usr/bin/env python3
"""Writes the torch.nn parity fixtures of packages/nn (PyTorch -> Descent).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_nn_fixtures.py

For each twin of tools/nn_twins.py (mlp, cnn, embedding, convs), with a fixed torch seed:

  nn-<name>.safetensors   the torch state dict (torch's keys and layouts, num_batches_tracked
                          as I64), written by hand in the safetensors layout
  nn-modules.json         per model: torch's state-dict keys in order; an input (images NHWC,
                          as Descent takes them; the generator feeds torch NCHW); torch's output
                          in eval mode; and one backward: the output, a seeded cotangent r, the
                          gradient of sum(output * r) for every parameter (torch layouts, torch
                          names) and the buffers after that forward. The cnn's backward runs in
                          training mode (batch norm on batch statistics, running stats updated);
                          the mlp's in eval mode (dropout off).
                          Also torch's activations on a grid of points.

Before saving, the cnn's batch norm gets random affine parameters and three training batches
of running statistics (num_batches_tracked = 3), so eval mode tests real running stats.
"""
import json
import os

import torch
from torch import nn
import torch.nn.functional as F

from nn_twins import FIXTURES, TWINS, nchw_to_nhwc, save_safetensors, tensor_json


def inputs_for(name, g):
    if name == 'mlp':
        return torch.randn(5, 6, generator=g)
    if name == 'cnn':
        return torch.randn(2, 3, 10, 10, generator=g)
    if name == 'embedding':
        # padding_idx 0 appears, and one row twice
        return torch.tensor([[1, 0, 7], [7, 3, 0]], dtype=torch.int64)
    if name == 'convs':
        return torch.randn(2, 4, 9, 9, generator=g)
    raise KeyError(name)


def prepare(name, model, g):
    """Non-default state where defaults would hide mistakes."""
    if name == 'cnn':
        bn = model[1]
        with torch.no_grad():
            bn.weight.copy_(torch.rand(8, generator=g) + 0.5)
            bn.bias.copy_(torch.randn(8, generator=g) * 0.1)
            model.train()
            for _ in range(3):
                model(torch.randn(4, 3, 10, 10, generator=g) * 2 + 0.5)
    if name == 'embedding':
        with torch.no_grad():
            # torch reads the padding row as it is; only its gradient is zero.
            model[0].weight[0].copy_(torch.randn(4, generator=g))


def main():
    torch.manual_seed(0)
    out = {'torch': torch.__version__, 'models': {}}
    for name, build in TWINS.items():
        g = torch.Generator().manual_seed(1000 + list(TWINS).index(name))
        model = build()
        prepare(name, model, g)
        state = model.state_dict()
        save_safetensors(state, os.path.join(FIXTURES, f'nn-{name}.safetensors'), {'format': 'pt'})

        x = inputs_for(name, g)
        model.eval()
        with torch.no_grad():
            y_eval = model(x)

        mode = 'train' if name == 'cnn' else 'eval'
        model.train(mode == 'train')
        params = dict(model.named_parameters())
        y = model(x)
        r = torch.randn(y.shape, generator=g)
        grads = torch.autograd.grad((y * r).sum(), list(params.values()))
        out['models'][name] = {
            'file': f'nn-{name}.safetensors',
            'keys': list(state.keys()),
            'parameters': list(params.keys()),
            'input': tensor_json(nchw_to_nhwc(x)),
            'eval': {'output': tensor_json(y_eval)},
            'backward': {
                'mode': mode,
                'output': tensor_json(y),
                'cotangent': tensor_json(r),
                'grads': {k: tensor_json(v) for k, v in zip(params, grads)},
                'buffers': {k: tensor_json(v) for k, v in model.named_buffers()},
            },
        }

    x = torch.linspace(-6, 6, 49)
    out['activations'] = {
        'input': tensor_json(x),
        'relu': tensor_json(F.relu(x)),
        'gelu': tensor_json(F.gelu(x)),
        'geluTanh': tensor_json(F.gelu(x, approximate='tanh')),
        'tanh': tensor_json(torch.tanh(x)),
        'sigmoid': tensor_json(torch.sigmoid(x)),
    }
    with open(os.path.join(FIXTURES, 'nn-modules.json'), 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', ', '.join(f'nn-{n}.safetensors' for n in TWINS), 'and nn-modules.json')


if __name__ == '__main__':
    main()
