import * as tf from '@tensorflow/tfjs-core';

export interface AsgdStepConfig {
  /** The step count after this step (torch's `step_t` after `+= 1`). */
  step: number;
  /** This step's learning rate (torch's float32 `eta`), and the averaging weight `mu`. */
  eta: number;
  mu: number;
  lambd: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * One ASGD update of one parameter, torch 1.13's `_single_tensor_asgd`:
 * `p ← p·(1 − λη) − η·g`, then the average `ax ← ax + (p − ax)·μ` (a copy while `μ = 1`).
 */
export function asgdUpdate(param: tf.Tensor, grad: tf.Tensor, ax: tf.Tensor, c: AsgdStepConfig): { param: tf.Tensor; ax: tf.Tensor } {
  let g = c.maximize ? tf.neg(grad) : grad;
  if (c.weightDecay !== 0) g = tf.add(g, tf.mul(param, c.weightDecay));
  const decayed = tf.mul(param, 1 - c.lambd * c.eta);
  const p = tf.sub(decayed, tf.mul(g, c.eta));
  const nextAx = c.mu !== 1 ? tf.add(ax, tf.mul(tf.sub(p, ax), c.mu)) : tf.clone(p);
  return { param: p, ax: nextAx };
}

/** torch's next `eta` and `mu` after `step` steps, rounded to float32 as its 0-dim tensors are. */
export function asgdSchedule(step: number, o: { lr: number; lambd: number; alpha: number; t0: number }): { eta: number; mu: number } {
  return {
    eta: Math.fround(o.lr / Math.pow(1 + o.lambd * o.lr * step, o.alpha)),
    mu: Math.fround(1 / Math.max(1, step - o.t0)),
  };
}
