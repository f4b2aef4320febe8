import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { conv2DBackpropFilter, depthwiseConv2dNativeBackpropFilter } from './conv-backprop-filter.js';
import { conv2DBackpropInput, depthwiseConv2dNativeBackpropInput } from './conv-backprop-input.js';
import { gatherV2 } from './gather.js';
import { identity } from './identity.js';
import { maxPool } from './max-pool.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { RELU_GRAD, reluGrad } from './relu-grad.js';
import { rememberStock } from './stock.js';
import { sum } from './sum.js';
import { transpose } from './transpose.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';

/** Backward kernels tfjs-wasm lacks, which conv nets and embeddings need to train, and relu's gradient in one pass. */
const added = new Map<string, tf.KernelFunc>([
  [tf.Conv2DBackpropFilter, conv2DBackpropFilter as unknown as tf.KernelFunc],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc],
  [tf.UnsortedSegmentSum, unsortedSegmentSum as unknown as tf.KernelFunc],
  [RELU_GRAD, reluGrad as unknown as tf.KernelFunc],
]);

/**
 * tfjs-wasm kernels replaced: its MaxPoolGrad misroutes all-negative windows and ties, its Conv2DBackpropInput is a
 * scalar loop, its Sum over leading axes (every bias gradient) transposes the whole tensor first, and its Identity
 * copies every tensor the tape saves for the backward pass, its Transpose moves one element at a time, and its GatherV2
 * computes every element's source through strides; its MaxPool runs on XNNPACK's one thread (the pool's tiled case
 * is split across Descent's).
 */
const replaced = new Map<string, tf.KernelFunc>([
  [tf.MaxPoolGrad, maxPoolGrad as unknown as tf.KernelFunc],
  [tf.Conv2DBackpropInput, conv2DBackpropInput as unknown as tf.KernelFunc],
  [tf.Sum, sum as unknown as tf.KernelFunc],
  [tf.Identity, identity as unknown as tf.KernelFunc],
  [tf.Transpose, transpose as unknown as tf.KernelFunc],
  [tf.GatherV2, gatherV2 as unknown as tf.KernelFunc],
  [tf.MaxPool, maxPool as unknown as tf.KernelFunc],
]);

/** The kernel names this adds to tfjs-wasm, and those it replaces. */
export const trainingKernels: { added: readonly string[]; replaced: readonly string[] } = { added: [...added.keys()], replaced: [...replaced.keys()] };

/** Registers the training kernels for wasm. Idempotent. */
export function installTrainingKernels(): void {
  for (const [kernelName, kernelFunc] of added) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  for (const [kernelName, kernelFunc] of replaced) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (!current) throw new DescentError(`tfjs-backend-wasm has no ${kernelName} kernel to replace (is @tensorflow/tfjs-backend-wasm loaded?)`);
    if (current.kernelFunc === kernelFunc) continue;
    rememberStock(current);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...current, kernelFunc });
  }
}
