import * as tf from '@tensorflow/tfjs-core';
import { check } from '@descent/core';
import { isNdArray, stack, type NdArray, type Value } from './ndarray.js';
import type { Transform } from './transforms/transform.js';
import { fuseAffine, stackAffine } from './fuse.js';

/** The tensors a batch of samples `T` collates into: every array or number becomes one tensor with a leading batch axis. */
export type Batch<T> = T extends Value
  ? tf.Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Batch<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: Batch<T[K]> }
      : never;

/** Stacks a list of samples field by field into host arrays `[n, ...]`, like torch's `default_collate`. */
export function stackSamples(samples: readonly unknown[]): unknown {
  const first = samples[0];
  if (typeof first === 'number' || isNdArray(first)) return stack(samples as Value[]);
  if (Array.isArray(first)) return first.map((_, i) => stackSamples(samples.map((s) => (s as unknown[])[i])));
  check(typeof first === 'object' && first !== null, 'sample', first, `Cannot collate a sample of type ${typeof first}: samples must be arrays ({ data, shape }), numbers, or tuples or objects of them`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) out[key] = stackSamples(samples.map((s) => (s as Record<string, unknown>)[key]));
  return out;
}

/**
 * Applies `transforms` to one field of every sample and stacks it. Transforms
 * run per sample up to the last one that needs it (a random augmentation);
 * the rest run once on the stacked batch.
 */
export function transformAndStack(values: Value[], transforms: readonly Transform[], rng: import('@descent/core').Generator): NdArray {
  let split = transforms.length;
  while (split > 0 && transforms[split - 1].applyBatch) split--;
  if (split > 0) {
    for (let i = 0; i < values.length; i++) {
      let v = values[i];
      for (let t = 0; t < split; t++) v = transforms[t].apply(v, rng);
      values[i] = v;
    }
  }
  // Leading affine transforms (toFloat, normalize) are fused with stacking: one pass, one rounding.
  const first = values[0];
  const fused = typeof first === 'object' ? fuseAffine(transforms.slice(split), !(first.data instanceof Float32Array)) : undefined;
  let batch = fused ? stackAffine(values, fused) : stack(values);
  for (let t = split + (fused?.count ?? 0); t < transforms.length; t++) batch = transforms[t].applyBatch!(batch);
  return batch;
}

function toTensor(a: NdArray): tf.Tensor {
  const dtype = a.data instanceof Float32Array ? 'float32' : 'int32';
  // keep: a batch belongs to the loader, not to whatever scope happens to be open.
  return tf.keep(tf.tensor(a.data, a.shape as number[], dtype));
}

/** Turns every host array in a (nested) batch into a tensor. */
export function toTensors(host: unknown): unknown {
  if (isNdArray(host)) return toTensor(host);
  if (host instanceof tf.Tensor) return host;
  if (Array.isArray(host)) return host.map(toTensors);
  if (typeof host === 'object' && host !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(host)) out[k] = toTensors(v);
    return out;
  }
  return host;
}
