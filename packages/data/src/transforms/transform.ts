import type { Generator } from '@descent/core';
import { check } from '@descent/core';
import type { NdArray, Value } from '../ndarray.js';

/**
 * A sample transform, like a torchvision transform. `apply` maps one sample;
 * `rng` is the loader's seeded generator, so random augmentations replay
 * exactly for a seed.
 *
 * `applyBatch` is the same map over a stacked batch `[n, ...shape]` in one
 * pass. Only deterministic element-wise or shape-only transforms have it: the
 * loader then stacks first and transforms once per batch, which is what keeps
 * its overhead small next to a training step.
 */
export interface Transform {
  readonly name: string;
  /** Maps one sample, drawing any randomness from `rng`. */
  apply(x: Value, rng: Generator): Value;
  /** The same map over a stacked batch, in one pass (deterministic transforms only). */
  applyBatch?(x: NdArray): NdArray;
  /**
   * Set by element-wise affine transforms, `x * scale + shift` per channel (the
   * last axis; one value for all channels): the loader fuses a run of them
   * with stacking into a single pass that writes float32.
   */
  readonly affine?: Affine;
}

export interface Affine {
  scale: readonly number[];
  shift: readonly number[];
  /** Applies to integer input only; float input passes unchanged (`toFloat`). */
  integerInputOnly?: boolean;
}

/** A transform object, or a plain per-sample function. */
export type TransformLike = Transform | ((x: Value, rng: Generator) => Value);

export function toTransform(t: TransformLike, parameter = 'transform'): Transform {
  if (typeof t === 'function') return { name: t.name || 'fn', apply: t };
  check(typeof t === 'object' && t !== null && typeof t.apply === 'function', parameter, t, `Invalid ${parameter}: expected a function or { apply }`);
  return t;
}

/** Normalizes `transform` options (one, a list, or none) into a list. */
export function toTransforms(t: TransformLike | readonly TransformLike[] | undefined, parameter = 'transform'): Transform[] {
  if (t === undefined) return [];
  return (Array.isArray(t) ? t : [t]).map((x, i) => toTransform(x, Array.isArray(t) ? `${parameter}[${i}]` : parameter));
}

/** Runs transforms in order, like `torchvision.transforms.Compose`. */
export function compose(transforms: readonly TransformLike[]): Transform {
  const list = toTransforms(transforms, 'transforms');
  const batchable = list.every((t) => t.applyBatch);
  return {
    name: `compose(${list.map((t) => t.name).join(', ')})`,
    apply: (x, rng) => list.reduce((v, t) => t.apply(v, rng), x),
    applyBatch: batchable ? (x) => list.reduce((v, t) => t.applyBatch!(v), x) : undefined,
  };
}

export function expectArray(x: Value, transform: string): NdArray {
  check(typeof x === 'object', 'input', x, `${transform} expects an array sample ({ data, shape }), got ${typeof x}`);
  return x;
}
