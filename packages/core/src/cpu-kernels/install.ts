import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGrad } from './avg-pool-grad.js';
import { conv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2DBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilter } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInput } from './depthwise-conv2d-backprop-input.js';
import { maxPoolGrad } from './max-pool-grad.js';
import type { CpuKernelImpl } from './shared.js';

const BACKEND = 'cpu';

/** Descent's implementation of each replaced kernel: `undefined` means "not handled here". */
const impls = new Map<string, CpuKernelImpl>([
  [tf.Conv2DBackpropFilter, conv2DBackpropFilter],
  [tf.Conv2DBackpropInput, conv2DBackpropInput],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dNativeBackpropInput],
  [tf.MaxPoolGrad, maxPoolGrad],
  [tf.AvgPoolGrad, avgPoolGrad],
]);

/** The tfjs kernels Descent replaces on the cpu backend. */
export const cpuKernelNames: readonly string[] = [...impls.keys()];

/** tfjs-backend-cpu's own configs, kept to delegate to and to restore. */
const stock = new Map<string, tf.KernelConfig>();

/** The registered kernelFunc of each replacement: the impl, or the stock kernel for what it does not handle. */
const replacements = new Map<string, tf.KernelFunc>(
  [...impls].map(([name, impl]) => {
    const kernelFunc: tf.KernelFunc = (args) => impl(args) ?? stock.get(name)!.kernelFunc(args);
    return [name, kernelFunc];
  }),
);

/**
 * Swaps tfjs-backend-cpu's `Conv2DBackpropFilter`, `Conv2DBackpropInput`, the
 * depthwise backprop kernels, `MaxPoolGrad` and `AvgPoolGrad` for Descent's,
 * which compute the same float32 numbers bit for bit with direct typed-array
 * loops. Idempotent; run it after tfjs-backend-cpu has loaded (a kernel it
 * has not registered is skipped), and a kernel someone else has wrapped since
 * (amp's autocast) is left alone.
 */
export function installCpuKernels(): void {
  for (const [name, kernelFunc] of replacements) {
    const current = tf.getKernel(name, BACKEND);
    if (!current) continue;
    if (current.kernelFunc === kernelFunc) continue;
    const kept = stock.get(name);
    if (kept && current.kernelFunc !== kept.kernelFunc) continue;
    if (!kept) stock.set(name, current);
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...current, kernelFunc });
  }
}

/** Puts tfjs-backend-cpu's own kernels back (for comparisons and benchmarks). */
export function uninstallCpuKernels(): void {
  for (const [name, kernelFunc] of replacements) {
    const current = tf.getKernel(name, BACKEND);
    const kept = stock.get(name);
    if (!current || current.kernelFunc !== kernelFunc || !kept) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(kept);
  }
}

/** Whether Descent's kernels are the ones registered for cpu now. */
export function cpuKernelsInstalled(): boolean {
  return [...replacements].every(([name, kernelFunc]) => tf.getKernel(name, BACKEND)?.kernelFunc === kernelFunc);
}

/** tfjs-backend-cpu's own config for `name`, once `installCpuKernels` has run (tests compare with it). */
export function stockCpuKernel(name: string): tf.KernelConfig | undefined {
  const kept = stock.get(name);
  if (kept) return kept;
  const current = tf.getKernel(name, BACKEND);
  return current?.kernelFunc === replacements.get(name) ? undefined : current;
}

/** Descent's implementation of `name` alone: `undefined` for inputs it hands to the stock kernel. */
export function cpuKernelImpl(name: string): CpuKernelImpl | undefined {
  return impls.get(name);
}
