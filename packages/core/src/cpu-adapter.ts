import * as tf from '@tensorflow/tfjs-core';
import type { BackendAdapter } from './adapter.js';

/**
 * tfjs's plain-JS cpu backend: the last resort, always available.
 * `@tensorflow/tfjs-backend-cpu` is an optional peer dependency.
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
    await tf.setBackend('cpu');
  },
};
