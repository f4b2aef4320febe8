import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import {
  REDUCTIONS,
  asTensor,
  checkBroadcastsTo,
  checkFloat,
  checkReduction,
  checkSameShape,
  checkTensor,
  readsValues,
  reduce,
  type Reduction,
  type WeightLike,
} from './util.js';

/** Options both binary cross-entropy losses take. */
export interface BceOptions {
  /** Rescales each element's loss; broadcasts to the input's shape (e.g. [C] or [N, 1]). */
  weight?: WeightLike;
  /** Default 'mean'. */
  reduction?: Reduction;
}

/** Options of {@link bceWithLogits}, `F.binary_cross_entropy_with_logits`'s. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term, broadcast along the input (per class: [C], the last axis). */
  posWeight?: WeightLike;
}

/** Options of {@link bce}, `F.binary_cross_entropy`'s. */
export interface BceProbsOptions extends BceOptions {
  /**
   * Read the input back to raise torch's "all elements of input should be between
   * 0 and 1". Default: on host-memory backends (cpu, wasm, tfjs-node); elsewhere an
   * input outside [0, 1] gives NaN through the logs.
   */
  validateValues?: boolean;
}

function checkBinary(input: tf.Tensor, target: tf.Tensor, o: BceOptions): void {
  checkTensor('input', input);
  checkTensor('target', target);
  checkReduction(o.reduction ?? 'mean', REDUCTIONS);
  checkFloat('input', input);
  checkFloat('target', target);
  checkSameShape(input, target);
  if (o.weight !== undefined) checkBroadcastsTo('weight', o.weight, input.shape);
}

/**
 * torch.nn.functional.binary_cross_entropy_with_logits (1.13), torch's stable
 * formula: m = max(-x, 0);
 * loss = (1 - t)·x + (1 + (posWeight - 1)·t)·(log(e^-m + e^(-x-m)) + m), times weight.
 */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor, options: BceWithLogitsOptions = {}): tf.Tensor {
  checkBinary(logits, target, options);
  if (options.posWeight !== undefined) checkBroadcastsTo('posWeight', options.posWeight, logits.shape);
  const { reduction = 'mean' } = options;
  return tf.tidy(() => {
    const x = logits;
    const t = target;
    const maxVal = tf.relu(tf.neg(x));
    const logTerm = tf.log(tf.add(tf.exp(tf.neg(maxVal)), tf.exp(tf.sub(tf.neg(x), maxVal))));
    const oneMinusTx = tf.mul(tf.sub(1, t), x);
    let loss: tf.Tensor;
    if (options.posWeight !== undefined) {
      const logWeight = tf.add(tf.mul(tf.sub(asTensor(options.posWeight), 1), t), 1);
      loss = tf.add(oneMinusTx, tf.mul(logWeight, tf.add(logTerm, maxVal)));
    } else {
      loss = tf.add(tf.add(oneMinusTx, maxVal), logTerm);
    }
    if (options.weight !== undefined) loss = tf.mul(loss, asTensor(options.weight));
    return reduce(loss, reduction);
  });
}

/**
 * torch's binary_cross_entropy kernel and backward, on one element:
 * loss = (t - 1)·max(log(1 - x), -100) - t·max(log(x), -100);
 * d/dx = (x - t) / max((1 - x)·x, 1e-12); d/dt = log(1 - x) - log(x).
 * (Autodiff through the clamp would give NaN at x = 0 or 1; torch's backward does not clamp.)
 */
const bceElement = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, t]);
  const logX = tf.maximum(tf.log(x), -100);
  const log1mX = tf.maximum(tf.log(tf.sub(1, x)), -100);
  const value = tf.sub(tf.mul(tf.sub(t, 1), log1mX), tf.mul(t, logX));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ts] = saved;
      const dx = tf.mul(dy, tf.div(tf.sub(xs, ts), tf.maximum(tf.mul(tf.sub(1, xs), xs), 1e-12)));
      const dt = tf.mul(dy, tf.sub(tf.log(tf.sub(1, xs)), tf.log(xs)));
      return [dx, dt];
    },
  };
}) as (x: tf.Tensor, t: tf.Tensor) => tf.Tensor;

/** torch.nn.functional.binary_cross_entropy (1.13): probabilities in, logs clamped at -100. */
export function bce(probs: tf.Tensor, target: tf.Tensor, options: BceProbsOptions = {}): tf.Tensor {
  checkBinary(probs, target, options);
  if (readsValues(options.validateValues)) {
    for (const v of probs.dataSync()) {
      if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError('input', v, `all elements of input should be between 0 and 1 (got ${v})`);
    }
  }
  const { reduction = 'mean' } = options;
  return tf.tidy(() => {
    let loss = bceElement(probs, target);
    if (options.weight !== undefined) loss = tf.mul(loss, asTensor(options.weight));
    return reduce(loss, reduction);
  });
}
