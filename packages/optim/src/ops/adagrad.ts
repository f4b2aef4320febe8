import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad, num } from './common.js';

/** Adagrad. See KERNELS.md. */
export const adagradStep = defineFusedOp(fusedOps.AdagradStep, ({ param, grad, sum }, attrs) => {
  const g = effectiveGrad(param, grad, attrs);
  const s = tf.add(sum, tf.mul(g, g));
  const std = tf.add(tf.sqrt(s), num(attrs, 'eps'));
  return { param: tf.sub(param, tf.div(tf.mul(g, num(attrs, 'clr')), std)), sum: s };
});
