import type * as tf from '@tensorflow/tfjs-core';
import type { HalfDtype } from '../half.js';

/** Makes the kernel for a dtype, or null to leave that dtype to the emulation. */
export type NativeHalfFactory = (dtype: HalfDtype) => NativeHalfKernel | null;

/**
 * A native half-precision implementation of a tfjs kernel under autocast. It
 * returns null for a case it does not handle (a shape, an attribute): the
 * emulation then takes that call. Declining is part of the contract.
 */
export type NativeHalfKernel = (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }) => tf.TensorInfo | tf.TensorInfo[] | null;

// On globalThis under a registered symbol: an adapter loaded as CJS and amp
// loaded as ESM (or two copies of core) still share one registry, as they share tfjs's.
const KEY = Symbol.for('descent.nativeHalfKernels');
type Registry = Map<string, Map<string, NativeHalfFactory>>;
const registry: Registry = ((globalThis as Record<symbol, Registry | undefined>)[KEY] ??= new Map());

/**
 * Lets a backend run an autocast op natively in half precision instead of the
 * emulation (round inputs, run the float32 kernel, round outputs).
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

/** The native half kernel factory registered for a tfjs kernel on a backend, if any. */
export function nativeHalfKernel(backendName: string, kernelName: string): NativeHalfFactory | undefined {
  return registry.get(backendName)?.get(kernelName);
}
