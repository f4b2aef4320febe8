import * as tf from '@tensorflow/tfjs-core';
import type { BackendAdapter } from './adapter.js';
import { installCpuKernels } from './cpu-kernels/install.js';

/**
 * tfjs's plain-JS cpu backend: the last resort, always available.
 * `@tensorflow/tfjs-backend-cpu` is a dependency of core (the fallback must always be there). `init()` swaps
 * in Descent's convolution and pooling backward kernels (`installCpuKernels`):
 * the same numbers bit for bit, without tfjs's per-element `TensorBuffer.get`.
 */
export const cpuAdapter: BackendAdapter = {
  name: 'cpu',
  backendName: 'cpu',
  capabilities: { float16: false, fusedKernels: [], limits: {}, info: { runtime: 'javascript' } },
  async init() {
    if (tf.findBackendFactory('cpu') == null) {
      const specifier = '@tensorflow/tfjs-backend-cpu';
      await import(/* @vite-ignore */ specifier);
    }
    installCpuKernels();
    await tf.setBackend('cpu');
  },
};
