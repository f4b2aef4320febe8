// Adapter selection and lazy loading: importing the package loads nothing,
// useBackend('cuda') finds it by name, and a failed start leaves tfjs as it was.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { InvalidArgumentError } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { createCudaAdapter, cudaAdapter } from '../src/index.js';

const pkgDir = join(import.meta.dirname, '..');

/** Runs an ESM snippet in a fresh Node from this package's folder (the built package, as an app gets it). */
function node(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the adapter', () => {
  it("is 'cuda' on tfjs's tensorflow backend, GPU required by default", () => {
    expect(cudaAdapter.name).toBe('cuda');
    expect(cudaAdapter.backendName).toBe('tensorflow');
    expect(cudaAdapter.options).toEqual({ package: 'tfjs-node-gpu', requireGpu: true });
    expect(createCudaAdapter({ package: 'tfjs-node' }).options).toEqual({ package: 'tfjs-node', requireGpu: false });
    expect(createCudaAdapter({ requireGpu: false }).options.requireGpu).toBe(false);
    expect(cudaAdapter.capabilities).toEqual({ float16: false, fusedKernels: [], limits: {}, info: {} });
  });

  it('rejects bad options, naming the parameter and the value', () => {
    expect(() => createCudaAdapter({ package: 'tfjs-gpu' as never })).toThrow(new InvalidArgumentError('package', 'tfjs-gpu', 'Invalid package: "tfjs-gpu" (expected "tfjs-node-gpu" or "tfjs-node")'));
    expect(() => createCudaAdapter({ requireGpu: 'yes' as never })).toThrow('Invalid requireGpu: "yes" (expected a boolean)');
  });
});

describe('lazy loading, in a fresh process', () => {
  it('importing the package loads no tfjs-node and registers no tensorflow backend', () => {
    const out = node(`
      import { createRequire } from 'node:module';
      import * as tf from '@tensorflow/tfjs-core';
      const cuda = await import('@descent/backend-cuda');
      cuda.createCudaAdapter({ package: 'tfjs-node' });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('tfjs-node'));
      console.log(JSON.stringify({ loaded, factory: tf.findBackendFactory('tensorflow') !== null, exports: Object.keys(cuda).sort() }));
    `);
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(r.loaded).toEqual([]);
    expect(r.factory).toBe(false);
    expect(r.exports).toEqual(expect.arrayContaining(['createCudaAdapter', 'cudaAdapter', 'CudaBackendError', 'diagnoseCuda', 'registerTensorflowKernels']));
  });

  it("useBackend('cuda') loads this package by name and reports what is missing; tfjs stays on its backend", () => {
    const out = node(`
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { useBackend } from '@descent/core';
      await tf.setBackend('cpu');
      let message;
      try { await useBackend('cuda'); } catch (e) { message = e.name + ' ' + e.code + ': ' + e.message; }
      console.log(JSON.stringify({ message, backend: tf.getBackend() }));
    `);
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    // The workspace's real tfjs-node-gpu, its install script never run.
    expect(r.message).toMatch(/^CudaBackendError addon-missing: @tensorflow\/tfjs-node-gpu 4\.22\.0 is installed at .*, but its native addon .*lib\/napi-v8\/tfjs_binding\.node is missing/);
    expect(r.backend).toBe('cpu');
  });
});
