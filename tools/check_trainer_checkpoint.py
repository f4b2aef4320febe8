#!/usr/bin/env python3
"""Reads a @descent/trainer checkpoint with torch (Descent -> PyTorch, issue #11).

Run with Debian's python3-torch (1.13), after tools/gen_trainer_checkpoint.mjs has written
packages/trainer/test/fixtures/torch-checkpoint/ (a seeded conv-net run: AdamW, a warmup
cosine schedule, float16 AMP):

    /usr/bin/python3 tools/check_trainer_checkpoint.py

Every file is checked against the size and SHA-256 in trainer_state.json. Every
*.safetensors file is parsed here by hand (8-byte little-endian header length, JSON
header, dtype / shape / data_offsets tiling the data section) and each tensor made with
torch.frombuffer: no safetensors package, no numpy in the reading. model.safetensors is
loaded into the torch.nn twin with a strict load_state_dict (keys, shapes and dtypes as
torch's own, num_batches_tracked int64), which runs on a seeded input in eval and train
mode. Each tensor (name, dtype, shape, SHA-256 of its bytes, values) and the outputs go
to torch-checkpoint.json; torch-checkpoint.test.ts checks that the same run still writes
those tensors and computes those outputs.

optimizer.safetensors holds Descent's state (state.<param index>.expAvg, ... in Descent's
layouts; step lives in optimizer.json), not torch's optimizer.state_dict(): its tensors are
recorded by name, and each is checked to belong to the parameter its index names.
"""
import hashlib
import json
import os
import struct
import sys

import torch
from torch import nn

from nn_twins import f32_list, nchw_to_nhwc

FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'packages', 'trainer', 'test', 'fixtures')
CHECKPOINT = os.path.join(FIXTURES, 'torch-checkpoint')

# safetensors dtype -> (torch dtype, bytes per element)
DTYPES = {
    'F64': (torch.float64, 8), 'F32': (torch.float32, 4), 'F16': (torch.float16, 2), 'BF16': (torch.bfloat16, 2),
    'I64': (torch.int64, 8), 'I32': (torch.int32, 4), 'I16': (torch.int16, 2), 'I8': (torch.int8, 1),
    'U8': (torch.uint8, 1), 'BOOL': (torch.bool, 1),
}


def twin():
    """torch-checkpoint.test.ts's model: [N, 2, 6, 6] -> conv 4x4 -> pool 2x2 -> 16 features -> 3."""
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3))


def read_safetensors(path):
    """(metadata, {name: tensor}, {name: dtype}) in header order, checking the format's layout rules."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    assert 8 + n <= len(raw), f'{path}: header of {n} bytes overruns the file'
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    data = raw[8 + n:]
    metadata = header.pop('__metadata__', None)
    spans = sorted((info['data_offsets'][0], info['data_offsets'][1], name) for name, info in header.items())
    cursor = 0
    for begin, end, name in spans:
        assert begin == cursor, f'{path}: {name}: offsets do not follow on'
        cursor = end
    assert cursor == len(data), f'{path}: trailing bytes'
    tensors = {}
    for name, info in header.items():
        dtype, size = DTYPES[info['dtype']]
        begin, end = info['data_offsets']
        count = 1
        for d in info['shape']:
            count *= d
        assert end - begin == count * size, f'{path}: {name}: {end - begin} bytes for shape {info["shape"]} of {info["dtype"]}'
        # A bytearray of its own: writable (frombuffer warns otherwise) and aligned.
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype, count=count) if count else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info['shape'])
    return metadata, tensors, {name: info['dtype'] for name, info in header.items()}


def record(dtype, t):
    raw = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
    if t.is_floating_point():
        data = f32_list(t)
    else:
        data = [int(v) for v in t.contiguous().view(-1).tolist()]
    return {'dtype': dtype, 'torchDtype': str(t.dtype), 'shape': list(t.shape), 'sha256': hashlib.sha256(raw).hexdigest(), 'data': data}


def check_manifest():
    with open(os.path.join(CHECKPOINT, 'trainer_state.json')) as f:
        state = json.load(f)
    assert state['format'] == 'descent-trainer-checkpoint', state['format']
    for name, want in state['files'].items():
        with open(os.path.join(CHECKPOINT, name), 'rb') as f:
            b = f.read()
        assert len(b) == want['bytes'] and hashlib.sha256(b).hexdigest() == want['sha256'], f'{name}: size or SHA-256 differs from trainer_state.json'
    return state['files']


def tensor_json(t):
    return {'shape': list(t.shape), 'data': f32_list(t)}


def main():
    assert sys.byteorder == 'little', 'torch.frombuffer reads native byte order; safetensors is little-endian'
    manifest = check_manifest()
    files = {}
    read = {}
    for name in sorted(f for f in manifest if f.endswith('.safetensors')):
        metadata, tensors, dtypes = read_safetensors(os.path.join(CHECKPOINT, name))
        read[name] = tensors
        files[name] = {'metadata': metadata, 'tensors': {key: record(dtypes[key], t) for key, t in tensors.items()}}

    model = twin()
    state = read['model.safetensors']
    own = model.state_dict()
    assert list(state) == list(own), f'keys {list(state)} != torch {list(own)}'
    for k, v in state.items():
        assert v.dtype == own[k].dtype, f'{k}: dtype {v.dtype}, torch {own[k].dtype}'
    model.load_state_dict(state, strict=True)
    params = [name for name, _ in model.named_parameters()]

    # optimizer.json's indices are torch's optimizer.state_dict() numbering (model.parameters() order).
    with open(os.path.join(CHECKPOINT, 'optimizer.json')) as f:
        opt = json.load(f)
    assert [p for g in opt['paramGroups'] for p in g['params']] == list(range(len(params)))
    opt_tensors = read['optimizer.safetensors']
    refs = set()
    for index, entry in opt['state'].items():
        param = dict(model.named_parameters())[params[int(index)]]
        for value in entry.values():
            if isinstance(value, dict):
                t = opt_tensors[value['$tensor']]
                refs.add(value['$tensor'])
                assert t.numel() == param.numel(), f'{value["$tensor"]}: {t.numel()} elements, {params[int(index)]} has {param.numel()}'
    assert refs == set(opt_tensors), f'unreferenced: {set(opt_tensors) - refs}'

    torch.manual_seed(0)
    x = torch.randn(4, 2, 6, 6)
    with torch.no_grad():
        model.eval()
        y_eval = model(x)
        model.train()
        y_train = model(x)
    out = {
        'torch': torch.__version__,
        'files': files,
        'model': {
            'keys': list(own),
            'parameters': params,
            'input': tensor_json(nchw_to_nhwc(x)),
            'eval': tensor_json(y_eval),
            'train': tensor_json(y_train),
        },
    }
    with open(os.path.join(FIXTURES, 'torch-checkpoint.json'), 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('read', ', '.join(f'{n} ({len(t)} tensors)' for n, t in read.items()), 'with torch.frombuffer; loaded the model (strict); wrote torch-checkpoint.json')


if __name__ == '__main__':
    main()
