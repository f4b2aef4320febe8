import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad, emaSq, num } from './common.js';

/** Adadelta. See KERNELS.md. */
export const adadeltaStep = defineFusedOp(fusedOps.AdadeltaStep, ({ param, grad, squareAvg, accDelta }, attrs) => {
  const g = effectiveGrad(param, grad, attrs);
  const rho = num(attrs, 'rho');
  const oneMinusRho = num(attrs, 'oneMinusRho');
  const eps = num(attrs, 'eps');
  const sq = emaSq(squareAvg, rho, g, oneMinusRho);
  const std = tf.sqrt(tf.add(sq, eps));
  const delta = tf.mul(tf.div(tf.sqrt(tf.add(accDelta, eps)), std), g);
  const acc = emaSq(accDelta, rho, delta, oneMinusRho);
  return { param: tf.sub(param, tf.mul(delta, num(attrs, 'lr'))), squareAvg: sq, accDelta: acc };
});
