import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';

/**
 * Rprop (torch 1.13's `_single_tensor_rprop`): each element's step size grows by
 * `etaplus` while its gradient keeps its sign and shrinks by `etaminus` when it
 * flips (that gradient is then zeroed, so the element rests for a step); the
 * parameter moves by `−sign(g)·stepSize`. See KERNELS.md.
 */
export const rpropStep = defineFusedOp(fusedOps.RpropStep, ({ param, grad, prev, stepSize }, a) => {
  const g = a.maximize ? tf.neg(grad) : grad;
  const sign = tf.sign(tf.mul(g, prev));
  const factor = tf.where(tf.greater(sign, 0), tf.fill(sign.shape, a.etaplus), tf.where(tf.less(sign, 0), tf.fill(sign.shape, a.etaminus), tf.onesLike(sign)));
  const nextStepSize = tf.clipByValue(tf.mul(stepSize, factor), a.stepSizeMin, a.stepSizeMax);
  const held = tf.where(tf.equal(factor, Math.fround(a.etaminus)), tf.zerosLike(g), g);
  return { param: tf.sub(param, tf.mul(tf.sign(held), nextStepSize)), prev: held, stepSize: nextStepSize };
});
