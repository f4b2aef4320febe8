import * as tf from '@tensorflow/tfjs-core';

/**
 * torch's `lerp(start, end, weight)` on cpu for a scalar weight: `start + w·(end − start)`
 * for `|w| < 0.5`, `end − (end − start)·(1 − w)` otherwise, with `w` and `1 − w` in float32.
 * Muon's momentum, Adafactor's second moments, schedule-free's averages and swa_utils' helpers use it.
 */
export function lerp(start: tf.Tensor, end: tf.Tensor, weight: number): tf.Tensor {
  const w = Math.fround(weight);
  const diff = tf.sub(end, start);
  return Math.abs(w) < 0.5 ? tf.add(start, tf.mul(diff, w)) : tf.sub(end, tf.mul(diff, Math.fround(1 - w)));
}
