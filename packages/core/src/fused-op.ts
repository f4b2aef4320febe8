import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from './errors.js';

/** Scalar attributes of a fused op: learning rate, betas, step count, flags. */
export type FusedAttrs = Record<string, number | boolean>;

/** The arguments a backend kernel receives, as tfjs passes them to any kernel. */
export interface FusedKernelArgs<I extends string> {
  inputs: Record<I, tf.TensorInfo>;
  attrs: FusedAttrs;
  backend: tf.KernelBackend;
}

/** A backend's implementation: one output per name in the op's `outputs`, in order. */
export type FusedKernelFunc<I extends string> = (args: FusedKernelArgs<I>) => tf.TensorInfo[];

export interface FusedOpSpec<I extends string, O extends string> {
  /** Unique name; it becomes the tfjs kernel name `Descent<Name>`. */
  name: string;
  inputs: readonly I[];
  outputs: readonly O[];
  /** The reference: plain tfjs ops, valid on every backend. */
  fallback: (inputs: Record<I, tf.Tensor>, attrs: FusedAttrs) => Record<O, tf.Tensor>;
}

/**
 * An op defined once with a composite fallback, that backends may speed up.
 * Calling it runs the kernel registered for the active backend if there is one,
 * else the fallback; the caller never knows which ran. Outputs are new tensors
 * the caller owns; inputs are never written.
 */
export interface FusedOp<I extends string, O extends string> {
  readonly name: string;
  readonly kernelName: string;
  readonly inputs: readonly I[];
  readonly outputs: readonly O[];
  (inputs: Record<I, tf.Tensor>, attrs?: FusedAttrs): Record<O, tf.Tensor>;
  /** Always the composite fallback (tests compare kernels with it). */
  fallback(inputs: Record<I, tf.Tensor>, attrs?: FusedAttrs): Record<O, tf.Tensor>;
  /** Whether `backendName` (default: the active one) has a kernel for this op. */
  hasKernel(backendName?: string): boolean;
}

const ops = new Map<string, FusedOp<string, string>>();

export function kernelNameOf(opName: string): string {
  return `Descent${opName}`;
}

export function defineFusedOp<I extends string, O extends string>(spec: FusedOpSpec<I, O>): FusedOp<I, O> {
  const existing = ops.get(spec.name);
  if (existing) return existing as unknown as FusedOp<I, O>;
  const kernelName = kernelNameOf(spec.name);

  const fallback = (inputs: Record<I, tf.Tensor>, attrs: FusedAttrs = {}) =>
    tf.tidy(() => spec.fallback(inputs, attrs) as unknown as tf.TensorContainer) as unknown as Record<O, tf.Tensor>;

  const op = ((inputs: Record<I, tf.Tensor>, attrs: FusedAttrs = {}) => {
    if (!tf.getKernel(kernelName, tf.getBackend())) return fallback(inputs, attrs);
    for (const name of spec.inputs) {
      if (!(inputs[name] instanceof tf.Tensor)) throw new DescentError(`Fused op ${spec.name}: input "${name}" is missing`);
    }
    // runKernel tracks the outputs as tensors, so tidy() and memory() see them.
    const result = tf.engine().runKernel(kernelName, inputs as unknown as tf.NamedTensorMap, attrs as never);
    const list = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const out = {} as Record<O, tf.Tensor>;
    spec.outputs.forEach((name, i) => (out[name] = list[i]));
    return out;
  }) as FusedOp<I, O>;
  Object.assign(op, {

    kernelName,
    inputs: spec.inputs,
    outputs: spec.outputs,
    fallback,
    hasKernel: (backendName = tf.getBackend()) => tf.getKernel(kernelName, backendName) != null,
  });
  Object.defineProperty(op, 'name', { value: spec.name });
  ops.set(spec.name, op as unknown as FusedOp<string, string>);
  return op;
}

/**
 * Registers a backend's kernel for a fused op, by op name: an adapter need not
 * import the package that defines the op. Registering twice replaces.
 */
export function registerFusedKernel<I extends string = string>(
  opName: string,
  backendName: string,
  kernelFunc: FusedKernelFunc<I>,
): void {
  const kernelName = kernelNameOf(opName);
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
}

/** All fused ops defined so far. */
export function listFusedOps(): string[] {
  return [...ops.keys()];
}

export function getFusedOp(name: string): FusedOp<string, string> | undefined {
  return ops.get(name);
}

/** Names of the fused ops that have a kernel on `backendName`. */
export function fusedKernelsFor(backendName: string): string[] {
  const prefix = 'Descent';
  return tf
    .getKernelsForBackend(backendName)
    .map((k) => k.kernelName)
    .filter((n) => n.startsWith(prefix))
    .map((n) => n.slice(prefix.length));
}
