import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { ema, emaSq, num } from './common.js';

/** LAMB (timm's `Lamb`) for one parameter; `gradDivisor` is the global-norm clip factor. See KERNELS.md. */
export const lambStep = defineFusedOp(fusedOps.LambStep, ({ param, grad, expAvg, expAvgSq, gradDivisor }, attrs) => {
  const g = tf.div(grad, gradDivisor);
  const m = ema(expAvg, num(attrs, 'beta1'), g, num(attrs, 'beta3'));
  const v = emaSq(expAvgSq, num(attrs, 'beta2'), g, num(attrs, 'oneMinusBeta2'));
  const denom = tf.add(tf.div(tf.sqrt(v), num(attrs, 'biasCorrection2Sqrt')), num(attrs, 'eps'));
  let update = tf.div(tf.div(m, num(attrs, 'biasCorrection1')), denom);
  const wd = num(attrs, 'weightDecay');
  if (wd !== 0) update = tf.add(update, tf.mul(param, wd));
  if (attrs.adapt) {
    const w = tf.norm(param);
    const n = tf.norm(update);
    const one = tf.onesLike(w);
    let ratio = tf.where(tf.greater(w, 0), tf.where(tf.greater(n, 0), tf.div(w, n), one), one);
    if (attrs.trustClip) ratio = tf.minimum(ratio, one);
    update = tf.mul(update, ratio);
  }
  return { param: tf.sub(param, tf.mul(update, num(attrs, 'lr'))), expAvg: m, expAvgSq: v };
});
