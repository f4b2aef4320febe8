import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import type { WasmKernelFunc } from './helpers.js';

/** tfjs-wasm's own configs of the kernels we replace, kept to delegate to and to restore. */
const stock = new Map<string, tf.KernelConfig>();

export function rememberStock(config: tf.KernelConfig): void {
  stock.set(config.kernelName, config);
}

export function stockConfig(name: string): tf.KernelConfig | undefined {
  return stock.get(name);
}

export function stockKernel(name: string): WasmKernelFunc {
  const config = stock.get(name);
  if (!config) throw new DescentError(`Descent wasm: the stock ${name} kernel was never recorded (install the kernels first)`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}
