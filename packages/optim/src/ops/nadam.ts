import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { adamMoments, num } from './common.js';

/** NAdam (torch 1.13). See KERNELS.md. */
export const nadamStep = defineFusedOp(fusedOps.NadamStep, ({ param, grad, expAvg, expAvgSq }, attrs) => {
  const { g, m, v } = adamMoments(param, grad, expAvg, expAvgSq, attrs);
  const denom = tf.add(tf.sqrt(tf.div(v, num(attrs, 'biasCorrection2'))), num(attrs, 'eps'));
  const p1 = tf.sub(param, tf.div(tf.mul(g, num(attrs, 'gradCoef')), denom));
  const p = tf.sub(p1, tf.div(tf.mul(m, num(attrs, 'avgCoef')), denom));
  return { param: p, expAvg: m, expAvgSq: v };
});
