import * as tf from '@tensorflow/tfjs-core';
import { heapMemory, offsetOf, runPartitioned, type HeapBackend } from '../optim/module.js';
import type { WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';

/**
 * Whether a pool's windows tile its input from the corner: window = stride,
 * no padding (the 2×2, stride-2 pool of every LeNet and VGG), so that each
 * input belongs to at most one window and rows and columns past the last
 * window belong to none.
 */
export function tilesInput(info: tf.backend_util.Conv2DInfo): boolean {
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, strideHeight, strideWidth, padInfo } = info;
  return fh === strideHeight && fw === strideWidth && padInfo.top === 0 && padInfo.left === 0 && info.outHeight * fh <= info.inHeight && info.outWidth * fw <= info.inWidth;
}

/**
 * Inputs from which the split kernel beats XNNPACK's one thread (a LeNet's first pool at batch 64, 1.4M values:
 * 0.53 against 1.3 ms; its second, 0.5M: 0.29 against 0.2); tests lower it.
 */
export const tiledPoolLimits = { minSize: 1 << 20 };

/**
 * MaxPool for windows that tile the input (asm/pool.ts, split across the
 * kernel pool by output rows): tfjs-wasm's runs XNNPACK on its one thread.
 * Each output is tfjs cpu's running maximum from −∞ (a NaN never wins; an
 * all-NaN window gives −∞). Other pools, smaller inputs and dtypes keep the
 * stock kernel.
 */
export function maxPool(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolAttrs;
  if (x.dtype !== 'float32' || x.shape.length !== 4) return stockKernel(tf.MaxPool)(args);
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (!tilesInput(info) || tf.util.sizeFromShape(x.shape) < tiledPoolLimits.minSize) return stockKernel(tf.MaxPool)(args);
  const out = backend.makeOutput(info.outShape, 'float32');
  const heap = backend as unknown as HeapBackend;
  const call = [offsetOf(heap, x), offsetOf(heap, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, 0, 1];
  runPartitioned(heapMemory(heap), 'maxPoolTiled', call, tf.util.sizeFromShape(x.shape));
  return out;
}
