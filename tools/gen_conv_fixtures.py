#!/usr/bin/env python3
"""Writes the convolution-family PyTorch parity fixtures of conformance/.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_conv_fixtures.py

Every case runs one torch.nn.functional op on seeded float32 inputs (CPU, float32
as torch computes by default) and stores, in tfjs's layouts:

  inputs     every input (float32, or int32 indices), exactly the float32 values torch used
  cotangent  r, a seeded random tensor of the output's shape
  output     the forward output
  grads      d sum(output * r) / d input, for every differentiable input
  extras     other results (batch norm's updated running statistics)
  rounding   max |f32 - f64| / max |f64| of each result: the same op run in float64 shows
             how far float32 rounding alone moves the numbers (the test tolerances sit above it)
  terms      the longest reduction (number of summed terms) behind any stored result;
             the replay widens its tolerance for long sums

Layouts: torch NCHW / NCW activations become tfjs NHWC / NWC; conv weights OIHW / OIW
become HWIO / WIO. torch's grouped conv weight [Cout, Cin/g, kh, kw] becomes
[kh, kw, Cin/g, Cout] (tfjs-layers' grouped-kernel layout; the replay splits it on the
last axis, or for groups = Cin reshapes it to depthwise [kh, kw, Cin, Cout/Cin]);
depthwise weights [Cin*m, 1, kh, kw] become tfjs's [kh, kw, Cin, m] (output channel
c*m + j in both). conv_transpose2d's weight [Cin, Cout, kh, kw] becomes
[kh, kw, Cout, Cin], which is what tfjs's conv2dTranspose takes (the filter of the
forward conv whose input gradient it is).

Padding: `attrs.pad` is what the tfjs op is called with ('valid', 'same', a number, or
explicit [[0,0],[top,bottom],[left,right],[0,0]]); `torch` says how torch computed the
same thing. tfjs 'same' with stride > 1 pads asymmetrically (the extra row/column at the
bottom/right); torch expresses that as F.pad followed by an unpadded op (with -inf for
max pooling). tfjs's avgPool never counts padding (torch count_include_pad=False).
"""
import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'conformance', 'test', 'fixtures', 'conv.json')

# ---------------------------------------------------------------- layouts (torch -> tfjs)


def nchw(t):
    return t.permute(0, 2, 3, 1)


def oihw(t):
    return t.permute(2, 3, 1, 0)


def ncw(t):
    return t.permute(0, 2, 1)


def oiw(t):
    return t.permute(2, 1, 0)


def depthwise(multiplier):
    def convert(t):  # [C*m, 1, kh, kw] -> [kh, kw, C, m]
        c = t.shape[0] // multiplier
        return t.reshape(c, multiplier, t.shape[2], t.shape[3]).permute(2, 3, 0, 1)
    return convert


def same(t):
    return t


def f32_list(t):
    """Shortest decimals that round-trip each float32 (JS's Float32Array gets the same bits back)."""
    a = t.detach().to(torch.float32).contiguous().numpy().ravel()
    return [float(repr(v)) if math.isfinite(v) else None for v in (np.float32(x) for x in a)]


def tensor_json(t, layout):
    t = layout(t.detach())
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.contiguous().view(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': f32_list(t)}


def rel_rounding(a32, a64):
    a64 = a64.detach().double()
    scale = a64.abs().max().item()
    if scale == 0:
        return 0.0
    return float('%.3g' % ((a32.detach().double() - a64).abs().max().item() / scale))


# ---------------------------------------------------------------- case runner


def make_case(name, op, attrs, torch_desc, inputs, layouts, fn, out_layout, terms, diff=None, extras_fn=None,
              extra_layouts=None):
    """inputs: torch tensors (torch layouts); fn(*inputs) -> output (torch layout).

    diff: names of the inputs to differentiate (default: every floating input).
    extras_fn(*inputs) -> dict of extra results (torch layout), recorded alongside."""
    names = list(inputs)
    diff = diff if diff is not None else [n for n in names if inputs[n].is_floating_point()]
    g = torch.Generator().manual_seed(zlib.crc32((name + '/r').encode()))

    def run(dtype):
        xs = {n: (t.to(dtype).requires_grad_(n in diff) if t.is_floating_point() else t.clone()) for n, t in inputs.items()}
        out = fn(*[xs[n] for n in names])
        return xs, out

    xs32, out32 = run(torch.float32)
    r = torch.randn(out32.shape, generator=g, dtype=torch.float32)
    grads32 = torch.autograd.grad((out32 * r).sum(), [xs32[n] for n in diff])
    xs64, out64 = run(torch.float64)
    grads64 = torch.autograd.grad((out64 * r.double()).sum(), [xs64[n] for n in diff])

    case = {
        'name': name,
        'op': op,
        'attrs': attrs,
        'torch': torch_desc,
        'inputs': {n: tensor_json(inputs[n], layouts[n]) for n in names},
        'cotangent': tensor_json(r, out_layout),
        'output': tensor_json(out32, out_layout),
        'grads': {n: tensor_json(gr, layouts[n]) for n, gr in zip(diff, grads32)},
        'rounding': {
            'output': rel_rounding(out32, out64),
            **{'grad_' + n: rel_rounding(a, b) for n, a, b in zip(diff, grads32, grads64)},
        },
        'terms': terms,
    }
    if extras_fn is not None:
        e32 = extras_fn(*[inputs[n].clone() for n in names])
        e64 = extras_fn(*[inputs[n].clone().double() if inputs[n].is_floating_point() else inputs[n] for n in names])
        case['extras'] = {k: tensor_json(v, (extra_layouts or {}).get(k, same)) for k, v in e32.items()}
        for k in e32:
            case['rounding'][k] = rel_rounding(e32[k], e64[k])
    return case


def gen(name):
    return torch.Generator().manual_seed(zlib.crc32(name.encode()))


def randn(g, *shape, scale=1.0):
    return torch.randn(shape, generator=g, dtype=torch.float32) * scale


def explicit(t, b, l, r):
    return [[0, 0], [t, b], [l, r], [0, 0]]


def out_size(n, k, s, p_total, d=1):
    return (n + p_total - d * (k - 1) - 1) // s + 1


# ---------------------------------------------------------------- conv2d (+ groups, dilation)


def conv2d_case(name, N, Cin, H, W, Cout, k, stride=1, tf_pad='valid', torch_pad=0, dilation=1, groups=1,
                bias=True, fused=False):
    """torch_pad: an int or 'same' (F.conv2d's padding), or (left, right, top, bottom) for F.pad first."""
    g = gen(name)
    kh, kw = (k, k) if isinstance(k, int) else k
    fan_in = Cin // groups * kh * kw
    x = randn(g, N, Cin, H, W)
    w = randn(g, Cout, Cin // groups, kh, kw, scale=1 / math.sqrt(fan_in))
    inputs = {'x': x, 'w': w}
    layouts = {'x': nchw, 'w': oihw}
    if bias:
        inputs['b'] = randn(g, Cout)
        layouts['b'] = same

    if isinstance(torch_pad, tuple):
        def fn(x, w, b=None):
            return F.conv2d(F.pad(x, torch_pad), w, b, stride=stride, dilation=dilation, groups=groups)
        desc = f'F.conv2d(F.pad(x, {torch_pad}), w, b, stride={stride}, dilation={dilation}, groups={groups})'
    else:
        def fn(x, w, b=None):
            return F.conv2d(x, w, b, stride=stride, padding=torch_pad, dilation=dilation, groups=groups)
        desc = f'F.conv2d(x, w, b, stride={stride}, padding={torch_pad!r}, dilation={dilation}, groups={groups})'
    out = fn(*inputs.values())
    Ho, Wo = out.shape[2], out.shape[3]
    terms = max(fan_in, N * Ho * Wo)
    attrs = {'strides': stride, 'pad': tf_pad, 'dilations': dilation, 'groups': groups, 'bias': bias}
    if fused:
        attrs['fused'] = True
    return make_case(name, 'conv2d', attrs, desc, inputs, layouts, fn, nchw, terms)


def depthwise_case(name, N, C, H, W, m, k, stride=1, tf_pad='valid', torch_pad=0, dilation=1, bias=True):
    g = gen(name)
    x = randn(g, N, C, H, W)
    w = randn(g, C * m, 1, k, k, scale=1 / k)
    inputs = {'x': x, 'w': w}
    layouts = {'x': nchw, 'w': depthwise(m)}
    if bias:
        inputs['b'] = randn(g, C * m)
        layouts['b'] = same
    if isinstance(torch_pad, tuple):
        def fn(x, w, b=None):
            return F.conv2d(F.pad(x, torch_pad), w, b, stride=stride, dilation=dilation, groups=C)
        desc = f'F.conv2d(F.pad(x, {torch_pad}), w, b, stride={stride}, dilation={dilation}, groups={C})'
    else:
        def fn(x, w, b=None):
            return F.conv2d(x, w, b, stride=stride, padding=torch_pad, dilation=dilation, groups=C)
        desc = f'F.conv2d(x, w, b, stride={stride}, padding={torch_pad!r}, dilation={dilation}, groups={C})'
    out = fn(*inputs.values())
    terms = max(k * k, N * out.shape[2] * out.shape[3])
    attrs = {'strides': stride, 'pad': tf_pad, 'dilations': dilation, 'multiplier': m, 'bias': bias}
    return make_case(name, 'depthwiseConv2d', attrs, desc, inputs, layouts, fn, nchw, terms)


# ---------------------------------------------------------------- conv_transpose2d


def conv_transpose_case(name, N, Cin, H, W, Cout, k, stride, tf_pad, torch_padding=0, output_padding=0, crop=None,
                        bias=True):
    """crop: (top, left, height, width) of torch's unpadded output (tfjs 'same' with stride > 1: asymmetric)."""
    g = gen(name)
    x = randn(g, N, Cin, H, W)
    w = randn(g, Cin, Cout, k, k, scale=1 / math.sqrt(Cin * k * k))
    inputs = {'x': x, 'w': w}
    layouts = {'x': nchw, 'w': oihw}  # [Cin, Cout, kh, kw] -> [kh, kw, Cout, Cin]
    if bias:
        inputs['b'] = randn(g, Cout)
        layouts['b'] = same

    def fn(x, w, b=None):
        y = F.conv_transpose2d(x, w, b, stride=stride, padding=torch_padding, output_padding=output_padding)
        if crop is not None:
            t, l, h, wd = crop
            y = y[:, :, t:t + h, l:l + wd]
        return y
    desc = f'F.conv_transpose2d(x, w, b, stride={stride}, padding={torch_padding}, output_padding={output_padding})'
    if crop is not None:
        desc += f'[:, :, {crop[0]}:{crop[0] + crop[2]}, {crop[1]}:{crop[1] + crop[3]}]'
    out = fn(*inputs.values())
    output_shape = [N, out.shape[2], out.shape[3], Cout]
    terms = max(Cin * k * k, N * H * W)
    attrs = {'strides': stride, 'pad': tf_pad, 'outputShape': output_shape, 'bias': bias}
    return make_case(name, 'conv2dTranspose', attrs, desc, inputs, layouts, fn, nchw, terms)


# ---------------------------------------------------------------- conv1d


def conv1d_case(name, N, Cin, L, Cout, k, stride, tf_pad, torch_pad, bias=True):
    g = gen(name)
    x = randn(g, N, Cin, L)
    w = randn(g, Cout, Cin, k, scale=1 / math.sqrt(Cin * k))
    inputs = {'x': x, 'w': w}
    layouts = {'x': ncw, 'w': oiw}
    if bias:
        inputs['b'] = randn(g, Cout)
        layouts['b'] = same

    def fn(x, w, b=None):
        return F.conv1d(x, w, b, stride=stride, padding=torch_pad)
    out = fn(*inputs.values())
    attrs = {'stride': stride, 'pad': tf_pad, 'bias': bias}
    desc = f'F.conv1d(x, w, b, stride={stride}, padding={torch_pad!r})'
    return make_case(name, 'conv1d', attrs, desc, inputs, layouts, fn, ncw, max(Cin * k, N * out.shape[2]))


# ---------------------------------------------------------------- pooling


def pool_case(name, kind, N, C, H, W, k, stride, tf_pad, torch_pad=0, pre_pad=None):
    """pre_pad: (left, right, top, bottom) applied with F.pad first (-inf for max, and for avg the
    divisor counts only real elements, like tfjs)."""
    g = gen(name)
    x = randn(g, N, C, H, W)
    if kind == 'maxPool':
        if pre_pad is None:
            def fn(x):
                return F.max_pool2d(x, k, stride, padding=torch_pad)
            desc = f'F.max_pool2d(x, {k}, {stride}, padding={torch_pad})'
        else:
            def fn(x):
                return F.max_pool2d(F.pad(x, pre_pad, value=-math.inf), k, stride)
            desc = f'F.max_pool2d(F.pad(x, {pre_pad}, value=-inf), {k}, {stride})'
    else:
        if pre_pad is None:
            def fn(x):
                return F.avg_pool2d(x, k, stride, padding=torch_pad, count_include_pad=False)
            desc = f'F.avg_pool2d(x, {k}, {stride}, padding={torch_pad}, count_include_pad=False)'
        else:
            def fn(x):
                ones = torch.ones_like(x[:1, :1])
                total = F.avg_pool2d(F.pad(x, pre_pad), k, stride, divisor_override=1)
                count = F.avg_pool2d(F.pad(ones, pre_pad), k, stride, divisor_override=1)
                return total / count
            desc = (f'F.avg_pool2d(F.pad(x, {pre_pad}), {k}, {stride}, divisor_override=1) / '
                    f'(the same of ones): the mean of the real elements of each window')
    attrs = {'filterSize': k, 'strides': stride, 'pad': tf_pad}
    return make_case(name, kind, attrs, desc, {'x': x}, {'x': nchw}, fn, nchw, k * k)


# ---------------------------------------------------------------- embedding


def embedding_case(name, V, D, idx):
    g = gen(name)
    table = randn(g, V, D)
    indices = torch.tensor(idx, dtype=torch.int64)

    def fn(table, indices):
        return F.embedding(indices, table)
    counts = np.bincount(np.array(idx).ravel(), minlength=V)
    attrs = {}
    return make_case(name, 'embedding', attrs, 'F.embedding(indices, table)', {'table': table, 'indices': indices},
                     {'table': same, 'indices': same}, fn, same, int(counts.max()), diff=['table'])


# ---------------------------------------------------------------- batch norm (training)


def batch_norm_case(name, shape, momentum, eps):
    """shape in torch layout: [N, C] or [N, C, H, W]."""
    g = gen(name)
    C = shape[1]
    x = randn(g, *shape) * 1.5 + 0.7
    gamma = 1 + randn(g, C, scale=0.2)
    beta = randn(g, C, scale=0.3)
    running_mean = randn(g, C, scale=0.1)
    running_var = 0.5 + torch.rand(C, generator=g, dtype=torch.float32)
    layout = nchw if len(shape) == 4 else same

    def fn(x, gamma, beta, running_mean, running_var):
        # Copies: F.batch_norm updates the running statistics in place.
        return F.batch_norm(x, running_mean.clone(), running_var.clone(), gamma, beta, training=True,
                            momentum=momentum, eps=eps)

    def extras(x, gamma, beta, running_mean, running_var):
        rm, rv = running_mean.clone(), running_var.clone()
        F.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=momentum, eps=eps)
        return {'runningMean': rm, 'runningVar': rv}

    n = shape[0] * (shape[2] * shape[3] if len(shape) == 4 else 1)
    inputs = {'x': x, 'gamma': gamma, 'beta': beta, 'runningMean': running_mean, 'runningVar': running_var}
    layouts = {'x': layout, 'gamma': same, 'beta': same, 'runningMean': same, 'runningVar': same}
    attrs = {'momentum': momentum, 'eps': eps}
    desc = f'F.batch_norm(x, running_mean, running_var, gamma, beta, training=True, momentum={momentum}, eps={eps})'
    return make_case(name, 'batchNorm', attrs, desc, inputs, layouts, fn, layout, n, diff=['x', 'gamma', 'beta'],
                     extras_fn=extras)


# ---------------------------------------------------------------- the cases


def cases():
    # tfjs 'same' with stride 2, kernel 3, on 8 rows: out 4, total pad (4-1)*2+3-8 = 1 -> top 0, bottom 1.
    yield conv2d_case('conv2d_s1_valid', 2, 3, 7, 6, 4, 3)
    yield conv2d_case('conv2d_s2_valid', 2, 3, 8, 7, 4, 3, stride=2)
    yield conv2d_case('conv2d_s1_same', 2, 3, 7, 6, 4, 3, tf_pad='same', torch_pad='same')
    yield conv2d_case('conv2d_s1_same_even_kernel', 2, 2, 6, 5, 3, 2, tf_pad='same', torch_pad='same')
    yield conv2d_case('conv2d_s1_same_batch4_long_sums', 4, 4, 8, 8, 5, 3, tf_pad='same', torch_pad='same')
    yield conv2d_case('conv2d_s2_pad1', 2, 3, 8, 8, 4, 3, stride=2, tf_pad=1, torch_pad=1)
    yield conv2d_case('conv2d_s2_pad1_explicit_odd', 2, 3, 7, 9, 4, 3, stride=2, tf_pad=explicit(1, 1, 1, 1),
                      torch_pad=1)
    yield conv2d_case('conv2d_s2_explicit_asymmetric', 1, 2, 7, 6, 3, (3, 2), stride=2, tf_pad=explicit(2, 0, 0, 1),
                      torch_pad=(0, 1, 2, 0))
    yield conv2d_case('conv2d_s2_same_asymmetric', 2, 3, 8, 8, 4, 3, stride=2, tf_pad='same',
                      torch_pad=(0, 1, 0, 1))
    yield conv2d_case('conv2d_no_bias', 2, 3, 6, 6, 2, 3, tf_pad='same', torch_pad='same', bias=False)
    yield conv2d_case('conv2d_fused_s2_pad1', 2, 3, 8, 8, 4, 3, stride=2, tf_pad=1, torch_pad=1, fused=True)
    yield conv2d_case('conv2d_groups2', 2, 4, 7, 7, 6, 3, tf_pad='same', torch_pad='same', groups=2)
    yield conv2d_case('conv2d_groups2_s2', 2, 4, 8, 8, 4, 3, stride=2, tf_pad=1, torch_pad=1, groups=2)
    yield conv2d_case('conv2d_groups_cin', 2, 3, 7, 7, 6, 3, tf_pad='same', torch_pad='same', groups=3)
    yield conv2d_case('conv2d_groups_cin_s2', 2, 4, 8, 8, 4, 3, stride=2, tf_pad=1, torch_pad=1, groups=4)
    # A LeNet's second layer at batch 4: large enough that the wasm adapter runs it as Winograd F(2x2, 3x3).
    yield conv2d_case('conv2d_lenet_layer2_winograd', 4, 32, 13, 13, 64, 3, fused=True)
    yield conv2d_case('conv2d_dilation2_valid', 2, 3, 9, 8, 4, 3, dilation=2)
    yield conv2d_case('conv2d_dilation2_same', 2, 3, 8, 7, 4, 3, tf_pad='same', torch_pad='same', dilation=2)

    yield depthwise_case('depthwise_m1_s1_same', 2, 3, 7, 7, 1, 3, tf_pad='same', torch_pad='same')
    yield depthwise_case('depthwise_m2_s1_valid', 2, 3, 7, 6, 2, 3)
    yield depthwise_case('depthwise_m1_s2_pad1', 2, 4, 8, 8, 1, 3, stride=2, tf_pad=1, torch_pad=1)
    yield depthwise_case('depthwise_m2_s2_same_asymmetric', 2, 3, 8, 8, 2, 3, stride=2, tf_pad='same',
                         torch_pad=(0, 1, 0, 1))
    yield depthwise_case('depthwise_m2_dilation2_same', 2, 3, 8, 8, 2, 3, tf_pad='same', torch_pad='same',
                         dilation=2)

    yield conv_transpose_case('conv_transpose_s1_same', 2, 3, 5, 6, 4, 3, 1, 'same', torch_padding=1)
    yield conv_transpose_case('conv_transpose_s1_valid', 2, 3, 5, 5, 2, 3, 1, 'valid')
    yield conv_transpose_case('conv_transpose_s2_valid', 2, 3, 4, 5, 4, 3, 2, 'valid')
    yield conv_transpose_case('conv_transpose_s2_pad1_output_padding1', 2, 3, 4, 4, 4, 3, 2, 1, torch_padding=1,
                              output_padding=1)
    # tfjs 'same' at stride 2 with an 8x8 output: top/left pad 0, bottom/right 1 -> torch's full 9x9 output cropped.
    yield conv_transpose_case('conv_transpose_s2_same', 2, 3, 4, 4, 2, 3, 2, 'same', crop=(0, 0, 8, 8))
    yield conv_transpose_case('conv_transpose_s2_k4_pad1', 2, 4, 4, 3, 3, 4, 2, 1, torch_padding=1)

    # conv1d: tfjs's conv1d reshapes to a conv2d of height 1, so a number pad would pad that height too
    # (it throws on reshape); explicit [[0,0],[0,0],[p,p],[0,0]] pads only the length.
    yield conv1d_case('conv1d_s1_same', 2, 3, 9, 4, 3, 1, 'same', 'same')
    yield conv1d_case('conv1d_s2_pad1', 2, 3, 10, 4, 3, 2, [[0, 0], [0, 0], [1, 1], [0, 0]], 1)
    yield conv1d_case('conv1d_s3_valid', 2, 2, 11, 3, 4, 3, 'valid', 0)

    yield pool_case('max_pool_2x2_s2', 'maxPool', 2, 3, 8, 8, 2, 2, 'valid')
    yield pool_case('max_pool_2x2_s2_odd', 'maxPool', 2, 3, 7, 9, 2, 2, 'valid')  # torch floors: last row/col dropped
    # tfjs 'same' 3x3 s2 on an odd size pads 1 on each side = torch padding=1 (torch pads max pooling with -inf).
    yield pool_case('max_pool_3x3_s2_same_odd', 'maxPool', 2, 3, 7, 7, 3, 2, 'same', torch_pad=1)
    # ... on an even size tfjs pads 0 before and 1 after, torch padding=1 would pad 1 before: F.pad with -inf instead.
    yield pool_case('max_pool_3x3_s2_same_even', 'maxPool', 2, 3, 8, 8, 3, 2, 'same', pre_pad=(0, 1, 0, 1))
    yield pool_case('max_pool_3x3_s2_pad1_even', 'maxPool', 2, 3, 8, 8, 3, 2, 1, torch_pad=1)
    yield pool_case('avg_pool_2x2_s2', 'avgPool', 2, 3, 8, 8, 2, 2, 'valid')
    yield pool_case('avg_pool_3x3_s2_same_odd', 'avgPool', 2, 3, 7, 7, 3, 2, 'same', torch_pad=1)
    yield pool_case('avg_pool_3x3_s2_same_even', 'avgPool', 2, 3, 8, 8, 3, 2, 'same', pre_pad=(0, 1, 0, 1))

    yield embedding_case('embedding_repeated_indices', 7, 5, [[3, 1, 3, 6], [0, 3, 1, 1]])
    yield embedding_case('embedding_1d', 10, 4, [9, 2, 2, 0, 9, 9, 5])

    yield batch_norm_case('batch_norm_2d', [4, 3, 5, 5], 0.1, 1e-5)
    yield batch_norm_case('batch_norm_1d', [6, 4], 0.3, 1e-3)


def main():
    torch.use_deterministic_algorithms(True)
    all_cases = list(cases())
    names = [c['name'] for c in all_cases]
    assert len(names) == len(set(names)), 'duplicate case names'
    doc = {
        'torch': torch.__version__,
        'generator': 'tools/gen_conv_fixtures.py',
        'note': 'tfjs layouts (NHWC/NWC activations, HWIO/WIO weights); grads are of sum(output * cotangent)',
        'cases': all_cases,
    }
    text = json.dumps(doc, separators=(',', ':'))
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print(f'wrote {len(all_cases)} cases, {len(text) / 1e6:.2f} MB to {os.path.normpath(OUT)}')
    for c in all_cases:
        print(f"  {c['name']:40s} terms {c['terms']:4d} rounding {max(c['rounding'].values()):.2g}")


if __name__ == '__main__':
    main()
