import * as tf from '@tensorflow/tfjs-core';
import { activationGradient, defineLayerKernel, type FusedActivation } from './fused-kernel.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: [number, number];
  pad: Pad;
  activation: FusedActivation;
}

/**
 * An undilated NHWC convolution plus bias, then the activation, as one kernel
 * (the backend's `FusedConv2D`). Backward: dx (skipped for an input batch),
 * dW and db from dy through the activation.
 */
const kernel = defineLayerKernel('Conv2d', tf.FusedConv2D, {
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, activation } = attrs as unknown as ConvAttrs;
    const g = activationGradient(dy as tf.Tensor, y, activation) as tf.Tensor4D;
    return {
      x: () => backprop(tf.Conv2DBackpropInput, { dy: g, filter }, { strides, pad, inputShape: x.shape }),
      filter: () => backprop(tf.Conv2DBackpropFilter, { x, dy: g }, { strides, pad, filterShape: filter.shape }),
      bias: () => tf.sum(g, [0, 1, 2]),
    };
  },
});

/** The backprop kernels themselves, as tfjs's conv2d gradient calls them (they have gradients of their own). */
function backprop(kernelName: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor4D {
  return tf.engine().runKernel(kernelName, inputs, { ...attrs, dataFormat: 'NHWC', dimRoundingMode: undefined } as never) as tf.Tensor4D;
}

/** conv2d(x, filter) + bias through `activation`, strides only (no dilation), NHWC. */
export function conv2dBiasActivation(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, strides: [number, number], pad: Pad, activation: FusedActivation = 'linear'): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation, leakyreluAlpha: 0 };
  const y = kernel.run(inputs, attrs as unknown as tf.NamedAttrMap);
  if (y) return y as tf.Tensor4D;
  const z = tf.conv2d(x, filter, strides, pad as never);
  const zb = bias ? tf.add(z, bias) : z;
  return (activation === 'relu' ? tf.relu(zb) : zb) as tf.Tensor4D;
}
