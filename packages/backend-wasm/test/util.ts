import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Generator } from '@descent/core';
import { expect } from 'vitest';
import { installMatMulKernels, uninstallMatMulKernels, wasmAdapter } from '../src/index.js';
import { useBackend } from '@descent/core';

/** The three ways we compute: tfjs cpu, stock tfjs-wasm, Descent's wasm kernels. */
export type Engine = 'cpu' | 'stock' | 'descent';

export async function activate(engine: Engine): Promise<void> {
  if (engine === 'cpu') {
    await tf.setBackend('cpu');
    return;
  }
  await useBackend(wasmAdapter);
  if (engine === 'stock') uninstallMatMulKernels();
  else installMatMulKernels();
}

export function randomArray(size: number, seed: number): Float32Array {
  const g = new Generator(seed);
  return g.fill(new Float32Array(size), (r) => r.uniform(-1, 1));
}

export interface Result {
  shape: number[];
  data: Float32Array;
}

/** Runs `f` on `engine` and reads its result back. */
export async function on(engine: Engine, f: () => tf.Tensor): Promise<Result> {
  await activate(engine);
  const y = tf.tidy(f);
  const out = { shape: y.shape, data: (await y.data()) as Float32Array };
  y.dispose();
  return out;
}

export function expectClose(actual: Result, expected: Result, what: string, rtol = 1e-4, atol = 1e-4): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const excess = Math.abs(actual.data[i] - expected.data[i]) - (atol + rtol * Math.abs(expected.data[i]));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  expect(at, `${what}: element ${at} is ${actual.data[at]}, expected ${expected.data[at]}`).toBe(-1);
}

/** Runs `run` twice and checks the second run leaves tensors, buffers and bytes exactly as they were. */
export function expectNoLeak(run: () => void): void {
  run();
  const before = tf.memory();
  run();
  const after = tf.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numDataBuffers).toBe(before.numDataBuffers);
  expect(after.numBytes).toBe(before.numBytes);
}
