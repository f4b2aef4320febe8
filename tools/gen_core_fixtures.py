"""Reference values for @descent/core, from real PyTorch (Debian's python3-torch 1.13).

Run: /usr/bin/python3 tools/gen_core_fixtures.py
Writes packages/core/test/fixtures/grad-clip.json.
"""
import json
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'core', 'test', 'fixtures', 'grad-clip.json')


def case(shapes, max_norm, norm_type, scale=1.0, clip_value=None):
    grads = [torch.randn(*s, dtype=torch.float32) * scale for s in shapes]
    params = [torch.zeros(*s, requires_grad=True) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    entry = {
        'shapes': [list(s) for s in shapes],
        'grads': [g.flatten().tolist() for g in grads],
        'maxNorm': max_norm,
        'normType': 'inf' if norm_type == float('inf') else norm_type,
    }
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    entry['totalNorm'] = float(total)
    entry['clipped'] = [p.grad.flatten().tolist() for p in params]
    if clip_value is not None:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        torch.nn.utils.clip_grad_value_(params, clip_value)
        entry['clipValue'] = clip_value
        entry['valueClipped'] = [p.grad.flatten().tolist() for p in params]
    return entry


cases = [
    case([(4, 3), (3,)], 1.0, 2.0, clip_value=0.5),
    case([(10,), (2, 5), (1,)], 100.0, 2.0, clip_value=10.0),  # below max_norm: unchanged
    case([(6, 7)], 0.5, 1.0, clip_value=0.1),
    case([(5, 5), (5,)], 0.25, float('inf'), clip_value=0.3),
    case([(8,), (3, 3)], 2.0, 3.0, scale=5.0, clip_value=1.0),
]
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=1)
print('wrote', OUT)
