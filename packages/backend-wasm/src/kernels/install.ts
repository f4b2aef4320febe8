import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { batchMatMul } from './batch-mat-mul.js';
import { conv2D, fusedConv2D } from './conv2d.js';
import { fusedMatMul } from './fused-mat-mul.js';
import { rememberStock, stockConfig } from './stock.js';

const replacements = new Map<string, tf.KernelFunc>([
  [tf.BatchMatMul, batchMatMul as unknown as tf.KernelFunc],
  [tf._FusedMatMul, fusedMatMul as unknown as tf.KernelFunc],
  [tf.Conv2D, conv2D as unknown as tf.KernelFunc],
  [tf.FusedConv2D, fusedConv2D as unknown as tf.KernelFunc],
]);

/** Kernel names this package replaces on the wasm backend. */
export const replacedKernels: readonly string[] = [...replacements.keys()];

/**
 * Replaces tfjs-wasm's BatchMatMul, _FusedMatMul, Conv2D and FusedConv2D with
 * Descent's, which route products and convolutions between Descent's GEMM and
 * XNNPACK (./gemm.ts). Idempotent. The stock setup
 * functions stay attached, so a wasm backend created later is set up as usual.
 */
export function installMatMulKernels(): void {
  for (const [name, kernelFunc] of replacements) {
    const current = tf.getKernel(name, 'wasm');
    if (!current) throw new DescentError(`tfjs-backend-wasm has no ${name} kernel to replace (is @tensorflow/tfjs-backend-wasm loaded?)`);
    if (current.kernelFunc === kernelFunc) continue;
    rememberStock(current);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...current, kernelFunc });
  }
}

/** Puts tfjs-wasm's own kernels back (for comparisons and benchmarks). */
export function uninstallMatMulKernels(): void {
  for (const [name, kernelFunc] of replacements) {
    const current = tf.getKernel(name, 'wasm');
    const stock = stockConfig(name);
    if (!current || current.kernelFunc !== kernelFunc || !stock) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
  }
}

/** Whether Descent's matmul kernels are the ones registered for wasm now. */
export function matMulKernelsInstalled(): boolean {
  return [...replacements].every(([name, kernelFunc]) => tf.getKernel(name, 'wasm')?.kernelFunc === kernelFunc);
}
