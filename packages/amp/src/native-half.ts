import type * as tf from '@tensorflow/tfjs-core';
import type { HalfDtype } from './half.js';

/** Makes the kernel for a dtype, or null to leave that dtype to the emulation. */
export type NativeHalfFactory = (dtype: HalfDtype) => tf.KernelFunc | null;

const registry = new Map<string, Map<string, NativeHalfFactory>>();

/**
 * Lets a backend run an autocast op natively in half precision instead of the
 * emulation (round inputs, run the float32 kernel, round outputs). The kernel it
 * makes may also return null for a case it does not handle. See KERNELS.md.
 */
export function registerNativeHalfKernel(backendName: string, kernelName: string, factory: NativeHalfFactory): void {
  let m = registry.get(backendName);
  if (!m) registry.set(backendName, (m = new Map()));
  m.set(kernelName, factory);
}

/** Removes a native half kernel (all of a backend's when `kernelName` is omitted). */
export function unregisterNativeHalfKernel(backendName: string, kernelName?: string): void {
  if (kernelName === undefined) registry.delete(backendName);
  else registry.get(backendName)?.delete(kernelName);
}

export function nativeHalfKernel(backendName: string, kernelName: string): NativeHalfFactory | undefined {
  return registry.get(backendName)?.get(kernelName);
}
