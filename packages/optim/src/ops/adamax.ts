import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad, ema, num } from './common.js';

/** Adamax. See KERNELS.md. */
export const adamaxStep = defineFusedOp(fusedOps.AdamaxStep, ({ param, grad, expAvg, expInf }, attrs) => {
  const g = effectiveGrad(param, grad, attrs);
  const m = ema(expAvg, num(attrs, 'beta1'), g, num(attrs, 'oneMinusBeta1'));
  const u = tf.maximum(tf.mul(expInf, num(attrs, 'beta2')), tf.add(tf.abs(g), num(attrs, 'eps')));
  return { param: tf.sub(param, tf.div(tf.mul(m, num(attrs, 'clr')), u)), expAvg: m, expInf: u };
});
