"""Reference values for @descent/amp, from real PyTorch (Debian's python3-torch 1.13).

Run: /usr/bin/python3 tools/gen_amp_fixtures.py
Writes packages/amp/test/fixtures/rounding.json and grad-scaler.json.

Rounding: float32 inputs (as uint32 bit patterns) of every edge class and their
`.to(torch.float16)` / `.to(torch.bfloat16)` bit patterns (uint16), straight from torch.

GradScaler: torch 1.13's GradScaler refuses to run without CUDA, and so does its
scale update kernel (`torch._amp_update_scale_` has no CPU kernel in 1.13). The
update rule is therefore transcribed below from torch 1.13's source,
aten/src/ATen/native/cuda/AmpKernels.cu, `amp_update_scale_cuda_kernel`
(launched by `_amp_update_scale_cuda_`), and GradScaler.update/unscale_ in
torch/cuda/amp/grad_scaler.py; the float32/float64 arithmetic is done by torch.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'packages', 'amp', 'test', 'fixtures')
g = torch.Generator().manual_seed(0)


def bits_to_f32(bits):
    return torch.tensor(bits, dtype=torch.int64).to(torch.int32).view(torch.float32)


def f32_from_float(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


def u32(t):
    return [v & 0xFFFFFFFF for v in t.view(torch.int32).tolist()]


def u16(t):
    return [v & 0xFFFF for v in t.view(torch.int16).tolist()]


def around(bits_list, spread=2):
    """Each pattern and its float32 neighbours (+-spread ulps), same sign."""
    out = []
    for b in bits_list:
        for d in range(-spread, spread + 1):
            v = b + d
            if 0 <= (v & 0x7FFFFFFF) <= 0x7F800000 and (v & 0x80000000) == (b & 0x80000000):
                out.append(v)
    return out


def signed(bits_list):
    return bits_list + [b | 0x80000000 for b in bits_list]


def edge_fp16():
    e = []
    # zeros, infinities, NaNs with several payloads
    e += [0x00000000, 0x7F800000, 0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0x7FA00000]
    # float32 subnormals: all below half's range
    e += [0x00000001, 0x00000002, 0x007FFFFF, 0x00400000]
    # half subnormals k*2^-24 and the ties (k+1/2)*2^-24 between them, with neighbours
    for k in list(range(0, 20)) + [511, 512, 513, 1021, 1022, 1023, 1024]:
        e += around([f32_from_float(k * 2.0**-24), f32_from_float((k + 0.5) * 2.0**-24)])
    e += around([f32_from_float(2.0**-25), f32_from_float(2.0**-26), f32_from_float(2.0**-14)])
    # normal ties: the float32 exactly halfway between two halves (both parities), and neighbours
    for h in [1.0, 1.0 + 2**-10, 3.0, 1000.0, 1001.0, 2.0**-14, 2.0**-13 + 2**-23, 0.1, 2.0**15]:
        hb = f32_from_float(h)
        e += around([hb + 0x1000, hb + 0x0FFF, hb + 0x1001, hb + 0x2000 + 0x1000])
    # the top: 65504 is the largest half; 65520 is the tie that rounds to infinity
    e += around([f32_from_float(x) for x in [65504.0, 65519.0, 65520.0, 65536.0, 1e5, 3.4028234663852886e38]])
    return signed(e)


def edge_bf16():
    e = [0x00000000, 0x7F800000, 0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0x7FA00000, 0x7F7FFFFF, 0x7F7F8000, 0x7F7F7FFF]
    e += around([0x00000001, 0x00008000, 0x00018000, 0x00010000, 0x007FFFFF, 0x007F8000, 0x00800000])
    for h in [1.0, 1.0 + 2**-7, 3.0, 1000.0, 0.1, 1e30, 1e-30]:
        hb = f32_from_float(h) & 0xFFFF0000
        e += around([hb + 0x8000, hb + 0x18000, hb + 0x7FFF, hb + 0x8001])
    return signed(e)


def random_bits(n):
    # Uniform over all bit patterns: NaNs, infinities, subnormals and everything between.
    return (torch.randint(0, 2**32, (n,), generator=g, dtype=torch.int64)).tolist()


def random_values(n):
    scales = torch.tensor([1e-8, 1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 6e4, 1e6])
    idx = torch.randint(0, len(scales), (n,), generator=g)
    return u32(torch.randn(n, generator=g) * scales[idx])


def case(name, bits_list):
    x = bits_to_f32(bits_list)
    return {
        'name': name,
        'input': u32(x),
        'float16': u16(x.to(torch.float16)),
        'bfloat16': u16(x.to(torch.bfloat16)),
    }


rounding = {
    'torch': torch.__version__,
    'cases': [
        case('fp16 edges', edge_fp16()),
        case('bf16 edges', edge_bf16()),
        case('random bit patterns', random_bits(4000)),
        case('random values', random_values(4000)),
    ],
}

# ---------------------------------------------------------------- GradScaler


def f32(x):
    """Round a Python float (double) to float32 the way a C++ double->float cast does."""
    return torch.tensor(x, dtype=torch.float64).to(torch.float32).item()


def amp_update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    """Transcription of amp_update_scale_cuda_kernel (aten/src/ATen/native/cuda/AmpKernels.cu, torch 1.13).

    current_scale is float*, growth_tracker int*, found_inf float*; the factors are double,
    so `(*current_scale)*backoff_factor` is a double product stored to float.
    """
    if found_inf:
        scale = f32(scale * backoff_factor)
        growth_tracker = 0
    else:
        successful = growth_tracker + 1
        if successful == growth_interval:
            new_scale = f32(scale * growth_factor)
            if torch.isfinite(torch.tensor(new_scale)).item():  # "Do not grow the scale past fp32 bounds to inf."
                scale = new_scale
            growth_tracker = 0
        else:
            growth_tracker = successful
    return scale, growth_tracker


def inv_scale_of(scale):
    # GradScaler.unscale_: inv_scale = self._scale.double().reciprocal().float()
    return torch.tensor([scale], dtype=torch.float32).double().reciprocal().float().item()


def sequence(name, options, pattern, grads=None, new_scale_at=None):
    """pattern: per step, True when a gradient is inf/NaN. new_scale_at: {step: value} for update(newScale)."""
    init_scale = options.get('initScale', 2.0**16)
    growth_factor = options.get('growthFactor', 2.0)
    backoff_factor = options.get('backoffFactor', 0.5)
    growth_interval = options.get('growthInterval', 2000)
    scale = f32(init_scale)  # self._scale = torch.full((1,), self._init_scale, dtype=torch.float32)
    tracker = 0
    steps = []
    for i, inf in enumerate(pattern):
        inv = inv_scale_of(scale)
        entry = {'found_inf': inf, 'scaleBefore': scale, 'invScale': inv}
        if grads is not None:
            gr = torch.tensor(grads, dtype=torch.float32)
            if inf:
                gr[0] = float('inf') if i % 2 else float('nan')
            loss = torch.tensor(1.5, dtype=torch.float32)
            entry['grads'] = [float(v) for v in gr.tolist()]
            # what _amp_foreach_non_finite_check_and_unscale_ does per element: val * inv_scale in float32
            entry['unscaled'] = [float(v) for v in (gr * torch.tensor(inv, dtype=torch.float32)).tolist()]
            entry['scaledLoss'] = (loss * torch.tensor(scale, dtype=torch.float32)).item()
        if new_scale_at and i in new_scale_at:
            # update(new_scale): self._scale.fill_(new_scale); the growth tracker is left alone.
            scale = f32(new_scale_at[i])
            entry['newScale'] = new_scale_at[i]
        else:
            scale, tracker = amp_update_scale_(scale, tracker, inf, growth_factor, backoff_factor, growth_interval)
        entry['scaleAfter'] = scale
        entry['growthTrackerAfter'] = tracker
        steps.append(entry)
    return {'name': name, 'options': options, 'steps': steps}


T, F = True, False
scaler = {
    'torch': torch.__version__,
    'source': 'aten/src/ATen/native/cuda/AmpKernels.cu amp_update_scale_cuda_kernel; torch/cuda/amp/grad_scaler.py',
    'sequences': [
        sequence('defaults, clean then one overflow', {}, [F] * 5 + [T] + [F] * 3, grads=[1.0, -2.5e-3, 65504.0, 3e-8]),
        sequence('interval 3: growth, backoff, growth tracker reset', {'growthInterval': 3},
                 [F, F, F, F, T, F, F, F, T, T, F, F, F, F, F, F]),
        sequence('odd factors: float64 product rounded to float32',
                 {'initScale': 1000.0, 'growthFactor': 1.7, 'backoffFactor': 0.3, 'growthInterval': 2},
                 [F, F, T, F, F, F, F, T, T, T, F, F], grads=[0.1, 1e-3, -7.0]),
        sequence('growth stops at the float32 bound', {'initScale': 2.0**120, 'growthFactor': 2.0**4, 'growthInterval': 1},
                 [F] * 5 + [T, F, F]),
        sequence('backoff to tiny scales', {'initScale': 1e-30, 'backoffFactor': 1e-10}, [T] * 6 + [F, F], grads=[5.0, -1e-30]),
        sequence('update(newScale) keeps the growth tracker', {'growthInterval': 4},
                 [F, F, F, F, F, T, F, F], new_scale_at={1: 300.5, 5: 1024.0}),
    ],
}

def jsonable(v):
    """JSON has no Infinity/NaN: write them as the strings "Infinity", "-Infinity", "NaN"."""
    if isinstance(v, float) and not torch.isfinite(torch.tensor(v)).item():
        return 'NaN' if v != v else ('Infinity' if v > 0 else '-Infinity')
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


os.makedirs(OUT, exist_ok=True)
for name, data in [('rounding.json', rounding), ('grad-scaler.json', scaler)]:
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(jsonable(data), f, separators=(',', ':'), allow_nan=False)
    print('wrote', os.path.join(OUT, name))
