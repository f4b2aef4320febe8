import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf } from '@descent/core';

/** Activations a fused layer kernel applies after the bias, with gradients. */
export type FusedActivation = 'linear' | 'relu';

/**
 * Layer ops with a gradient that tfjs calls lazily, input by input.
 *
 * tfjs's own fused ops (`tf.fused.matMul`, `tf.fused.conv2d`) differentiate
 * through `customGrad`, which computes every input's gradient at once, so
 * the first layer of every model also computes the gradient of its input
 * batch (a whole extra matmul or convolution per step), and they refuse to
 * fuse a non-linear activation while a gradient is being recorded. A kernel
 * with a registered gradient gets neither problem: the tape prunes inputs
 * that no variable depends on and only calls the thunks it needs.
 *
 * The kernel itself is the backend's own fused kernel (`target`), looked up
 * when it runs, so it works on every backend that has one, picks up an
 * adapter's replacement, and goes through amp's autocast wrapper. It is
 * registered for a backend the first time it runs there.
 */
export interface LayerKernel {
  /** The registered kernel's name (`Descent<name>`). */
  readonly kernelName: string;
  /** Runs it on the active backend, or returns null where the backend lacks `target`. */
  run(inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor | null;
}

export function defineLayerKernel(name: string, target: string, gradient: Omit<tf.GradConfig, 'kernelName'>): LayerKernel {
  const kernelName = kernelNameOf(name);
  tf.registerGradient({ ...gradient, kernelName });
  return {
    kernelName,
    run(inputs, attrs) {
      const backendName = tf.getBackend();
      if (!tf.getKernel(kernelName, backendName)) {
        if (!tf.getKernel(target, backendName)) return null;
        tf.registerKernel({
          kernelName,
          backendName,
          kernelFunc: (args) => tf.getKernel(target, backendName)!.kernelFunc(args),
        });
      }
      return tf.engine().runKernel(kernelName, inputs, attrs as never) as tf.Tensor;
    },
  };
}

/**
 * relu's gradient as one kernel, `dy · step(y)`, where an adapter registers it
 * (the wasm adapter: one pass instead of a Step, a Multiply and the mask
 * between them); elsewhere those two ops. Same bits either way.
 */
export const RELU_GRAD = kernelNameOf('ReluGrad');

/** dy through the activation, from the layer's output y (relu: y > 0 exactly where its input was). */
export function activationGradient(dy: tf.Tensor, y: tf.Tensor, activation: FusedActivation): tf.Tensor {
  if (activation !== 'relu') return dy;
  if (tf.getKernel(RELU_GRAD, tf.getBackend()) && dy.dtype === 'float32' && y.dtype === 'float32') {
    return tf.engine().runKernel(RELU_GRAD, { dy, y }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(y));
}
