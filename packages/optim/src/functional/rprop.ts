import * as tf from '@tensorflow/tfjs-core';

export interface RpropStepConfig {
  etaminus: number;
  etaplus: number;
  stepSizeMin: number;
  stepSizeMax: number;
  maximize: boolean;
}

/**
 * One Rprop update of one parameter, torch 1.13's `_single_tensor_rprop`: each
 * element's step size grows by `etaplus` while its gradient keeps its sign and
 * shrinks by `etaminus` when it flips (that gradient is then zeroed, so the
 * element rests for a step); the parameter moves by `−sign(g)·stepSize`.
 */
export function rpropUpdate(param: tf.Tensor, grad: tf.Tensor, prev: tf.Tensor, stepSize: tf.Tensor, c: RpropStepConfig) {
  const g = c.maximize ? tf.neg(grad) : grad;
  const sign = tf.sign(tf.mul(g, prev));
  const factor = tf.where(tf.greater(sign, 0), tf.fill(sign.shape, c.etaplus), tf.where(tf.less(sign, 0), tf.fill(sign.shape, c.etaminus), tf.onesLike(sign)));
  const nextStepSize = tf.clipByValue(tf.mul(stepSize, factor), c.stepSizeMin, c.stepSizeMax);
  // torch: grad[sign.eq(etaminus)] = 0 (sign now holds the factors).
  const held = tf.where(tf.equal(factor, Math.fround(c.etaminus)), tf.zerosLike(g), g);
  return { param: tf.sub(param, tf.mul(tf.sign(held), nextStepSize)), prev: held, stepSize: nextStepSize };
}
