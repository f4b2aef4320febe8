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

/** `eval()`'s switch from `y` to `x = lerp(y, z, 1 − 1/β₁)`, and `train()`'s back, `y = lerp(x, z, 1 − β₁)`. */
export function scheduleFreeSwitch(p: tf.Tensor, z: tf.Tensor, beta1: number, to: 'eval' | 'train'): tf.Tensor {
  return lerp(p, z, to === 'eval' ? 1 - 1 / beta1 : 1 - beta1);
}
