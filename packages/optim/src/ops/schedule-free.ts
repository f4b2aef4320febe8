import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps, type AttrsOf } from '@descent/core';
import { lerp } from '../functional/lerp.js';

type Attrs = AttrsOf<typeof fusedOps.ScheduleFreeAdamWStep>;

/** `v'`, and the AdamW denominator `√(v'/bc2) + eps`. */
function secondMoment(grad: tf.Tensor, expAvgSq: tf.Tensor, a: Attrs) {
  const v = tf.add(tf.mul(expAvgSq, a.beta2), tf.mul(tf.mul(grad, a.oneMinusBeta2), grad));
  return { v, denom: tf.add(tf.sqrt(tf.div(v, a.biasCorrection2)), a.eps) };
}

/** Weight decay at `y`, then `y ← lerp(y, z, c) + yCoef·u` and `z ← z − lr·u`. */
function move(y: tf.Tensor, z: tf.Tensor, update: tf.Tensor, a: Attrs) {
  const u = a.weightDecay !== 0 ? tf.add(update, tf.mul(y, a.weightDecay)) : update;
  return { param: tf.add(lerp(y, z, a.ckp1), tf.mul(u, a.yCoef)), z: tf.sub(z, tf.mul(u, a.lr)) };
}

/**
 * Schedule-free AdamW (facebookresearch/schedule_free's `AdamWScheduleFree.step`,
 * single-tensor branch): the parameter holds `y`, `z` is the base sequence, and the
 * average `x` is never stored. See KERNELS.md.
 */
export const scheduleFreeAdamWStep = defineFusedOp(fusedOps.ScheduleFreeAdamWStep, ({ param, grad, z, expAvgSq }, a) => {
  const { v, denom } = secondMoment(grad, expAvgSq, a);
  return { ...move(param, z, tf.div(grad, denom), a), expAvgSq: v };
});

/** The same, with the inner momentum `expAvg` (bias-corrected) in place of the gradient. */
export const scheduleFreeAdamWMomentumStep = defineFusedOp(fusedOps.ScheduleFreeAdamWMomentumStep, ({ param, grad, z, expAvgSq, expAvg }, a) => {
  const { v, denom } = secondMoment(grad, expAvgSq, a);
  const m = tf.add(tf.mul(expAvg, a.innerMomentum), tf.mul(grad, a.oneMinusInnerMomentum));
  return { ...move(param, z, tf.div(tf.div(m, a.biasCorrection1), denom), a), expAvgSq: v, expAvg: m };
});
