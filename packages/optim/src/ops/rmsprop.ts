import * as tf from '@tensorflow/tfjs-core';
import type { FusedAttrs } from '@descent/core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad, ema, emaSq, num } from './common.js';

function rmsprop(param: tf.Tensor, grad: tf.Tensor, squareAvg: tf.Tensor, gradAvg: tf.Tensor | null, momentumBuffer: tf.Tensor | null, attrs: FusedAttrs) {
  const g = effectiveGrad(param, grad, attrs);
  const alpha = num(attrs, 'alpha');
  const oneMinusAlpha = num(attrs, 'oneMinusAlpha');
  const sq = emaSq(squareAvg, alpha, g, oneMinusAlpha);
  const ga = gradAvg ? ema(gradAvg, alpha, g, oneMinusAlpha) : null;
  const avg = tf.add(tf.sqrt(ga ? tf.sub(sq, tf.mul(ga, ga)) : sq), num(attrs, 'eps'));
  const lr = num(attrs, 'lr');
  if (momentumBuffer) {
    const buf = tf.add(tf.mul(momentumBuffer, num(attrs, 'momentum')), tf.div(g, avg));
    return { param: tf.sub(param, tf.mul(buf, lr)), squareAvg: sq, gradAvg: ga, momentumBuffer: buf };
  }
  return { param: tf.sub(param, tf.div(tf.mul(g, lr), avg)), squareAvg: sq, gradAvg: ga, momentumBuffer: null };
}

/** RMSprop, plain. See KERNELS.md. */
export const rmspropStep = defineFusedOp(fusedOps.RmspropStep, ({ param, grad, squareAvg }, attrs) => {
  const r = rmsprop(param, grad, squareAvg, null, null, attrs);
  return { param: r.param, squareAvg: r.squareAvg };
});

/** RMSprop, `centered`. */
export const rmspropCenteredStep = defineFusedOp(fusedOps.RmspropCenteredStep, ({ param, grad, squareAvg, gradAvg }, attrs) => {
  const r = rmsprop(param, grad, squareAvg, gradAvg, null, attrs);
  return { param: r.param, squareAvg: r.squareAvg, gradAvg: r.gradAvg! };
});

/** RMSprop with `momentum > 0`. */
export const rmspropMomentumStep = defineFusedOp(fusedOps.RmspropMomentumStep, ({ param, grad, squareAvg, momentumBuffer }, attrs) => {
  const r = rmsprop(param, grad, squareAvg, null, momentumBuffer, attrs);
  return { param: r.param, squareAvg: r.squareAvg, momentumBuffer: r.momentumBuffer! };
});

/** RMSprop, `centered` with `momentum > 0`. */
export const rmspropCenteredMomentumStep = defineFusedOp(fusedOps.RmspropCenteredMomentumStep, ({ param, grad, squareAvg, gradAvg, momentumBuffer }, attrs) => {
  const r = rmsprop(param, grad, squareAvg, gradAvg, momentumBuffer, attrs);
  return { param: r.param, squareAvg: r.squareAvg, gradAvg: r.gradAvg!, momentumBuffer: r.momentumBuffer! };
});
