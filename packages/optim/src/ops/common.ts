import * as tf from '@tensorflow/tfjs-core';
import type { FusedAttrs } from '@descent/core';

export const num = (attrs: FusedAttrs, key: string): number => attrs[key] as number;

/** The grad after torch's optional sign flip and L2 weight decay (`grad.add(param, alpha=wd)`). */
export function effectiveGrad(param: tf.Tensor, grad: tf.Tensor, attrs: FusedAttrs): tf.Tensor {
  let g = attrs.maximize ? tf.neg(grad) : grad;
  const wd = num(attrs, 'weightDecay');
  if (wd !== 0) g = tf.add(g, tf.mul(param, wd));
  return g;
}

/** `x * a + b * y`: torch's `x.mul_(a).add_(y, alpha=b)`. */
export function ema(x: tf.Tensor, a: number, y: tf.Tensor, b: number): tf.Tensor {
  return tf.add(tf.mul(x, a), tf.mul(y, b));
}

/** `x * a + (b * y) * y`: torch's `x.mul_(a).addcmul_(y, y, value=b)`. */
export function emaSq(x: tf.Tensor, a: number, y: tf.Tensor, b: number): tf.Tensor {
  return tf.add(tf.mul(x, a), tf.mul(tf.mul(y, b), y));
}

/** The effective gradient and Adam's two moments (`beta1`/`oneMinusBeta1`, `beta2`/`oneMinusBeta2`): Adam, NAdam and RAdam share them. */
export function adamMoments(param: tf.Tensor, grad: tf.Tensor, expAvg: tf.Tensor, expAvgSq: tf.Tensor, attrs: FusedAttrs) {
  const g = effectiveGrad(param, grad, attrs);
  const m = ema(expAvg, num(attrs, 'beta1'), g, num(attrs, 'oneMinusBeta1'));
  const v = emaSq(expAvgSq, num(attrs, 'beta2'), g, num(attrs, 'oneMinusBeta2'));
  return { g, m, v };
}
