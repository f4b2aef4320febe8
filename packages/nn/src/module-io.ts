import { toHostTensor, type HostTensor } from '@descent/core';
import { loadState, type IncompatibleKeys, type LoadStateDictOptions, type Module } from './module.js';
import { copyHostData, permuteHost } from './permute.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

// A module's state dict as a safetensors file that `torch.nn.Module.load_state_dict`
// takes as it is: torch's keys, torch's layouts (each entry's torchPermutation:
// Linear [out, in], Conv2d OIHW), and integer state as I64 (torch's long, e.g.
// BatchNorm's num_batches_tracked).

/** torch's state dict of `module` as host copies: torch's keys and layouts. Async: webgpu reads back asynchronously. */
export async function moduleToTorchState(module: Module): Promise<Record<string, HostTensor>> {
  const out: Record<string, HostTensor> = {};
  for (const e of module.stateEntries()) {
    const host = await toHostTensor(e.tensor);
    // Copies either way: the cpu backend hands out the tensor's own array.
    const value = e.torchPermutation ? permuteHost(host, e.torchPermutation) : { ...host, data: copyHostData(host.data) };
    Object.defineProperty(out, e.key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The module's state dict as safetensors bytes, for `safetensors.torch.load_file` +
 * `load_state_dict` in PyTorch (see the README). `metadata` defaults to
 * `{ format: 'pt' }`, what Hugging Face's loaders look for.
 */
export async function moduleToSafetensors(module: Module, metadata: Record<string, string> | null = { format: 'pt' }): Promise<Uint8Array> {
  const tensors = await moduleToTorchState(module);
  const dtypes: Record<string, 'I64'> = {};
  for (const [key, t] of Object.entries(tensors)) if (t.dtype === 'int32') dtypes[key] = 'I64';
  return encodeSafetensors(tensors, metadata, { dtypes });
}

/**
 * Loads a safetensors file of torch's state dict (torch's keys and layouts, as
 * `safetensors.torch.save_file(model.state_dict())` writes it) into `module`. The
 * file and every key, shape (torch's) and dtype are validated before anything
 * changes; on any problem it throws and the module is left as it was. Floats of any
 * width load into float32 tensors and integers into int32 ones (I64 range-checked),
 * as torch's `copy_` would cast.
 */
export function loadSafetensorsIntoModule(module: Module, bytes: Uint8Array, { strict = true }: LoadStateDictOptions = {}): IncompatibleKeys {
  const { tensors, dtypes } = decodeSafetensors(bytes);
  return loadState(module, tensors, {
    strict,
    torchLayout: true,
    describeDtype: (key, dtype) => `${dtypes[key]} (read as ${dtype})`,
  });
}
