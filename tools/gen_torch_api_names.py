#!/usr/bin/env python3
"""Writes the PyTorch names docs/porting-from-pytorch.md must cover (test/fixtures/torch-api-names.json).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_torch_api_names.py

Read from torch itself: every torch.optim optimizer (the Optimizer subclasses), every public class of
torch.optim.lr_scheduler, torch.optim.swa_utils, the public callables of torch.cuda.amp, and the Dataset,
sampler, DataLoader and collate names of torch.utils.data (not the DataPipes, which torch deprecated in 2.4 and
removed from torch.utils.data's front door). torch 1.13 is older than some names the guide maps, so those are
added from torch 2.x's documentation, each with the version that introduced it. torchvision is not in Debian's
torch packages: its MNIST names are listed from torchvision's documentation.
"""
import inspect
import os

import torch.cuda.amp as amp
import torch.optim as optim
import torch.optim.lr_scheduler as lr_scheduler
import torch.optim.swa_utils as swa_utils
import torch.utils.data as data

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-api-names.json')


def public_classes(module, base=None, own=True):
    names = []
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith('_') or not inspect.isclass(obj):
            continue
        if own and not obj.__module__.startswith(module.__name__):
            continue
        if base is not None and not issubclass(obj, base):
            continue
        names.append(name)
    return names


def public_callables(module):
    return [n for n in dir(module) if not n.startswith('_') and callable(getattr(module, n)) and not inspect.ismodule(getattr(module, n))]


# torch.utils.data names that are part of the Dataset / sampler / DataLoader API (its __all__ also lists the DataPipes).
DATA_MODULES = ('torch.utils.data.dataset', 'torch.utils.data.sampler', 'torch.utils.data.dataloader', 'torch.utils.data.distributed', 'torch.utils.data._utils')


def data_names():
    names = []
    for name in data.__all__:
        obj = getattr(data, name, None)
        if name.startswith('_') or obj is None or inspect.ismodule(obj):
            continue
        if getattr(obj, '__module__', '').startswith(DATA_MODULES) and name != 'DataLoader2':
            names.append(name)
    # Not in 1.13's __all__ but public and documented: the collate functions, worker info and random_split.
    for name in ('default_collate', 'default_convert', 'get_worker_info', 'random_split'):
        if hasattr(data, name) and name not in names:
            names.append(name)
    return names


def main():
    names = {
        'torch.optim': sorted(public_classes(optim, optim.Optimizer, own=False)) + ['Adafactor', 'Muon'],  # torch 2.5, 2.9
        'torch.optim.lr_scheduler': sorted(set(public_classes(lr_scheduler)) | {'LRScheduler'}),  # LRScheduler public: torch 2.0
        # get_*_avg_fn: torch 2.1 (1.13 has AveragedModel, SWALR, update_bn).
        'torch.optim.swa_utils': sorted(set(n for n in dir(swa_utils) if n in ('AveragedModel', 'SWALR', 'update_bn'))
                                        | {'get_ema_multi_avg_fn', 'get_swa_multi_avg_fn', 'get_ema_avg_fn', 'get_swa_avg_fn'}),
        'torch.cuda.amp': sorted(public_callables(amp)),
        # torch.autocast: 1.10; torch.amp.GradScaler: torch 2.3 (torch.cuda.amp's is deprecated for it).
        'torch.amp': ['GradScaler', 'autocast'],
        'torch.utils.data': sorted(data_names()),
        # torchvision (not installed here): https://pytorch.org/vision/stable/datasets.html and transforms.html
        'torchvision.datasets': ['FashionMNIST', 'MNIST'],
        'torchvision.transforms': ['Compose', 'Lambda', 'Normalize', 'RandomAffine', 'RandomCrop', 'ToTensor'],
    }
    flat = sorted(f'{module}.{name}' for module, members in names.items() for name in members)
    write_fixture(OUT, {'source': 'tools/gen_torch_api_names.py', 'torch': __import__('torch').__version__, 'names': flat}, f'{len(flat)} torch API names')


if __name__ == '__main__':
    main()
