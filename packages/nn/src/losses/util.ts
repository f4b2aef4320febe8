import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';

/** torch's `reduction`: average, add up, or keep the per-element losses. */
export type Reduction = 'mean' | 'sum' | 'none';

/** A weight given as a tensor or as plain numbers (a 1-D float32 tensor). */
export type WeightLike = tf.Tensor | readonly number[];

export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** `[2, 3]`, as torch prints sizes. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function orList(values: readonly string[]): string {
  const q = values.map(quote);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q[0];
}

export function checkReduction<R extends string>(reduction: unknown, allowed: readonly R[]): asserts reduction is R {
  if (!allowed.includes(reduction as R)) {
    throw new InvalidArgumentError(
      'reduction',
      reduction,
      `reduction: ${quote(reduction)} is not a valid value for reduction; expected ${orList(allowed)}`,
    );
  }
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor || (x != null && typeof x === 'object' && 'shape' in x && 'dtype' in x && 'dataId' in x);
}

export function checkTensor(parameter: string, x: unknown): asserts x is tf.Tensor {
  if (!isTensor(x)) throw new InvalidArgumentError(parameter, x, `${parameter}: expected a tf.Tensor, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

export function checkFloat(parameter: string, x: tf.Tensor, what = parameter): void {
  if (x.dtype !== 'float32') {
    throw new InvalidArgumentError(parameter, x.dtype, `Expected floating point type (float32) for ${what}, got ${x.dtype}`);
  }
}

/** The pointwise losses' check: torch's bce wording (torch only warns for mse/l1, then broadcasts; we refuse). */
export function checkSameShape(input: tf.Tensor, target: tf.Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new InvalidArgumentError(
      'target',
      target.shape,
      `Target size (${shapeString(target.shape)}) must be the same as input size (${shapeString(input.shape)})`,
    );
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function weightShape(weight: WeightLike): readonly number[] {
  return isTensor(weight) ? weight.shape : [weight.length];
}

export function checkWeightValues(parameter: string, weight: WeightLike): void {
  if (isTensor(weight)) {
    checkFloat(parameter, weight);
  } else if (!Array.isArray(weight) || !weight.every((v) => typeof v === 'number')) {
    throw new InvalidArgumentError(parameter, weight, `${parameter}: expected a tf.Tensor or an array of numbers`);
  }
}

/** `weight` (or `posWeight`) must broadcast to `shape` without growing it, as torch's in-place multiply needs. */
export function checkBroadcastsTo(parameter: string, weight: WeightLike, shape: readonly number[]): void {
  checkWeightValues(parameter, weight);
  const w = weightShape(weight);
  const fail = (detail: string): never => {
    throw new InvalidArgumentError(parameter, w, `${detail} (${parameter} shape ${shapeString(w)}, input shape ${shapeString(shape)})`);
  };
  if (w.length > shape.length) fail(`${parameter} has more dimensions (${w.length}) than input (${shape.length})`);
  for (let i = 1; i <= w.length; i++) {
    const a = w[w.length - i];
    const b = shape[shape.length - i];
    if (a !== 1 && a !== b) {
      fail(`The size of ${parameter} (${a}) must match the size of input (${b}) at non-singleton dimension ${shape.length - i}`);
    }
  }
}

export function asTensor(weight: WeightLike): tf.Tensor {
  return isTensor(weight) ? weight : tf.tensor1d(weight as number[], 'float32');
}

export function reduce(loss: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'mean') return tf.mean(loss);
  if (reduction === 'sum') return tf.sum(loss);
  return loss;
}

/**
 * Backends whose tensors live in host memory: reading a target back is a copy
 * there, with no GPU pipeline to stall.
 */
const HOST_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** Whether to read values back for torch's value checks: the option, or by default on host-memory backends. */
export function readsValues(option: boolean | undefined): boolean {
  return option ?? HOST_BACKENDS.has(tf.getBackend());
}

/** Identity forward, zero gradient (tfjs has no stop_gradient op). */
const stopGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * `num / den` as torch computes a weighted mean, where `den` counts the
 * non-ignored targets: when it is 0 (every target ignored) the value is torch's
 * 0/0 = NaN and the gradient is 0, as torch's backward skips ignored targets.
 * (A plain division would send dy/0 = Inf backwards, and tfjs's `where`
 * gradient multiplies by the mask: Inf * 0 = NaN.)
 */
export function divideOrNaN(num: tf.Tensor, den: tf.Tensor): tf.Tensor {
  const zero = tf.greaterEqual(0, tf.abs(den)); // den == 0 (tfjs's Equal has no gradient, GreaterEqual has)
  const safe = tf.where(zero, tf.onesLike(den), den);
  return tf.where(zero, tf.div(stopGradient(num), stopGradient(den)), tf.div(num, safe));
}

// Conditions on differentiable tensors use greaterEqual only: tfjs-core 4.22 has
// gradients for GreaterEqual but none for Equal, Less, NotEqual or LogicalAnd, and
// tf.grad throws on a `where` whose condition comes from those.

/** `x * sign(x)`: |x| with torch's gradient sgn(x), which is 0 at 0 (tfjs's abs gradient there is -1). */
export function absTorch(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sign(x));
}
