import * as tf from '@tensorflow/tfjs-core';
import { activationGradient, defineLayerKernel, type FusedActivation } from './fused-kernel.js';

/**
 * x·W + b, then the activation, as one kernel (the backend's `_FusedMatMul`,
 * which takes rank-3 a [1, rows, in] and b [1, in, out], as tfjs-core passes them).
 * Backward: dx = dy·Wᵀ (skipped for an input batch), dW = xᵀ·dy, db = Σ dy.
 */
const kernel = defineLayerKernel('Linear', tf._FusedMatMul, {
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [a, b, y] = saved;
    const g = activationGradient(dy as tf.Tensor, y, (attrs as unknown as { activation: FusedActivation }).activation);
    return {
      a: () => tf.matMul(g, b, false, true),
      b: () => tf.matMul(a, g, true, false),
      bias: () => tf.sum(g, [0, 1]),
    };
  },
});

/** `x` [rows, in] times `weight` [in, out], plus `bias` [out], through `activation`: [rows, out]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null, activation: FusedActivation = 'linear'): tf.Tensor2D {
  const [rows, inFeatures] = x.shape;
  const outFeatures = weight.shape[1];
  const a = tf.reshape(x, [1, rows, inFeatures]);
  const b = tf.reshape(weight, [1, inFeatures, outFeatures]);
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  const y = kernel.run(inputs, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 } as unknown as tf.NamedAttrMap);
  if (y) return tf.reshape(y, [rows, outFeatures]);
  const z = bias ? tf.add(tf.matMul(x, weight), bias) : tf.matMul(x, weight);
  return (activation === 'relu' ? tf.relu(z) : z) as tf.Tensor2D;
}
