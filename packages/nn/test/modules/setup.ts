import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { expect } from 'vitest';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
}

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface TensorJson {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fromJson(t: TensorJson): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

/**
 * float32 on both sides, summed in different orders: within rtol of each value plus
 * rtol of the largest one (values near zero carry the error of the terms they sum),
 * plus `atol` (for results that are zero up to rounding).
 */
export function expectClose(got: tf.Tensor | { shape: number[]; data: ArrayLike<number> }, want: TensorJson, rtol = 1e-5, label = '', atol = 0): void {
  const shape = got instanceof tf.Tensor ? got.shape : got.shape;
  const data = got instanceof tf.Tensor ? got.dataSync() : got.data;
  expect(shape, `${label} shape`).toEqual(want.shape);
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.data.length; i++) {
    const excess = Math.abs(data[i] - want.data[i]) - rtol * (scale + Math.abs(want.data[i])) - atol;
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  if (at >= 0) expect.fail(`${label}: element ${at} is ${data[at]}, torch ${want.data[at]} (rtol ${rtol}, max |torch| ${scale})`);
}

/** Runs `fn` and checks it leaves no tensor behind. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}
