import * as tf from '@tensorflow/tfjs-core';
import { lerp } from './lerp.js';

/** One group's step scalars, from its step count `k` (before this step), as the reference computes them in Python. */
export interface ScheduleFreeScalars {
  /** The warmed-up learning rate `lr·min(1, (k+1)/warmupSteps)` (the reference's `scheduled_lr`). */
  lr: number;
  lrMax: number;
  weightSum: number;
  /** `c_{k+1}`: the weight of the new iterate in the average `x`. */
  ckp1: number;
  biasCorrection1: number;
  biasCorrection2: number;
}

export function scheduleFreeScalars(
  k: number,
  g: { lr: number; betas: readonly number[]; warmupSteps: number; r: number; weightLrPower: number; innerMomentum: number; lrMax: number; weightSum: number },
): ScheduleFreeScalars {
  const sched = k < g.warmupSteps ? (k + 1) / g.warmupSteps : 1.0;
  const lr = g.lr * sched;
  const lrMax = Math.max(lr, g.lrMax);
  const weight = (k + 1) ** g.r * lrMax ** g.weightLrPower;
  const weightSum = g.weightSum + weight;
  return {
    lr,
    lrMax,
    weightSum,
    ckp1: weightSum === 0 ? 0 : weight / weightSum, // the reference catches ZeroDivisionError
    biasCorrection1: g.innerMomentum !== 0 ? 1 - g.innerMomentum ** (k + 1) : 1,
    biasCorrection2: 1 - g.betas[1] ** (k + 1),
  };
}

export interface ScheduleFreeStepConfig extends ScheduleFreeScalars {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  innerMomentum: number;
}

/**
 * One schedule-free AdamW update of one parameter (facebookresearch/schedule_free's
 * `AdamWScheduleFree.step`, single-tensor branch). The parameter holds `y`, the
 * point gradients are taken at; `z` is the base sequence; the average `x` is never
 * stored: `y ← lerp(y, z, c) + lr·(β₁(1 − c) − 1)·u` and `z ← z − lr·u` keep
 * `y = (1 − β₁)z + β₁x` for the new `x = lerp(x, z, c)`.
 */
export function scheduleFreeUpdate(y: tf.Tensor, grad: tf.Tensor, s: { z: tf.Tensor; expAvgSq: tf.Tensor; expAvg?: tf.Tensor }, c: ScheduleFreeStepConfig) {
  // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2): addcmul is self + (value * t1) * t2
  const expAvgSq = tf.add(tf.mul(s.expAvgSq, c.beta2), tf.mul(tf.mul(grad, 1 - c.beta2), grad));
  const denom = tf.add(tf.sqrt(tf.div(expAvgSq, c.biasCorrection2)), c.eps);
  let expAvg: tf.Tensor | undefined;
  let u: tf.Tensor;
  if (c.innerMomentum !== 0) {
    expAvg = tf.add(tf.mul(s.expAvg!, c.innerMomentum), tf.mul(grad, 1 - c.innerMomentum));
    u = tf.div(tf.div(expAvg, c.biasCorrection1), denom);
  } else {
    u = tf.div(grad, denom);
  }
  if (c.weightDecay !== 0) u = tf.add(u, tf.mul(y, c.weightDecay)); // decay at y
  const yNext = tf.add(lerp(y, s.z, c.ckp1), tf.mul(u, c.lr * (c.beta1 * (1 - c.ckp1) - 1)));
  const z = tf.sub(s.z, tf.mul(u, c.lr));
  return { param: yNext, z, expAvgSq, ...(expAvg ? { expAvg } : {}) };
}

/** `eval()`'s switch from `y` to `x = lerp(y, z, 1 − 1/β₁)`, and `train()`'s back, `y = lerp(x, z, 1 − β₁)`. */
export function scheduleFreeSwitch(p: tf.Tensor, z: tf.Tensor, beta1: number, to: 'eval' | 'train'): tf.Tensor {
  return lerp(p, z, to === 'eval' ? 1 - 1 / beta1 : 1 - beta1);
}
