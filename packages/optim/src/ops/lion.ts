import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { ema, num } from './common.js';

/** Lion (Chen et al. 2023; lucidrains/lion-pytorch). See KERNELS.md. */
export const lionStep = defineFusedOp(fusedOps.LionStep, ({ param, grad, expAvg }, attrs) => {
  const p0 = tf.mul(param, num(attrs, 'paramScale'));
  const c = ema(expAvg, num(attrs, 'beta1'), grad, num(attrs, 'oneMinusBeta1'));
  const p = tf.sub(p0, tf.mul(tf.sign(c), num(attrs, 'lr')));
  return { param: p, expAvg: ema(expAvg, num(attrs, 'beta2'), grad, num(attrs, 'oneMinusBeta2')) };
});
