import * as tf from '@tensorflow/tfjs-core';
import { registerCpuFusedKernels, useBackend } from '@descent/core';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
  registerCpuFusedKernels();
}

let n = 0;
/** A float32 variable with a unique name. */
export function variable(values: number[], shape: number[], name = 'v'): tf.Variable {
  return tf.variable(tf.tensor(values, shape, 'float32'), true, `${name}_${n++}`);
}

/** Deterministic pseudo-random values (no RNG state shared between tests). */
export function values(count: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}
