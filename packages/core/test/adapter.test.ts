import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { activeAdapter, adapterFromPackage, registerAdapter, useBackend, type BackendAdapter } from '../src/index.js';

describe('backend adapters', () => {
  it('activates cpu by name and reports it', async () => {
    const a = await useBackend('cpu');
    expect(a.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(activeAdapter()).toBe(a);
  });

  it('rejects an unknown name, naming it and the known ones', async () => {
    await expect(useBackend('tpu')).rejects.toThrow(/Unknown backend: "tpu" \(known: wasm, webgpu, cuda, cpu/);
  });

  it('says how to install a missing adapter package', async () => {
    registerAdapter('absent', () => adapterFromPackage('@descent/backend-absent', 'absentAdapter'));
    await expect(useBackend('absent')).rejects.toThrow(/Backend adapter package @descent\/backend-absent is not installed \(npm install @descent\/backend-absent\)/);
  });

  it('takes an adapter object and a registered custom adapter', async () => {
    const init = vi.fn(async () => {});
    const custom: BackendAdapter = {
      name: 'custom-cpu',
      backendName: 'cpu',
      capabilities: { float16: false, fusedKernels: [], limits: {}, info: {} },
      init,
    };
    registerAdapter('custom-cpu', custom);
    expect((await useBackend('custom-cpu')).name).toBe('custom-cpu');
    expect(init).toHaveBeenCalledTimes(1);
  });

  it('the default falls back to cpu with a notice when wasm cannot start', async () => {
    registerAdapter('wasm', async () => {
      throw new Error('no wasm here');
    });
    const warn = vi.fn();
    const a = await useBackend(undefined, { warn });
    expect(a.name).toBe('cpu');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/wasm backend could not start \(no wasm here\); falling back to the cpu backend/));
  });
});
