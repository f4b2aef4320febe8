import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, activeAdapter, useBackend } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { createWasmAdapter, locateWasmFolder, matMulKernelsInstalled, wasmAdapter } from '../src/index.js';

describe('wasm adapter', () => {
  it("starts through useBackend('wasm') and reports its capabilities", async () => {
    const adapter = await useBackend('wasm');
    expect(adapter).toBe(wasmAdapter);
    expect(activeAdapter()).toBe(wasmAdapter);
    expect(tf.getBackend()).toBe('wasm');
    expect(matMulKernelsInstalled()).toBe(true);
    expect(adapter.capabilities.float16).toBe(false);
    // Node 20's V8 has WASM SIMD; the adapter starts tfjs-wasm's threaded build with a thread per core.
    const threads = Math.min(8, os.availableParallelism());
    expect(adapter.capabilities.info).toMatchObject({ simd: true, multithread: threads > 1, threads, optimThreads: threads, fastMatMul: true });
  });

  it('starts through the adapter object, and is idempotent', async () => {
    await tf.setBackend('cpu');
    await useBackend(wasmAdapter);
    expect(tf.getBackend()).toBe('wasm');
    await Promise.all([wasmAdapter.init(), wasmAdapter.init(), useBackend(wasmAdapter)]);
    expect(tf.getBackend()).toBe('wasm');
    expect(matMulKernelsInstalled()).toBe(true);
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2]), true, false);
    expect(Array.from(await y.data())).toEqual([1, 3, 2, 4]);
  });

  it('can keep the stock kernels, and put its own back', async () => {
    await useBackend(createWasmAdapter({ fastMatMul: false }));
    expect(matMulKernelsInstalled()).toBe(false);
    const y = tf.matMul(tf.ones([3, 2]), tf.ones([3, 2]), true, false);
    expect(Array.from(await y.data())).toEqual([3, 3, 3, 3]);
    await useBackend(wasmAdapter);
    expect(matMulKernelsInstalled()).toBe(true);
  });

  it('finds the .wasm files of the installed tfjs-backend-wasm in Node', async () => {
    const folder = await locateWasmFolder();
    expect(folder).toMatch(/@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]$/);
  });

  it('rejects a bad thread count, naming it', () => {
    expect(() => createWasmAdapter({ threads: 0 })).toThrow(InvalidArgumentError);
    expect(() => createWasmAdapter({ threads: 1.5 })).toThrow(/Invalid threads: 1.5/);
    expect(() => createWasmAdapter({ threads: 9 })).toThrow(/Invalid threads: 9 \(expected an integer from 1 to 8\)/);
    expect(() => createWasmAdapter({ xnnpackThreads: 0 })).toThrow(InvalidArgumentError);
    expect(() => createWasmAdapter({ xnnpackThreads: 2.5 })).toThrow(/Invalid xnnpackThreads: 2.5 \(expected an integer from 1 to 8\)/);
  });
});
