#!/usr/bin/env python3
"""Loads the Descent-written safetensors files into the torch twins (Descent -> PyTorch).

Run with Debian's python3-torch (1.13), after tools/gen_nn_descent_files.mjs has written
packages/nn/test/fixtures/descent-<name>.safetensors (seeded Descent initializations):

    /usr/bin/python3 tools/check_descent_safetensors.py

Each file is read with the hand-written reader of tools/nn_twins.py and loaded with a
strict load_state_dict (every key, shape and dtype must match torch's own module, and
num_batches_tracked must arrive as int64); torch's outputs on nn-modules.json's inputs
are recorded in descent-torch.json: eval mode for every model, and training mode for
the cnn (batch norm on batch statistics; it has no dropout). parity.test.ts checks that
the seeded Descent twins still write these bytes and compute these outputs.
"""
import json
import os

import torch

from nn_twins import FIXTURES, TWINS, load_safetensors, nhwc_to_nchw, tensor_from_json, tensor_json


def main():
    with open(os.path.join(FIXTURES, 'nn-modules.json')) as f:
        inputs = {name: m['input'] for name, m in json.load(f)['models'].items()}
    out = {'torch': torch.__version__, 'models': {}}
    for name, build in TWINS.items():
        model = build()
        state = load_safetensors(os.path.join(FIXTURES, f'descent-{name}.safetensors'))
        own = model.state_dict()
        assert list(state) == list(own), f'{name}: keys {list(state)} != {list(own)}'
        for k, v in state.items():
            assert v.dtype == own[k].dtype, f'{name}.{k}: dtype {v.dtype}, torch {own[k].dtype}'
        model.load_state_dict(state, strict=True)
        x = nhwc_to_nchw(tensor_from_json(inputs[name]))
        entry = {}
        with torch.no_grad():
            model.eval()
            entry['eval'] = tensor_json(model(x))
            if name == 'cnn':
                model.train()
                entry['train'] = tensor_json(model(x))
        out['models'][name] = entry
    with open(os.path.join(FIXTURES, 'descent-torch.json'), 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('loaded', ', '.join(f'descent-{n}.safetensors' for n in TWINS), 'into torch (strict); wrote descent-torch.json')


if __name__ == '__main__':
    main()
