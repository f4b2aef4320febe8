import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '../errors.js';
import type { AttrSpec, AttrValues, FusedOpDeclaration } from './declaration.js';

/** What a backend's kernel for a declared op receives. */
export interface FusedKernelArgs<I extends string = string, A extends AttrSpec = AttrSpec> {
  inputs: Record<I, tf.TensorInfo>;
  attrs: AttrValues<A>;
  backend: tf.KernelBackend;
}

/**
 * A backend's implementation of a declared op: one output per declared output,
 * by name. A missing or extra output is a compile error, and a runtime one.
 */
export type FusedKernelFunc<I extends string = string, O extends string = string, A extends AttrSpec = AttrSpec> = (
  args: FusedKernelArgs<I, A>,
) => Record<O, tf.TensorInfo>;

const PREFIX = 'Descent';

/**
 * Registers a backend's kernel for a declared op. The kernel is written against
 * the declaration (its inputs, outputs and attrs are typed by it); an adapter
 * needs the declaration only, not the package that defines the fallback.
 * Registering twice replaces.
 */
export function registerFusedKernel<I extends string, O extends string, A extends AttrSpec>(
  decl: FusedOpDeclaration<I, O, A>,
  backendName: string,
  kernel: FusedKernelFunc<I, O, A>,
): void {
  const kernelName = PREFIX + decl.name;
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
    const out = kernel(args as unknown as FusedKernelArgs<I, A>) as Record<string, tf.TensorInfo>;
    return decl.outputs.map((name) => {
      const t = out[name];
      if (t == null) throw new DescentError(`${backendName} kernel of ${decl.name} returned no "${name}" output`);
      return t;
    });
  };
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

// Lazy installers: an adapter (or core, for cpu) says how to register its
// kernels for a backend, and the first fused call on that backend runs it.
// This covers apps that pick a backend with tf.setBackend instead of useBackend.
const installers = new Map<string, Array<() => void>>();
const installed = new Set<string>();

/**
 * Adds a function that registers a backend's fused kernels. It runs once, the
 * first time a fused op is called (or `ensureKernels` is asked) on that backend.
 */
export function registerKernelInstaller(backendName: string, install: () => void): void {
  let list = installers.get(backendName);
  if (!list) installers.set(backendName, (list = []));
  list.push(install);
  installed.delete(backendName);
}

/**
 * Runs the pending installers of `backendName` once. With `kernelName`, returns
 * whether that kernel is registered afterwards.
 */
export function ensureKernels(backendName: string, kernelName?: string): boolean {
  if (!installed.has(backendName) && installers.has(backendName)) {
    installed.add(backendName);
    for (const install of installers.get(backendName)!) install();
  }
  return kernelName !== undefined && tf.getKernel(kernelName, backendName) != null;
}

/** Names of the fused ops that have a kernel on `backendName`. */
export function fusedKernelsFor(backendName: string): string[] {
  ensureKernels(backendName);
  return tf
    .getKernelsForBackend(backendName)
    .map((k) => k.kernelName)
    .filter((n) => n.startsWith(PREFIX))
    .map((n) => n.slice(PREFIX.length));
}
