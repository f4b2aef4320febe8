import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { adamMoments, num } from './common.js';

/** RAdam (torch 1.13). See KERNELS.md. */
export const radamStep = defineFusedOp(fusedOps.RadamStep, ({ param, grad, expAvg, expAvgSq }, attrs) => {
  const { m, v } = adamMoments(param, grad, expAvg, expAvgSq, attrs);
  const step = tf.mul(tf.div(m, num(attrs, 'biasCorrection1')), num(attrs, 'lr'));
  let update = step;
  if (attrs.rectify) {
    const adaptive = tf.mul(tf.reciprocal(tf.add(tf.sqrt(v), num(attrs, 'eps'))), num(attrs, 'biasCorrection2Sqrt'));
    update = tf.mul(tf.mul(step, adaptive), num(attrs, 'rect'));
  }
  return { param: tf.sub(param, update), expAvg: m, expAvgSq: v };
});
