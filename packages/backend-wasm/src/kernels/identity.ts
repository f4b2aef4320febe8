import * as tf from '@tensorflow/tfjs-core';
import { reshapeView, type WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';

/**
 * Identity sharing the input's memory, as tfjs-cpu's does: a reference count
 * instead of a copy. tfjs's tape clones every tensor a gradient saves
 * (Engine.saveTensorsForBackwardMode), so a training step calls Identity once
 * per saved tensor, and the stock kernel copied each one (a 784×256 weight is
 * 0.8 MB per step). Sharing is safe because no wasm kernel writes into its
 * inputs (KERNELS.md). Strings keep the stock kernel.
 */
export function identity(args: WasmKernelArgs): tf.TensorInfo {
  const x = args.inputs.x!;
  if (x.dtype === 'string') return stockKernel(tf.Identity)(args);
  return reshapeView(args.backend, x, x.shape.slice());
}
