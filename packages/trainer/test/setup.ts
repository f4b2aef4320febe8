import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Generator, manualSeed, useBackend } from '@descent/core';
import { DataLoader, type Dataset, type NdArray } from '@descent/data';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential } from '@descent/nn';
import type { OptimizerLike } from '@descent/lr-schedule';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
}

export type Sample = [NdArray, number];

/** `n` points of `dim` features around `classes` Gaussian blobs (seeded). */
export function blobs(n: number, { dim = 4, classes = 3, seed = 1, spread = 0.6 } = {}): Dataset<Sample> {
  const g = new Generator(seed);
  const centers = Array.from({ length: classes }, () => Array.from({ length: dim }, () => g.uniform(-2, 2)));
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const data = new Float32Array(dim);
    for (let d = 0; d < dim; d++) data[d] = centers[c][d] + spread * g.normal();
    samples.push([{ data, shape: [dim] }, c]);
  }
  return { length: n, get: (i) => samples[i] };
}

export function loader(ds: Dataset<Sample>, batchSize = 8, shuffle = true, seed = 0) {
  return new DataLoader(ds, { batchSize, shuffle, seed });
}

/** An MLP as a @descent/nn Module, initialized from a seed. */
export function mlp(seed = 0, { dim = 4, hidden = 16, classes = 3, dropout = 0, batchNorm = false } = {}) {
  manualSeed(seed);
  const layers = [new Linear(dim, hidden), ...(batchNorm ? [new BatchNorm1d(hidden)] : []), new ReLU(), ...(dropout ? [new Dropout(dropout)] : []), new Linear(hidden, classes)];
  return new Sequential(...layers);
}

export function tempDir(prefix = 'descent-trainer-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Every weight's values, by name, as copies. */
export function weightsOf(vars: Array<[string, tf.Variable]>): Record<string, Float32Array> {
  return Object.fromEntries(vars.map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
}

/**
 * A @descent/optim optimizer typed as lr-schedule's OptimizerLike: optim's param groups
 * are interfaces, which TypeScript does not let meet lr-schedule's index signature.
 */
export function schedulable(optimizer: object): OptimizerLike {
  return optimizer as unknown as OptimizerLike;
}
