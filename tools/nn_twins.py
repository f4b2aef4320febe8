"""Shared by tools/gen_nn_fixtures.py and tools/check_descent_safetensors.py.

The torch.nn twins of packages/nn/test/modules/twins.ts (same architectures, same
state-dict keys), a safetensors reader and writer in plain Python (struct + json: the
safetensors pip package may be missing), and the JSON tensor form of the fixtures.
"""
import json
import math
import os
import struct

import numpy as np
import torch
from torch import nn

FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'packages', 'nn', 'test', 'fixtures')

# ---------------------------------------------------------------- twins


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))


def cnn():
    # [N, 3, 10, 10] -> conv 8x8 -> pool 4x4 -> grouped conv (padding 1) 4x4 -> avg pool (padding 1,
    # count_include_pad) 3x3 -> 8*3*3 = 72 features
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=2),
        nn.ReLU(),
        nn.AvgPool2d(2, padding=1),
        nn.Flatten(),
        nn.Linear(72, 5),
    )


def embedding():
    return nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten(), nn.Linear(12, 3))


class Convs(nn.Module):
    """The other convolution and pooling paths, named like an OrderedDict Sequential would be."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential()
        self.body.add_module('depthwise', nn.Conv2d(4, 8, 3, padding='same', groups=4))
        self.body.add_module('gelu', nn.GELU())
        self.body.add_module('strided', nn.Conv2d(8, 6, 3, stride=2, dilation=2, padding=2))
        self.body.add_module('tanh', nn.Tanh())
        self.body.add_module('wide', nn.Conv2d(6, 4, (1, 3), padding=(0, 1), bias=False))
        self.body.add_module('sigmoid', nn.Sigmoid())
        self.body.add_module('avg', nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False))
        self.body.add_module('max', nn.MaxPool2d(2, stride=1, padding=1))
        self.body.add_module('flatten', nn.Flatten())
        self.head = nn.Linear(144, 3)
        self.act = nn.GELU(approximate='tanh')

    def forward(self, x):
        return self.act(self.head(self.body(x)))


TWINS = {'mlp': mlp, 'cnn': cnn, 'embedding': embedding, 'convs': Convs}

# ---------------------------------------------------------------- safetensors by hand

DTYPES = {torch.float32: ('F32', '<f4'), torch.int64: ('I64', '<i8'), torch.int32: ('I32', '<i4')}
NUMPY = {'F32': '<f4', 'I64': '<i8', 'I32': '<i4', 'F64': '<f8', 'F16': '<f2', 'BOOL': '?'}


def save_safetensors(state, path, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in state.items():
        dtype, np_dtype = DTYPES[t.dtype]
        b = t.detach().contiguous().numpy().astype(np_dtype).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def load_safetensors(path):
    """{name: tensor}, checking the offsets tile the data section as the format requires."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    data = raw[8 + n:]
    header.pop('__metadata__', None)
    spans = sorted((info['data_offsets'][0], info['data_offsets'][1], name) for name, info in header.items())
    cursor = 0
    for begin, end, name in spans:
        assert begin == cursor, f'{name}: offsets do not follow on'
        cursor = end
    assert cursor == len(data), 'trailing bytes'
    out = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        a = np.frombuffer(data[begin:end], dtype=NUMPY[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(a.copy())
    return out

# ---------------------------------------------------------------- JSON tensors


def f32_list(t):
    """Shortest decimals that round-trip each float32 (JS's Float32Array gets the same bits back)."""
    a = t.detach().to(torch.float32).contiguous().numpy().ravel()
    return [float(repr(v)) if math.isfinite(v) else None for v in (np.float32(x) for x in a)]


def tensor_json(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.contiguous().view(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': f32_list(t)}


def tensor_from_json(j):
    dtype = torch.int64 if j['dtype'] == 'int32' else torch.float32
    return torch.tensor(j['data'], dtype=dtype).reshape(j['shape'])


def nchw_to_nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous() if t.dim() == 4 else t


def nhwc_to_nchw(t):
    return t.permute(0, 3, 1, 2).contiguous() if t.dim() == 4 else t
