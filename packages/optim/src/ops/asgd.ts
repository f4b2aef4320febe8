import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad } from './common.js';

/**
 * ASGD (torch 1.13's `_single_tensor_asgd`): `p ← p·(1 − λη) − η·g`, then the average
 * `ax ← ax + (p − ax)·μ`, or a copy of `p` while `μ = 1`. See KERNELS.md.
 */
export const asgdStep = defineFusedOp(fusedOps.AsgdStep, ({ param, grad, ax }, a) => {
  const g = effectiveGrad(param, grad, a);
  const p = tf.sub(tf.mul(param, a.paramScale), tf.mul(g, a.eta));
  return { param: p, ax: a.average ? tf.add(ax, tf.mul(tf.sub(p, ax), a.mu)) : tf.clone(p) };
});
