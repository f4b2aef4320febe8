import * as tf from '@tensorflow/tfjs-core';
import type { FusedAttrs } from '@descent/core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { adamMoments, num } from './common.js';

function adam(param: tf.Tensor, grad: tf.Tensor, expAvg: tf.Tensor, expAvgSq: tf.Tensor, maxExpAvgSq: tf.Tensor | null, attrs: FusedAttrs) {
  const { m, v } = adamMoments(param, grad, expAvg, expAvgSq, attrs);
  const p0 = tf.mul(param, num(attrs, 'paramScale'));
  const vmax = maxExpAvgSq ? tf.maximum(maxExpAvgSq, v) : null;
  const denom = tf.add(tf.div(tf.sqrt(vmax ?? v), num(attrs, 'biasCorrection2Sqrt')), num(attrs, 'eps'));
  const p = tf.sub(p0, tf.div(tf.mul(m, num(attrs, 'stepSize')), denom));
  return { param: p, expAvg: m, expAvgSq: v, vmax };
}

/** Adam / AdamW (AdamW: `paramScale = 1 - lr*wd`, `weightDecay = 0`). See KERNELS.md. */
export const adamStep = defineFusedOp(fusedOps.AdamStep, ({ param, grad, expAvg, expAvgSq }, attrs) => {
  const r = adam(param, grad, expAvg, expAvgSq, null, attrs);
  return { param: r.param, expAvg: r.expAvg, expAvgSq: r.expAvgSq };
});

/** Adam / AdamW with `amsgrad`. See KERNELS.md. */
export const adamAmsgradStep = defineFusedOp(fusedOps.AdamAmsgradStep, ({ param, grad, expAvg, expAvgSq, maxExpAvgSq }, attrs) => {
  const r = adam(param, grad, expAvg, expAvgSq, maxExpAvgSq, attrs);
  return { param: r.param, expAvg: r.expAvg, expAvgSq: r.expAvgSq, maxExpAvgSq: r.vmax! };
});
