import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { REDUCTIONS, absTorch, checkFloat, checkReduction, checkSameShape, checkTensor, reduce, type Reduction } from './util.js';

/** Options of {@link mseLoss} and {@link l1Loss}. */
export interface ReductionOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear, >= 0 (0: l1Loss). Default 1. */
  beta?: number;
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear, > 0. Default 1. */
  delta?: number;
}

/**
 * smooth_l1_loss at beta = 0 is |input - target|, but torch 1.13 keeps
 * smooth_l1's backward (x <= -beta ? -1 : x >= beta ? 1 : x / beta) for it, which
 * at input = target gives -1 to the input and, run with the two swapped, -1 to the
 * target too (l1Loss gives 0 to both).
 */
const smoothL1Beta0 = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const d = tf.sub(x, t);
  save([d]);
  return {
    value: tf.abs(d),
    gradFunc: (dy: tf.Tensor, [ds]: tf.Tensor[]) => {
      const signOrMinus1 = (c: tf.Tensor) => tf.sub(tf.mul(tf.cast(c, 'float32'), 2), 1); // c ? 1 : -1
      return [tf.mul(dy, signOrMinus1(tf.greater(ds, 0))), tf.mul(dy, signOrMinus1(tf.less(ds, 0)))];
    },
  };
}) as (x: tf.Tensor, t: tf.Tensor) => tf.Tensor;

function checkPointwise(input: tf.Tensor, target: tf.Tensor, reduction: unknown): void {
  checkTensor('input', input);
  checkTensor('target', target);
  checkReduction(reduction, REDUCTIONS);
  checkFloat('input', input);
  checkFloat('target', target);
  checkSameShape(input, target);
}

/** torch.nn.functional.mse_loss: (input - target)². Shapes must match (torch broadcasts with a warning). */
export function mseLoss(input: tf.Tensor, target: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  const { reduction = 'mean' } = options;
  checkPointwise(input, target, reduction);
  return tf.tidy(() => reduce(tf.squaredDifference(input, target), reduction));
}

/** torch.nn.functional.l1_loss: |input - target|, gradient sgn(input - target) (0 where they are equal). */
export function l1Loss(input: tf.Tensor, target: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  const { reduction = 'mean' } = options;
  checkPointwise(input, target, reduction);
  return tf.tidy(() => reduce(absTorch(tf.sub(input, target)), reduction));
}

/**
 * torch.nn.functional.smooth_l1_loss: z = |input - target|; z < β ? 0.5 z² / β : z - 0.5 β
 * (β = 0: |input - target|, with torch's gradient -1 where they are equal).
 */
export function smoothL1Loss(input: tf.Tensor, target: tf.Tensor, options: SmoothL1LossOptions = {}): tf.Tensor {
  const { reduction = 'mean', beta = 1 } = options;
  checkPointwise(input, target, reduction);
  if (typeof beta !== 'number' || !(beta >= 0)) {
    throw new InvalidArgumentError('beta', beta, `smooth_l1_loss does not support negative values for beta. Got: ${beta}`);
  }
  return tf.tidy(() => {
    if (beta === 0) return reduce(smoothL1Beta0(input, target), reduction);
    const z = absTorch(tf.sub(input, target));
    const quadratic = tf.div(tf.mul(tf.mul(z, 0.5), z), beta);
    return reduce(tf.where(tf.greaterEqual(z, beta), tf.sub(z, 0.5 * beta), quadratic), reduction);
  });
}

/** torch.nn.functional.huber_loss: z = |input - target|; z < δ ? 0.5 z² : δ (z - 0.5 δ). */
export function huberLoss(input: tf.Tensor, target: tf.Tensor, options: HuberLossOptions = {}): tf.Tensor {
  const { reduction = 'mean', delta = 1 } = options;
  checkPointwise(input, target, reduction);
  if (typeof delta !== 'number' || !(delta > 0)) {
    throw new InvalidArgumentError('delta', delta, `huber_loss does not support non-positive values for delta. Got: ${delta}`);
  }
  return tf.tidy(() => {
    const z = absTorch(tf.sub(input, target));
    const quadratic = tf.mul(tf.mul(z, 0.5), z);
    return reduce(tf.where(tf.greaterEqual(z, delta), tf.mul(tf.sub(z, 0.5 * delta), delta), quadratic), reduction);
  });
}
